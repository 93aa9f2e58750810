"""Benchmark: learners' heartbeats against the app server, beside a bare view.

    python bench/heartbeats.py [--learners 10000] [--every 30] [--duration 60]
                               [--workers 2] [--connections 64] [--database URL]

Seeds (afresh) ``--learners`` professionals of Shantou with a signed-in session each, one
published Guangdong 2020 course of one hour-long lesson the server has sent them, and an
open study session (its first heartbeat token) for each. Serves the app as WSGI under
granian on 127.0.0.1 (``--workers``), then sends every learner's heartbeat once per
``--every`` seconds, phases spread evenly (10,000 learners at 30 s ≈ 333 requests/s), over
``--connections`` keep-alive connections for ``--duration`` seconds: open loop, so a
request's latency counts from the moment it was due, not from when a connection was free.
Each heartbeat is the real one (session, CSRF, token check and spend, credit, trail row,
next token); then the same schedule against ``/_bench/heartbeat-bare/`` (bench/
baseline_views.py: the body parsed, one indexed lookup, no session, no write). Reports p50,
p95 and p99 latency, errors, and the server's CPU (its processes' user+system seconds over
the run's wall time). Loopback only, bounded. The last line printed is the JSON result of
bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO / "bench"))

import benchlib  # noqa: E402
from verify_wrk import BIN, configure, free_port, server_command, wait_ready  # noqa: E402

CSRF = "b" * 32  # the csrftoken cookie's secret; the header repeats it


def seed(learners: int) -> list[tuple[str, str]]:
    """(session cookie, first token) of each learner."""
    import django

    django.setup()
    from decimal import Decimal

    from django.core.management import call_command
    from django.test import Client
    from verify_wrk import ric

    from xueshi.accounts.models import Role, RoleAssignment, User
    from xueshi.learning.models import Course, Lesson, LessonKind, LessonProgress
    from xueshi.learning.study import study_start
    from xueshi.organisations.services import regions_sync_from_policy
    from xueshi.people.models import Professional
    from xueshi.policy_store import current_policy

    call_command("migrate", verbosity=0)
    regions_sync_from_policy(policy=current_policy())
    owner = User.objects.create(username="bench-bureau")
    course = Course.objects.create(
        title="基准课程", year=2020, region_id="440000", hours=Decimal("10"),
        publisher_region_id="440000", published=True, created_by=owner,
    )  # fmt: skip
    lesson = Lesson.objects.create(
        course=course, order=1, title="第一讲", kind=LessonKind.VIDEO, file="lessons/b.webm",
        original_name="b.webm", content_type="video/webm", size=1, sha256="0" * 64,
        duration_seconds=3600,
    )  # fmt: skip
    users = User.objects.bulk_create(
        [User(username=f"bench-learner-{n}", password="!") for n in range(learners)],
        batch_size=2000,
    )
    people = []
    for n, user in enumerate(users):
        person = Professional(
            user=user, full_name=f"学员{n}", series="engineering", title_level="intermediate",
            region_id="440500",
        )  # fmt: skip
        person.id_number = ric(n)
        people.append(person)
    Professional.objects.bulk_create(people, batch_size=2000)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=u, role=Role.PROFESSIONAL) for u in users], batch_size=2000
    )
    result = []
    for n, user in enumerate(users):
        client = Client()  # a session of its own (logging out would delete it)
        client.force_login(user)
        cookie = client.cookies["sessionid"].value
        _, token = study_start(user=user, lesson=lesson, ip_address=f"10.0.{n // 250}.{n % 250}")
        result.append((cookie, token))
    LessonProgress.objects.update(fetched_bytes=1)
    return result


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, cookie: str, body: bytes
) -> tuple[int, bytes]:
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Cookie: sessionid={cookie}; csrftoken={CSRF}\r\nX-CSRFToken: {CSRF}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    writer.write(head + body)
    await writer.drain()
    status_line = await reader.readline()
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        if name.lower() == "content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def drive(
    port: int, path: str, learners: list[tuple[str, str]], args: argparse.Namespace
) -> dict[str, float]:
    """Every learner's heartbeat once per ``args.every`` s for ``args.duration`` s."""
    tokens = [token for _, token in learners]
    started = time.monotonic() + 0.5
    due: list[tuple[float, int]] = []
    for i in range(len(learners)):
        t = args.every * i / len(learners)
        while t < args.duration:
            due.append((t + random.uniform(-0.5, 0.5), i))
            t += args.every
    due.sort()
    queue: asyncio.Queue[tuple[float, int] | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def connection() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            item = await queue.get()
            if item is None:
                break
            moment, i = item
            position = time.monotonic() - started + 30.0
            body = json.dumps(
                {"token": tokens[i], "position": position, "playing": True, "visible": True}
            ).encode()
            try:
                status, answer = await _request(reader, writer, path, learners[i][0], body)
            except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            latencies.append(time.monotonic() - (started + moment))
            if status != 200:
                errors += 1
                if errors <= 2:
                    print(f"{path}: {status} {answer[:200]!r}", file=sys.stderr)
                continue
            token = json.loads(answer).get("token")
            if token:
                tokens[i] = token
        writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(args.connections)]
    for moment, i in due:
        delay = started + moment - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((moment, i))
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers)
    wall = time.monotonic() - started
    return {
        "requests": len(latencies),
        "rps": len(latencies) / wall,
        "p50_ms": benchlib.percentile(latencies, 50) * 1000,
        "p95_ms": benchlib.percentile(latencies, 95) * 1000,
        "p99_ms": benchlib.percentile(latencies, 99) * 1000,
        "errors": errors,
    }


