"""Fault injection on PostgreSQL with real processes (issue 18): a worker (``xueshi worker``
in a child process) is killed with SIGKILL at a chosen point of an import and of a
year-end job — at its start, before its commit, after its commit — or its database is
"restarted" under it (every connection cut and refused for a while, through a TCP proxy)
while the job's transaction is open. Then a worker runs on, and every time:

- the job ends done, with its result and its report link, and is retried exactly when its
  work had not committed;
- the work landed once: one batch and one hour record per learner; one ledger row per
  person-year;
- no queue row stays RUNNING;
- after a database restart, the same worker process is still running.

Short limits keep it quick (stale after 3 s, heartbeats every 0.5 s); the rules are those
of production.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.jobs.test_jobs import DATABASE_BACKEND, shantou  # noqa: F401
from tests.support.factories import id_number_of
from tests.support.tcp_proxy import TcpProxy
from tests.training.conftest import World, enrol, learner, upload, world, xlsx  # noqa: F401
from tests.training.test_training_views import on
from xueshi.compliance import tasks as year_end
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.jobs.models import Job, JobStatus
from xueshi.records.models import HourRecord
from xueshi.training.models import HourBatch
from xueshi.training.tasks import hour_batch_import_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

STALE_SECONDS = 3
WAIT = 120.0  # seconds before a test gives up waiting for what must happen


@pytest.fixture(autouse=True)
def _postgres_only(settings: Any) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("worker processes share the database: PostgreSQL (DATABASE_URL=postgres://…)")
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}


class Workers:
    """``xueshi worker`` processes on the test's database, through a proxy."""

    def __init__(self, tmp_path: Path) -> None:
        db = connection.settings_dict
        self.proxy = TcpProxy((db["HOST"] or "127.0.0.1", int(db["PORT"] or 5432)))
        user = db["USER"] or "postgres"
        password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
        self.url = f"postgres://{user}{password}@127.0.0.1:{self.proxy.port}/{db['NAME']}"
        self.tmp = tmp_path
        self.marker = tmp_path / "fault-reached"
        self.processes: list[tuple[subprocess.Popen[bytes], Path]] = []

    def start(self, fault: str = "") -> subprocess.Popen[bytes]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("XUESHI_")}
        env |= {
            "DATABASE_URL": self.url,
            "XUESHI_VAR_DIR": str(self.tmp),  # its uploads: the test's MEDIA_ROOT
            # The run's ID-number keys: a worker with keys of its own finds nobody by the
            # blind index of a row's ID number.
            "XUESHI_ID_KEYS": str(django_settings.XUESHI_ID_KEYS),
            "XUESHI_SECRET_KEY": "a-test-key-for-the-worker-processes-of-the-fault-tests",
            "XUESHI_JOB_STALE_SECONDS": str(STALE_SECONDS),
            "XUESHI_JOB_HEARTBEAT_SECONDS": "0.5",
            "XUESHI_JOB_WATCH_SECONDS": "0.5",
            "XUESHI_FAULT": fault,
            "XUESHI_FAULT_FILE": str(self.marker),
        }
        log = self.tmp / f"worker-{len(self.processes) + 1}.log"
        argv = [sys.executable, "-m", "xueshi", "worker", "--interval", "0.2"]
        argv += ["--no-startup-delay", "--no-reload", f"--worker-id=w{len(self.processes) + 1}"]
        process = subprocess.Popen(
            argv,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append((process, log))
        return process

    def logs(self) -> str:
        return "\n".join(
            f"--- {log.name} (exit {p.poll()}):\n{log.read_text(errors='replace')[-3000:]}"
            for p, log in self.processes
        )

    def until(self, what: str, condition: Callable[[], bool]) -> None:
        deadline = time.monotonic() + WAIT
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not within {WAIT:.0f} s\n{self.logs()}")
            time.sleep(0.1)

    def stop(self) -> None:
        for process, _ in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _ in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.marker.unlink(missing_ok=True)
        self.proxy.close()
        connection.close()


@pytest.fixture
def workers(tmp_path: Path) -> Iterator[Workers]:
    running = Workers(tmp_path)
    try:
        yield running
    finally:
        running.stop()  # before the database is flushed


def _import_job(world: World) -> tuple[Job, int]:  # noqa: F811
    plan = world.approved()
    rows = []
    for name in ("张三", "李四", "王五"):
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        rows.append([person.full_name, id_number_of(person), 90])
    with on(plan.end_date + dt.timedelta(days=1)):
        job = hour_batch_import_start(
            plan=plan,
            upload=upload(xlsx(rows)),
            actor=world.staff.assignment.user,
            active=world.staff,
        )
    return job, plan.pk


def _check_import(job: Job, plan_id: int) -> None:
    batch = HourBatch.objects.get()  # one batch: landed once
    assert job.status == JobStatus.DONE, job.error
    assert job.result_url == reverse("training:batch_detail", args=[batch.pk])
    assert (job.result["created"], job.result["accepted"]) == (3, True)
    assert HourRecord.objects.filter(class_plan_id=plan_id).count() == 3


def _check_year_end(job: Job) -> None:
    assert job.status == JobStatus.DONE, job.error
    assert job.result["compliant"] == 3
    rows = PersonYear.objects.filter(year=2014).count()
    assert rows == job.result["ledger_rows"] == LedgerYear.objects.get(year=2014).rows


def _job(pk: int) -> Job:
    return Job.objects.get(pk=pk)


def _no_queue_row_running() -> bool:
    return not DBTaskResult.objects.filter(status="RUNNING").exists()


POINTS = ["start", "before_commit", "after_commit"]


@pytest.mark.parametrize("point", POINTS)
def test_an_import_whose_worker_is_killed(
    world: World,  # noqa: F811
    workers: Workers,
    point: str,
) -> None:
    job, plan_id = _import_job(world)
    first = workers.start(f"hour_batch_import.{point}:kill")
    workers.until("the first worker killed", lambda: first.poll() is not None)
    assert first.returncode == -signal.SIGKILL, workers.logs()
    committed = point == "after_commit"
    assert _job(job.pk).status == (JobStatus.DONE if committed else JobStatus.RUNNING)
    assert HourBatch.objects.exists() is committed
    workers.start()
    workers.until("the job done", lambda: _job(job.pk).status == JobStatus.DONE)
    workers.until("no queue row running", _no_queue_row_running)
    job = _job(job.pk)
    _check_import(job, plan_id)
    assert job.retried is not committed


@pytest.mark.parametrize("point", POINTS)
def test_a_year_end_whose_worker_is_killed(
    shantou: Any,  # noqa: F811
    workers: Workers,
    point: str,
) -> None:
    job = year_end.year_end_start(region_code="440500", year=2014)
    first = workers.start(f"year_end.{point}:kill")
    workers.until("the first worker killed", lambda: first.poll() is not None)
    assert first.returncode == -signal.SIGKILL, workers.logs()
    committed = point == "after_commit"
    assert _job(job.pk).status == (JobStatus.DONE if committed else JobStatus.RUNNING)
    rebuilt = LedgerYear.objects.filter(year=2014, rebuilt_at__isnull=False).exists()
    assert rebuilt is committed
    workers.start()
    workers.until("the job done", lambda: _job(job.pk).status == JobStatus.DONE)
    workers.until("no queue row running", _no_queue_row_running)
    job = _job(job.pk)
    _check_year_end(job)
    assert job.retried is not committed


@pytest.mark.parametrize("kind", ["hour_batch_import", "year_end"])
def test_a_database_restart_under_a_running_job(
    world: World,  # noqa: F811
    shantou: Any,  # noqa: F811
    workers: Workers,
    kind: str,
) -> None:
    """The job's transaction is open when every connection is cut and the database refuses
    new ones: the work does not commit, the worker outlives it and, once the database is
    back, notices the job it lost and runs it again, once."""
    if kind == "year_end":
        job = year_end.year_end_start(region_code="440500", year=2014)
    else:
        job, plan_id = _import_job(world)
    worker = workers.start(f"{kind}.before_commit:wait")
    workers.until("the job at its commit", workers.marker.exists)
    workers.proxy.cut()
    workers.marker.unlink()  # the worker goes on: its commit fails
    time.sleep(2 * STALE_SECONDS)  # the database is "down" a while
    assert worker.poll() is None, workers.logs()
    workers.proxy.resume()
    workers.until("the job done", lambda: _job(job.pk).status == JobStatus.DONE)
    workers.until("no queue row running", _no_queue_row_running)
    assert worker.poll() is None, workers.logs()  # the same process, all along
    assert len(workers.processes) == 1
    job = _job(job.pk)
    assert job.retried
    if kind == "year_end":
        _check_year_end(job)
    else:
        _check_import(job, plan_id)
    assert "database error" in workers.logs()
