"""Jobs that tell the truth after a fault (issue 18), in one process: a fault point that
kills the run (a ``BaseException`` no handler of the job catches, as SIGKILL would stop it)
before or after the commit of the work. The real SIGKILL of a worker process and a cut
database connection are in ``test_job_faults_postgres.py``.

- killed after the commit: the job is done, with its result and report link;
- killed before the commit: nothing of the work is in; once stale the job is queued again,
  the retry lands the work exactly once, and the lost run's queue row is closed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.jobs.test_jobs import DATABASE_BACKEND, shantou  # noqa: F401
from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, world, xlsx  # noqa: F401
from tests.training.test_training_views import as_role, on
from xueshi.audit.models import AuditEvent
from xueshi.compliance import tasks as year_end
from xueshi.compliance.models import LedgerYear
from xueshi.jobs import faults, services
from xueshi.jobs.faults import fault_point
from xueshi.jobs.models import Job, JobStatus
from xueshi.jobs.recovery import jobs_reap
from xueshi.jobs.services import JobSuperseded, Outcome, job_complete, job_run
from xueshi.records.models import HourRecord
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.tasks import _import, hour_batch_import_start

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.jobs.urls")]


class Killed(BaseException):
    """The process stopped at a fault point."""


@pytest.fixture
def kill_at(monkeypatch: pytest.MonkeyPatch) -> Any:
    def arm(point: str) -> None:
        def fault(name: str) -> None:
            if name == point:
                raise Killed(name)

        monkeypatch.setattr(services, "fault_point", fault)

    return arm


@pytest.fixture
def queued_import(world: World, settings: Any) -> tuple[Job, ClassPlan, list[Any]]:  # noqa: F811
    """Three learners' results uploaded the day after the class, queued for a worker."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    plan = world.approved()
    people = []
    for name in ("张三", "李四", "王五"):
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        people.append(person)
    rows = [[p.full_name, id_number_of(p), 90] for p in people]
    with on(plan.end_date + dt.timedelta(days=1)):
        job = hour_batch_import_start(
            plan=plan,
            upload=upload(xlsx(rows)),
            actor=world.staff.assignment.user,
            active=world.staff,
        )
    assert job.status == JobStatus.QUEUED
    return job, plan, people


def _run_queued(job: Job) -> None:
    """What a worker does with the job's current task."""
    job.refresh_from_db()
    DBTaskResult.objects.get(id=job.task_id).task.call(job.pk)


def _after_stale(job: Job, settings: Any) -> dt.datetime:
    job.refresh_from_db()
    assert job.heartbeat_at is not None
    return job.heartbeat_at + dt.timedelta(seconds=settings.XUESHI_JOB_STALE_SECONDS + 1)


def test_an_import_killed_after_its_commit_is_done_with_its_report(
    queued_import: tuple[Job, ClassPlan, list[Any]], kill_at: Any, settings: Any
) -> None:
    job, plan, _people = queued_import
    kill_at("hour_batch_import.after_commit")
    with pytest.raises(Killed):
        _run_queued(job)
    job.refresh_from_db()
    batch = HourBatch.objects.get()
    assert job.status == JobStatus.DONE
    assert job.result_url == reverse("training:batch_detail", args=[batch.pk])
    assert job.result["created"] == 3
    assert HourRecord.objects.filter(class_plan=plan).count() == 3
    # Nothing to recover: the job is not retried, failed or touched.
    with time_machine.travel(_after_stale(job, settings), tick=False):
        reaped = jobs_reap()
    assert (reaped.failed, reaped.retried) == ([], [])
    job.refresh_from_db()
    assert (job.status, job.retried) == (JobStatus.DONE, False)


