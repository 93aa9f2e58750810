"""Benchmark: the CPU one heartbeat costs in-process, whole stack and service alone.

    DATABASE_URL=sqlite:////tmp/demo.sqlite3 python bench/heartbeat_cpu.py [--beats 300]

Run against a database the demo was loaded into (``xueshi migrate``, ``xueshi demo_load``):
it adds a one-lesson benchmark course there (once) and signs ``st-linwei`` in with Django's
test client. Prints the queries of one heartbeat, then the process CPU time per heartbeat
(``time.process_time``: not the wall clock, so other load on the machine does not count)
through the whole request (middleware, session, role, CSRF, view) and through
``study_heartbeat`` alone. bench/heartbeats.py measures the same path under load.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "xueshi.config.settings")

CSRF = "b" * 32


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--beats", type=int, default=300)
    beats = parser.parse_args().beats
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from xueshi.accounts.models import User
    from xueshi.learning.models import Course, Lesson, LessonKind
    from xueshi.learning.study import media_fetched, study_heartbeat, study_start

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    user = User.objects.get(username="st-linwei")
    course, made = Course.objects.get_or_create(
        title="基准课程", year=2020, region_id="440000",
        defaults={"hours": Decimal(10), "publisher_region_id": "440000", "published": True,
                  "created_by": user},
    )  # fmt: skip
    if made:
        Lesson.objects.create(
            course=course, order=1, title="基准", kind=LessonKind.VIDEO, file="lessons/b.webm",
            original_name="b.webm", content_type="video/webm", size=1, sha256="0" * 64,
            duration_seconds=10**6,
        )  # fmt: skip
    lesson = course.lessons.get(order=1)
    _, token = study_start(user=user, lesson=lesson, ip_address="127.0.0.1")
    media_fetched(user=user, lesson=lesson, last_byte=0)
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    client.cookies["csrftoken"] = CSRF
    position = 0.0

    def beat() -> None:
        nonlocal token, position
        position += 0.01
        body = {"token": token, "position": position, "playing": True, "visible": True}
        answer = client.post(
            "/learning/heartbeat", data=json.dumps(body), content_type="application/json",
            HTTP_X_CSRFTOKEN=CSRF,
        ).json()  # fmt: skip
        assert answer["ok"], answer
        token = answer["token"]

    for _ in range(20):
        beat()
    with CaptureQueriesContext(connection) as queries:
        beat()
    print(f"queries per heartbeat: {len(queries.captured_queries)}")
    for query in queries.captured_queries:
        print("   ", query["sql"][:120])
    started = time.process_time()
    for _ in range(beats):
        beat()
    print(f"whole request: {(time.process_time() - started) / beats * 1000:.2f} ms CPU")
    started = time.process_time()
    for _ in range(beats):
        position += 0.01
        answer = study_heartbeat(
            user=user, token=token, position=position, playing=True, visible=True,
            ip_address="127.0.0.1",
        )  # fmt: skip
        token = answer.token
    print(f"study_heartbeat alone: {(time.process_time() - started) / beats * 1000:.2f} ms CPU")


if __name__ == "__main__":
    main()