def cpu_seconds(group: int) -> float:
    """User+system seconds of the server's processes so far (its process group)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=benchlib.default_size(10_000))
    parser.add_argument("--every", type=float, default=30.0)
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--database", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    args.duration = max(5.0, min(args.duration, 300.0))
    if not (BIN / "granian").exists():
        print("granian 未安装：pip install -e '.[deploy]'", file=sys.stderr)
        return 2
    bench_dir = REPO / "var" / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    database = args.database
    if database is None:
        file = bench_dir / f"heartbeats-{args.learners}.sqlite3"
        for old in (file, Path(f"{file}-wal"), Path(f"{file}-shm")):
            old.unlink(missing_ok=True)
        database = f"sqlite:///{file}"
    elif database.startswith(("postgres://", "postgresql://")):
        benchlib.postgres_create(database)
    env = configure(database, bench_dir / "keys", 60)
    env["XUESHI_ID_KEYS"] = str(bench_dir / "idkeys")
    os.environ.update(env)
    print(f"seeding {args.learners} learners …", file=sys.stderr)
    learners = seed(args.learners)
    from django.db import connection

    kind = connection.vendor
    connection.close()
    port = free_port()
    process = subprocess.Popen(
        server_command("granian", port, args.workers, 1),
        env={**os.environ, **env},
        cwd=REPO,
        start_new_session=True,
    )
    results = {}
    try:
        wait_ready(f"http://127.0.0.1:{port}", process)
        for name, path in (
            ("heartbeat", "/learning/heartbeat"),
            ("bare", "/_bench/heartbeat-bare/"),
        ):
            before, clock = cpu_seconds(process.pid), time.monotonic()
            run = asyncio.run(drive(port, path, learners, args))
            run["server_cpu_cores"] = (cpu_seconds(process.pid) - before) / (
                time.monotonic() - clock
            )
            results[name] = run
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    print(f"{args.learners} learners, one heartbeat per {args.every:g} s, {args.duration:g} s, "
          f"granian {args.workers} workers, {kind}")  # fmt: skip
    print(
        "| endpoint | requests | req/s | p50 ms | p95 ms | p99 ms | errors | server CPU (cores) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        print(
            f"| {name} | {r['requests']:.0f} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
            f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']:.0f} | "
            f"{r['server_cpu_cores']:.2f} |"
        )
    beat, bare = results["heartbeat"], results["bare"]
    print(
        benchlib.result_line(
            name=f"heartbeats, {args.learners} learners / {args.every:g} s ({kind})",
            figure=round(beat["p99_ms"], 1),
            unit="ms p99",
            baseline=round(bare["p99_ms"], 1),
            goal="no errors, p99 ≤ 250 ms",
            met=beat["errors"] == 0 and beat["p99_ms"] <= 250,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
