"""``xueshi worker``: the database worker that reconnects instead of exiting, and watches
every job's heartbeat (the real database restart: test_job_faults_postgres.py)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from tests.jobs.test_jobs import DATABASE_BACKEND, shantou  # noqa: F401
from xueshi.compliance import tasks as year_end
from xueshi.jobs import worker as worker_module
from xueshi.jobs.models import Job, JobStatus
from xueshi.jobs.worker import ResilientWorker, Watcher

pytestmark = [pytest.mark.django_db]


def _worker(**options: Any) -> ResilientWorker:
    return ResilientWorker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
        **options,
    )


def test_a_database_error_is_waited_out_with_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """db_worker's loop raises on a database error (it would exit); the worker closes its
    connections, waits 1, 2, 4… s and runs the loop again."""
    failures = [OperationalError("server closed the connection unexpectedly")] * 4
    runs: list[int] = []

    def run(self: Worker) -> None:
        runs.append(1)
        if failures:
            raise failures.pop()

    monkeypatch.setattr(Worker, "run", run)
    slept: list[float] = []
    worker = _worker()
    worker.sleep = slept.append
    worker.run_resilient()
    assert len(runs) == 5
    assert slept == [1.0, 2.0, 4.0, 8.0]


def test_the_backoff_stops_at_thirty_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    failures = [OperationalError("the database system is starting up")] * 8

    def run(self: Worker) -> None:
        if failures:
            raise failures.pop()

    monkeypatch.setattr(Worker, "run", run)
    slept: list[float] = []
    worker = _worker()
    worker.sleep = slept.append
    worker.run_resilient()
    assert slept == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_an_error_that_is_not_the_database_s_still_stops_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def run(self: Worker) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(Worker, "run", run)
    with pytest.raises(RuntimeError):
        _worker().run_resilient()


@pytest.mark.django_db(transaction=True)  # the worker closes a connection left in a transaction
def test_the_worker_runs_the_queued_jobs(shantou: Any, settings: Any) -> None:  # noqa: F811
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    job = year_end.year_end_start(region_code="440500", year=2014)
    call_command("worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["compliant"] == 3
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_the_watcher_retries_a_job_whose_process_was_lost(
    shantou: Any,  # noqa: F811
    settings: Any,
) -> None:
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    job = year_end.year_end_start(region_code="440500", year=2014)
    DBTaskResult.objects.get(id=job.task_id).claim("lost-worker")
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=long_ago, heartbeat_at=long_ago
    )
    Watcher(1).look()
    job.refresh_from_db()
    assert (job.status, job.retried) == (JobStatus.QUEUED, True)


def test_the_watcher_outlives_a_database_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def down() -> None:
        raise OperationalError("connection refused")

    monkeypatch.setattr(worker_module, "jobs_reap", down)
    Watcher(1).look()
    assert "job watcher: database error (connection refused)" in caplog.text