def test_the_queue_row_a_dead_process_left_running_is_closed_as_its_job_ended(
    queued_import: tuple[Job, ClassPlan, list[Any]], kill_at: Any, settings: Any
) -> None:
    job, _plan, _people = queued_import
    DBTaskResult.objects.get(id=job.task_id).claim("worker-1")
    kill_at("hour_batch_import.after_commit")
    with pytest.raises(Killed):
        _run_queued(job)
    job.refresh_from_db()
    row = DBTaskResult.objects.get(id=job.task_id)
    assert row.status == "RUNNING"  # the process died before the worker's own write
    assert job.finished_at is not None
    # Not at once (the worker may still be writing it), but within two heartbeats.
    assert jobs_reap().rows_closed == 0
    later = job.finished_at + dt.timedelta(seconds=2 * settings.XUESHI_JOB_HEARTBEAT_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        assert jobs_reap().rows_closed == 1
    row.refresh_from_db()
    assert row.status == "SUCCESSFUL"
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


@pytest.mark.parametrize("point", ["hour_batch_import.start", "hour_batch_import.before_commit"])
def test_an_import_killed_before_its_commit_is_retried_once_and_lands_once(
    world: World,  # noqa: F811
    queued_import: tuple[Job, ClassPlan, list[Any]],
    kill_at: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
) -> None:
    job, plan, _people = queued_import
    lost_task = job.task_id
    DBTaskResult.objects.get(id=lost_task).claim("worker-1")
    kill_at(point)
    with pytest.raises(Killed):
        _run_queued(job)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert not HourBatch.objects.exists()
    assert not HourRecord.objects.exists()
    # Not yet stale: left alone.
    assert jobs_reap().retried == []
    with time_machine.travel(_after_stale(job, settings), tick=False):
        reaped = jobs_reap()
    assert [j.pk for j in reaped.retried] == [job.pk]
    job.refresh_from_db()
    assert (job.status, job.retried) == (JobStatus.QUEUED, True)
    assert DBTaskResult.objects.get(id=lost_task).status == "FAILED"
    page = as_role(Client(), world.staff).get(reverse("jobs:detail", args=[job.pk]))
    assert "已自动重新排队，重试一次；本页会自动刷新。" in page.content.decode()
    monkeypatch.setattr(services, "fault_point", lambda name: None)
    _run_queued(job)
    job.refresh_from_db()
    page = as_role(Client(), world.staff).get(reverse("jobs:detail", args=[job.pk]))
    assert "已自动重试一次" in page.content.decode()
    batch = HourBatch.objects.get()
    assert job.status == JobStatus.DONE, job.error
    assert job.result["created"] == 3
    assert job.result_url == reverse("training:batch_detail", args=[batch.pk])
    assert HourRecord.objects.filter(class_plan=plan).count() == 3
    actions = list(
        AuditEvent.objects.filter(target_id=str(job.pk), target_type__contains="job")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["job_start", "job_run", "job_retry", "job_run", "job_done"]


def test_a_run_thought_lost_that_commits_late_does_not_land_twice(
    queued_import: tuple[Job, ClassPlan, list[Any]],
) -> None:
    """The retry has recorded the job done; the first run, alive after all, reaches its
    commit: its work is rolled back with it (JobSuperseded)."""
    job, plan, _people = queued_import
    _run_queued(job)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    with on(plan.end_date + dt.timedelta(days=1)), pytest.raises(JobSuperseded):
        _import(job, lambda *args, **kwargs: None)
    assert HourBatch.objects.count() == 1
    assert HourRecord.objects.filter(class_plan=plan).count() == 3


def test_a_retry_lost_again_fails_the_job_and_closes_its_row(
    queued_import: tuple[Job, ClassPlan, list[Any]], kill_at: Any, settings: Any
) -> None:
    job, _plan, _people = queued_import
    kill_at("hour_batch_import.before_commit")
    for _ in range(2):
        job.refresh_from_db()
        DBTaskResult.objects.get(id=job.task_id).claim("worker-1")
        with pytest.raises(Killed):
            _run_queued(job)
        with time_machine.travel(_after_stale(job, settings), tick=False):
            jobs_reap()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "自动重试后仍未完成" in job.error
    assert not HourBatch.objects.exists()
    assert not DBTaskResult.objects.filter(status__in=["RUNNING", "READY"]).exists()


@pytest.mark.django_db(transaction=True)  # as in a worker: the body's transaction commits
def test_a_failure_after_the_work_committed_leaves_the_job_done(
    queued_import: tuple[Job, ClassPlan, list[Any]],
) -> None:
    """A body that records its outcome with its work and then fails (e.g. the statistics
    after a rebuild): the job stays done — the work is in."""
    job, _plan, _people = queued_import

    def body(job: Job, progress: Any) -> Outcome:
        with transaction.atomic():
            job_complete(job, Outcome("已完成。", {"n": 1}))
        raise RuntimeError("after the commit")

    with pytest.raises(RuntimeError):
        job_run(job.pk, body)
    job.refresh_from_db()
    assert (job.status, job.result, job.error) == (JobStatus.DONE, {"n": 1}, "")


@pytest.mark.parametrize("point", ["year_end.before_commit", "year_end.after_commit"])
def test_a_year_end_killed_around_its_commit(
    shantou: Any,  # noqa: F811
    kill_at: Any,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
) -> None:
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    job = year_end.year_end_start(region_code="440500", year=2014)
    kill_at(point)
    with pytest.raises(Killed):
        _run_queued(job)
    job.refresh_from_db()
    if point.endswith("after_commit"):
        assert job.status == JobStatus.DONE
        assert job.result["compliant"] == 3
        assert LedgerYear.objects.get(year=2014).rebuilt_at is not None
        return
    assert job.status == JobStatus.RUNNING
    assert not LedgerYear.objects.filter(year=2014, rebuilt_at__isnull=False).exists()
    with time_machine.travel(_after_stale(job, settings), tick=False):
        jobs_reap()
    monkeypatch.setattr(services, "fault_point", lambda name: None)
    _run_queued(job)
    job.refresh_from_db()
    assert (job.status, job.retried) == (JobStatus.DONE, True)
    assert job.result["compliant"] == 3


@pytest.mark.django_db(transaction=True)  # the heartbeat writes on its own connection
def test_a_running_job_beats_while_its_body_works(
    queued_import: tuple[Job, ClassPlan, list[Any]], settings: Any
) -> None:
    """Not the body's progress: a thread of the process, while the body is busy."""
    job, _plan, _people = queued_import
    settings.XUESHI_JOB_HEARTBEAT_SECONDS = 0.05
    beats: list[dt.datetime] = []

    def body(job: Job, progress: Any) -> Outcome:
        first = Job.objects.get(pk=job.pk).heartbeat_at
        assert first is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            last = Job.objects.get(pk=job.pk).heartbeat_at
            assert last is not None
            if last > first:
                beats.append(last)
                break
            time.sleep(0.01)
        return Outcome("已完成。")

    job_run(job.pk, body)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert beats, "no heartbeat while the body worked"
    after = job.heartbeat_at
    time.sleep(0.2)  # the thread is stopped with the job: no beat after its end
    job.refresh_from_db()
    assert job.heartbeat_at == after


def test_fault_points_are_named_in_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    marker = tmp_path / "reached"
    monkeypatch.setattr(faults, "_fired", set())
    monkeypatch.setenv("XUESHI_FAULT", "year_end.start:sleep, year_end.before_commit:wait")
    monkeypatch.setenv("XUESHI_FAULT_SECONDS", "0")
    monkeypatch.setenv("XUESHI_FAULT_FILE", str(marker))
    fault_point("year_end.after_commit")  # not named: nothing
    fault_point("year_end.start")  # sleeps 0 s
    seen: list[str] = []

    def release() -> None:
        while not marker.exists():
            time.sleep(0.01)
        seen.append(marker.read_text(encoding="utf-8"))
        marker.unlink()

    helper = threading.Thread(target=release)
    helper.start()
    fault_point("year_end.before_commit")  # returns once the file is removed
    helper.join()
    assert seen == ["year_end.before_commit"]
    fault_point("year_end.before_commit")  # once per process: the retry goes through
    assert not marker.exists()
