"""The pages: a bureau publishes a course with lessons, a learner studies it over HTTP
(range requests, heartbeats, the trail), the bureau reads and clears flags."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.learning.conftest import SHANGHAI
from tests.support.factories import (
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    grant,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.learning import courses
from xueshi.learning.models import Course, Heartbeat, Lesson, LessonProgress, StudyFlag
from xueshi.learning.study import study_heartbeat, study_start

pytestmark = pytest.mark.django_db

WEBM = b"\x1a\x45\xdf\xa3" + bytes(range(256)) * 40  # 10,244 bytes that sniff as WebM
PDF = b"%PDF-1.4\n" + b"0" * 500


@pytest.fixture
def guangdong() -> ActiveRole:
    regions()
    return grant(UserFactory(), Role.BUREAU_STAFF, region_id="440000")


def _user(active: ActiveRole) -> User:
    return active.assignment.user


def published(active: ActiveRole, *, duration: int = 120) -> tuple[Course, Lesson]:
    course = courses.course_create(
        actor=_user(active), active=active, title="新发展理念", year=2020, hours="10"
    )
    lesson = courses.lesson_add(
        actor=_user(active),
        active=active,
        course=course,
        title="第一讲",
        kind="video",
        duration_seconds=duration,
        upload=SimpleUploadedFile("l1.webm", WEBM, content_type="video/webm"),
    )
    return courses.course_publish(actor=_user(active), active=active, course=course), lesson


@pytest.fixture
def learner_client(client: Client) -> Client:
    regions()
    person = ProfessionalFactory(region_id="440500")
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)
    return client


def test_a_bureau_publishes_a_course_under_its_policy_clause(
    client: Client, guangdong: ActiveRole
) -> None:
    client.force_login(_user(guangdong))
    page = client.post(
        reverse("learning:manage"), {"title": "新发展理念", "year": 2020, "hours": "10"}
    )
    course = Course.objects.get()
    assert page.url == reverse("learning:manage_course", args=[course.pk])
    bad = client.post(
        page.url,
        {
            "title": "第一讲",
            "kind": "video",
            "duration_minutes": "2",
            "file": SimpleUploadedFile("x.webm", b"not a video", content_type="video/webm"),
        },
    )
    assert "视频应为 WebM 或 MP4 文件。" in bad.content.decode()
    assert not Lesson.objects.exists()
    good = client.post(
        page.url,
        {
            "title": "第一讲",
            "kind": "video",
            "duration_minutes": "2",
            "file": SimpleUploadedFile("l1.webm", WEBM, content_type="video/webm"),
        },
    )
    assert good.status_code == 302
    lesson = Lesson.objects.get()
    assert (lesson.duration_seconds, lesson.size, lesson.content_type) == (
        120,
        len(WEBM),
        "video/webm",
    )
    client.post(reverse("learning:manage_publish", args=[course.pk]))
    course.refresh_from_db()
    assert course.published
    assert "三(一)" in course.clause
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"learning.course_create", "learning.lesson_add", "learning.course_publish"} <= actions


def test_the_policy_decides_who_may_publish_what() -> None:
    regions()
    shantou = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    with pytest.raises(ServiceError, match="不认可由本级人社部门发布的公需科目网络课程"):
        courses.course_create(
            actor=_user(shantou), active=shantou, title="汕头课程", year=2020, hours="5"
        )
    guangdong = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440000")
    with pytest.raises(ServiceError, match="不认可"):  # Guangdong's rule starts 2018-11
        courses.course_create(
            actor=_user(guangdong), active=guangdong, title="旧课", year=2017, hours="5"
        )
    provider = grant(
        UserFactory(), Role.PROVIDER_STAFF, provider=ProviderFactory(region_id="410200")
    )
    course = courses.course_create(
        actor=_user(provider), active=provider, title="开封网络课", year=2016, hours="12"
    )
    assert (course.region_id, course.publisher_provider_id) == (
        "410200",
        provider.assignment.provider_id,
    )


def test_a_course_with_no_lessons_is_not_published(guangdong: ActiveRole) -> None:
    course = courses.course_create(
        actor=_user(guangdong), active=guangdong, title="空课程", year=2020, hours="1"
    )
    with pytest.raises(ServiceError, match="还没有课时"):
        courses.course_publish(actor=_user(guangdong), active=guangdong, course=course)


def test_video_is_served_with_range_requests(learner_client: Client, guangdong: ActiveRole) -> None:
    _, lesson = published(guangdong)
    url = reverse("learning:media", args=[lesson.pk])
    whole = learner_client.get(url)
    assert whole.status_code == 200
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == WEBM

    part = learner_client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part["Content-Range"] == f"bytes 100-199/{len(WEBM)}"
    assert part["Content-Length"] == "100"
    assert b"".join(part.streaming_content) == WEBM[100:200]

    tail = learner_client.get(url, headers={"Range": "bytes=-10"})
    assert b"".join(tail.streaming_content) == WEBM[-10:]
    rest = learner_client.get(url, headers={"Range": "bytes=10000-"})
    assert b"".join(rest.streaming_content) == WEBM[10000:]
    beyond = learner_client.get(url, headers={"Range": f"bytes={len(WEBM)}-"})
    assert beyond.status_code == 416
    assert beyond["Content-Range"] == f"bytes */{len(WEBM)}"
    many = learner_client.get(url, headers={"Range": "bytes=0-1,5-9"})
    assert many.status_code == 200  # several ranges: the whole file (RFC 9110 allows it)

    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.fetched_bytes == len(WEBM)


def test_a_lesson_is_not_served_outside_its_region(client: Client, guangdong: ActiveRole) -> None:
    _, lesson = published(guangdong)
    person = ProfessionalFactory(region_id="410200")  # Kaifeng
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)
    assert client.get(reverse("learning:media", args=[lesson.pk])).status_code == 404
    assert client.get(reverse("learning:lesson", args=[lesson.pk])).status_code == 404
    answer = client.post(reverse("learning:start", args=[lesson.pk]))
    assert answer.status_code == 403
    assert "不在您可学习的课程中" in answer.json()["message"]


def _beat(client: Client, **body: Any) -> Any:
    return client.post(
        reverse("learning:heartbeat"), json.dumps(body), content_type="application/json"
    )


def test_a_learner_studies_over_http_and_the_server_decides(
    learner_client: Client, guangdong: ActiveRole
) -> None:
    _, lesson = published(guangdong, duration=120)
    mine = learner_client.get(reverse("learning:mine"), {"year": 2020}).content.decode()
    assert "新发展理念" in mine
    assert 'name="viewport"' in mine
    page = learner_client.get(reverse("learning:lesson", args=[lesson.pk])).content.decode()
    assert reverse("learning:media", args=[lesson.pk]) in page

    t0 = dt.datetime(2020, 6, 1, 10, 0, tzinfo=SHANGHAI)
    with time_machine.travel(t0, tick=False) as traveller:
        learner_client.get(reverse("learning:media", args=[lesson.pk]))
        token = learner_client.post(reverse("learning:start", args=[lesson.pk])).json()["token"]
        traveller.shift(1)
        # The browser claims completion: ignored, nothing credited (the position ran ahead).
        cheat = _beat(
            learner_client, token=token, position=120, playing=True, visible=True, completed=True
        )
        assert cheat.json()["credited"] == 0
        assert cheat.json()["complete"] is False
        token = cheat.json()["token"]
        replay = _beat(learner_client, token="x" + token, position=1, playing=True, visible=True)
        assert replay.status_code == 409
        assert replay.json()["message"] == "学习令牌无效，请刷新页面后继续学习。"
        for n in range(1, 5):
            traveller.shift(30)
            answer = _beat(
                learner_client, token=token, position=30.0 * n, playing=True, visible=True
            )
            assert answer.status_code == 200
            token = answer.json()["token"]
    progress = LessonProgress.objects.get(lesson=lesson)
    assert progress.completed_at is not None
    assert progress.credited_seconds == pytest.approx(120.0)
    trail = learner_client.get(reverse("learning:trail", args=[lesson.pk])).content.decode()
    assert "正常播放，按实际经过时间认定" in trail
    assert "位置超出已学进度（拖动或倍速），不计时" in trail
    assert Heartbeat.objects.count() == 5
    mine = learner_client.get(reverse("learning:mine"), {"year": 2020}).content.decode()
    assert "已学完" in mine


def test_the_bureau_reads_a_flag_with_its_trail_and_clears_it(
    client: Client, guangdong: ActiveRole
) -> None:
    _, lesson = published(guangdong)
    person = ProfessionalFactory(region_id="440500")
    t0 = dt.datetime(2020, 6, 1, 10, 0, tzinfo=SHANGHAI)
    _, token = study_start(user=person.user, lesson=lesson, ip_address="203.0.113.1", now=t0)
    first = study_heartbeat(
        user=person.user, token=token, position=0, playing=True, visible=True,
        ip_address=None, now=t0 + dt.timedelta(seconds=30),
    )  # fmt: skip
    assert first.ok
    study_heartbeat(
        user=person.user, token=token, position=0, playing=True, visible=True,
        ip_address=None, now=t0 + dt.timedelta(seconds=31),
    )  # fmt: skip
    flag = StudyFlag.objects.get()
    client.force_login(_user(guangdong))
    listing = client.get(reverse("learning:flags")).content.decode()
    assert "令牌重放或伪造" in listing
    page = client.get(reverse("learning:flag", args=[flag.pk])).content.decode()
    assert "暂停中" in page or "回看已学内容" in page
    client.post(reverse("learning:flag", args=[flag.pk]), {"comment": "网络重发，已核实"})
    flag.refresh_from_db()
    assert (flag.status, flag.comment) == ("cleared", "网络重发，已核实")
    assert AuditEvent.objects.filter(action="learning.flag_clear").count() == 1
    kaifeng = grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200")
    client.force_login(_user(kaifeng))
    assert client.get(reverse("learning:flag", args=[flag.pk])).status_code == 404
