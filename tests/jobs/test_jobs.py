"""Background jobs: start, progress, result, failure — through the services, the pages
and ``xueshi job``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.certificates.test_services import approved, complete_shantou_year
from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance import tasks as year_end
from xueshi.compliance.live import compliance_of
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.recovery import job_reconcile
from xueshi.jobs.services import job_listen, job_progress, job_start
from xueshi.people.models import Professional

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.jobs.urls")]

DATABASE_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}


@pytest.fixture
def shantou() -> dict[str, Any]:
    """Five Shantou professionals for 2014: three complete, one short, one with nothing."""
    regions()
    employer = EmployerFactory(region_id="440500")
    people = [ProfessionalFactory(region_id="440500", employer=employer) for _ in range(5)]
    for person in people[:3]:
        complete_shantou_year(person)
    approved(people[3], "public", 20, 2014)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    return {"people": people, "bureau": bureau, "employer": employer}


def _expected(year: int) -> tuple[int, int, int]:
    rows = compliance_of(Professional.objects.filter(region__path__startswith="000000/"), year)
    people = [r for r in rows if r.region_id.startswith("4405")]
    determined = [r for r in people if r.determined]
    return len(people), len(determined), sum(1 for r in determined if r.compliant)


def test_year_end_counts_the_region_with_the_bulk_evaluation(shantou) -> None:
    job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.DONE
    assert job.kind == JobKind.YEAR_END
    assert (job.result["people"], job.result["determined"], job.result["compliant"]) == (
        _expected(2014)
    )
    assert job.result["people"] == 5
    assert job.result["compliant"] == 3
    assert job.result["source"] == "ledger"
    assert (job.done, job.total) == (2, 2)
    assert sum(r["people"] for r in job.result["by_region"]) == 5
    assert "已达标 3 人" in job.message
    assert job.started_at is not None
    assert job.finished_at is not None
    actions = list(
        AuditEvent.objects.filter(target_id=str(job.pk), target_type="jobs.job")
        .order_by("id")
        .values_list("action", "to_status")
    )
    assert actions == [("job_start", "queued"), ("job_run", "running"), ("job_done", "done")]


def test_year_end_reports_progress_as_it_goes(shantou) -> None:
    seen: list[tuple[str, int, int]] = []
    with job_listen(lambda job: seen.append((job.status, job.done, job.total))):
        job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.DONE
    running = [(done, total) for status, done, total in seen if status == JobStatus.RUNNING]
    assert running == [(0, 0), (0, 2), (1, 2), (2, 2)]
    assert job.result["compliant"] == 3


def test_year_end_with_the_ledger_agrees_with_the_bulk_evaluation(shantou) -> None:
    job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.DONE, job.error
    assert job.result["source"] == "ledger"
    assert (job.result["people"], job.result["determined"], job.result["compliant"]) == (
        _expected(2014)
    )


def test_an_unknown_region_is_refused_before_any_job(db) -> None:
    regions()
    with pytest.raises(Exception, match="没有行政区划代码为 999999 的地区"):
        year_end.year_end_start(region_code="999999", year=2014)
    assert not Job.objects.exists()


def test_a_crashing_task_fails_the_job_with_a_chinese_error(shantou, monkeypatch) -> None:
    def crash(job: Job, progress: Any) -> Any:
        progress(1, 10, "计算中")
        raise RuntimeError("disk full")

    monkeypatch.setattr(year_end, "_year_end", crash)
    job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.FAILED
    assert job.error == "处理时出现内部错误（RuntimeError：disk full），请联系系统管理员。"
    assert job.finished_at is not None
    assert AuditEvent.objects.filter(
        target_id=str(job.pk), action="job_fail", to_status="failed"
    ).exists()


def test_progress_never_passes_the_total(shantou) -> None:
    job = Job.objects.create(kind=JobKind.YEAR_END, title="t")
    job_progress(job, 3, 10, "x" * 300)
    job.refresh_from_db()
    assert (job.done, job.total, job.percent, len(job.message)) == (3, 10, 30, 200)
    job_progress(job, 12)
    job.refresh_from_db()
    assert (job.done, job.total) == (10, 10)


@pytest.mark.django_db(transaction=True)  # the worker closes a connection left in a transaction
def test_with_the_database_backend_the_worker_runs_the_job(shantou, settings) -> None:
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.QUEUED
    assert DBTaskResult.objects.filter(id=job.task_id, status="READY").exists()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE
    assert job.result["compliant"] == 3
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_task_that_failed_outside_the_job_fails_the_job(shantou, settings) -> None:
    """A task the backend reports failed (e.g. its code would not import) while its job
    still says queued: the job is failed when someone looks at it."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    job = year_end.year_end_start(region_code="440500", year=2014)
    DBTaskResult.objects.get(id=job.task_id).set_failed(ImportError("no module"))
    job = job_reconcile(job)
    assert job.status == JobStatus.FAILED
    assert job.error == "后台任务异常终止（ImportError），请重新提交。"


def test_a_job_whose_worker_stopped_is_retried_once_then_failed(shantou, settings, capsys) -> None:
    """A worker killed mid-run leaves its job "running": after XUESHI_JOB_STALE_SECONDS
    without a heartbeat, ``xueshi job reap`` (or a look at it) queues it again once, with a
    new task, closing the lost run's queue row; lost again, it is failed. A job with a recent
    heartbeat, or a finished one, is left alone."""
    import time_machine

    settings.XUESHI_JOB_STALE_SECONDS = 600
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)

    def claimed(job: Job, at: dt.datetime) -> None:
        """A worker claimed its task and started it, then was killed."""
        DBTaskResult.objects.get(id=job.task_id).claim("worker-1")
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, started_at=at, heartbeat_at=at
        )
        job.refresh_from_db()

    with time_machine.travel(start, tick=False):
        stuck = year_end.year_end_start(region_code="440500", year=2014)
        alive = year_end.year_end_start(region_code="440500", year=2014)
        claimed(stuck, start)
        claimed(alive, start)
    lost_task = stuck.task_id
    with time_machine.travel(start + dt.timedelta(minutes=9), tick=False):
        job_progress(Job.objects.get(pk=alive.pk), 1, 5)
        assert job_reconcile(Job.objects.get(pk=stuck.pk)).status == JobStatus.RUNNING
    with time_machine.travel(start + dt.timedelta(minutes=11), tick=False):
        call_command("job", "reap")
    out = capsys.readouterr().out
    assert "已将 0 个中断的后台任务标记为失败，1 个重新排队" in out
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert (stuck.status, stuck.retried) == (JobStatus.QUEUED, True)
    assert stuck.message == "处理它的后台进程中断（超过 10 分钟没有进展），已自动重新排队，重试一次"
    assert stuck.task_id != lost_task
    assert DBTaskResult.objects.get(id=lost_task).status == "FAILED"
    assert DBTaskResult.objects.get(id=lost_task).exception_class_path.endswith("WorkerLost")
    assert DBTaskResult.objects.get(id=stuck.task_id).status == "READY"
    assert alive.status == JobStatus.RUNNING
    assert AuditEvent.objects.filter(action="job_retry", target_id=str(stuck.pk)).count() == 1

    later = start + dt.timedelta(minutes=20)
    with time_machine.travel(later, tick=False):
        claimed(stuck, later)
    with time_machine.travel(later + dt.timedelta(minutes=11), tick=False):
        call_command("job", "reap")
    out = capsys.readouterr().out
    assert "已将 1 个中断的后台任务标记为失败，1 个重新排队" in out
    stuck.refresh_from_db()
    assert stuck.status == JobStatus.FAILED
    assert stuck.error == (
        "后台任务中断：超过 10 分钟没有进展（处理它的后台进程可能已停止），"
        "自动重试后仍未完成，已停止等待。请重新提交。"
    )
    assert DBTaskResult.objects.get(id=stuck.task_id).status == "FAILED"
    # the job that was alive at 9 minutes, silent since, is retried (not failed) at 31
    alive.refresh_from_db()
    assert alive.status == JobStatus.QUEUED
    assert AuditEvent.objects.filter(action="job_fail", target_id=str(stuck.pk)).count() == 1
    with time_machine.travel(later + dt.timedelta(minutes=30), tick=False):
        assert job_reconcile(Job.objects.get(pk=stuck.pk)).status == JobStatus.FAILED
        call_command("job", "reap")
    assert AuditEvent.objects.filter(action="job_fail", target_id=str(stuck.pk)).count() == 1
    assert not DBTaskResult.objects.filter(status="RUNNING").exists()


@pytest.mark.parametrize(
    ("seconds", "said"), [(45, "45 秒"), (60, "60 秒"), (90, "90 秒"), (900, "15 分钟")]
)
def test_the_stale_limit_is_said_as_it_is(shantou, settings, seconds, said) -> None:
    """An inline job (nobody to run it again) is failed, its message giving the real limit:
    under a minute is not "1 分钟"."""
    import time_machine

    settings.XUESHI_JOB_STALE_SECONDS = seconds
    start = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        job = year_end.year_end_start(region_code="440500", year=2014)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, started_at=start, heartbeat_at=start
        )
    with time_machine.travel(start + dt.timedelta(seconds=seconds + 1), tick=False):
        job = job_reconcile(Job.objects.get(pk=job.pk))
    assert job.status == JobStatus.FAILED
    assert job.error.startswith(f"后台任务中断：超过 {said}没有进展")
    assert not job.retried


def test_progress_and_start_are_heartbeats(shantou) -> None:
    job = year_end.year_end_start(region_code="440500", year=2014)
    assert job.status == JobStatus.DONE
    assert job.heartbeat_at is not None
    assert job.started_at is not None
    assert job.heartbeat_at >= job.started_at


# --- pages ---------------------------------------------------------------------------------


def _client(active: Any) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def test_the_bureau_starts_the_year_end_and_reads_the_counts(shantou) -> None:
    client = _client(shantou["bureau"])
    page = client.get(reverse("jobs:index"))
    assert "开始评估" in page.content.decode()
    response = client.post(reverse("compliance:year_end_start"), {"year": 2014})
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    text = client.get(response.url).content.decode()
    assert 'id="job-counts"' in text
    assert "已达标 3 人" in text
    assert job.region_id == "440500"
    assert job.requested_by == shantou["bureau"].assignment.user
    listing = client.get(reverse("jobs:index")).content.decode()
    assert job.title in listing


def test_a_bad_year_is_refused_on_the_page(shantou) -> None:
    client = _client(shantou["bureau"])
    response = client.post(reverse("compliance:year_end_start"), {"year": "abc"}, follow=True)
    assert "年度无效" in response.content.decode()
    assert not Job.objects.exists()


def test_a_job_page_polls_while_running_and_shows_the_error_at_the_end(shantou) -> None:
    user = shantou["bureau"].assignment.user
    job = Job.objects.create(
        kind=JobKind.YEAR_END, title="2014 年度评估", requested_by=user, total=40, done=10
    )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, message="已评估 10 / 40 人")
    client = _client(shantou["bureau"])
    partial = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true")
    text = partial.content.decode()
    assert 'hx-trigger="every 1s"' in text
    assert '<progress id="job-progress" max="40" value="10">' in text
    assert "已评估 10 / 40 人" in text
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="年度 2099 无效。")
    text = client.get(reverse("jobs:detail", args=[job.pk]), HTTP_HX_REQUEST="true").content
    assert "hx-trigger" not in text.decode()
    assert 'id="job-error"' in text.decode()
    assert "年度 2099 无效。" in text.decode()


def test_nobody_else_sees_a_job(shantou) -> None:
    job = Job.objects.create(
        kind=JobKind.YEAR_END, title="t", requested_by=shantou["bureau"].assignment.user
    )
    other = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    assert _client(other).get(reverse("jobs:detail", args=[job.pk])).status_code == 404
    anonymous = Client().get(reverse("jobs:detail", args=[job.pk]))
    assert anonymous.status_code == 302
    employer = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=shantou["employer"])
    assert (
        _client(employer).post(reverse("compliance:year_end_start"), {"year": 2014}).status_code
        == 403
    )


# --- the command line ----------------------------------------------------------------------


def test_cli_runs_the_year_end_and_prints_the_counts(shantou, capsys) -> None:
    call_command("job", "run-year-end", "--region", "440500", "--year", "2014")
    out = capsys.readouterr().out
    job = Job.objects.get()
    assert f"已提交后台任务 {job.pk}" in out
    assert "完成" in out
    assert "已达标 3 人" in out
    assert "合计" in out


def test_cli_here_runs_in_this_process(shantou, settings, capsys) -> None:
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    call_command("job", "run-year-end", "--region", "440500", "--year", "2014", "--here")
    job = Job.objects.get()
    assert job.status == JobStatus.DONE
    assert job.task_backend == "inline"
    assert "已达标 3 人" in capsys.readouterr().out


def test_cli_watch_exits_with_the_error_of_a_failed_job(shantou, capsys) -> None:
    job = Job.objects.create(kind=JobKind.YEAR_END, title="t")
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error="没有可评估的人员。")
    with pytest.raises(CommandError, match="没有可评估的人员。") as raised:
        call_command("job", "watch", str(job.pk))
    assert raised.value.returncode == 1
    with pytest.raises(CommandError, match="没有编号为 987654 的后台任务"):
        call_command("job", "watch", "987654")


def test_cli_watch_gives_up_after_its_timeout(shantou) -> None:
    job = Job.objects.create(kind=JobKind.YEAR_END, title="t")
    with pytest.raises(CommandError, match="等待超时"):
        call_command("job", "watch", str(job.pk), "--interval", "0.01", "--timeout", "0.05")


def test_cli_lists_the_jobs(shantou, capsys) -> None:
    year_end.year_end_start(region_code="440500", year=2014)
    call_command("job", "list")
    assert "2014 年度" in capsys.readouterr().out


def test_job_start_records_the_task_it_enqueued(shantou) -> None:
    job = job_start(
        kind=JobKind.YEAR_END, title="t", region_id="440500", year=2014, params={"a": 1}
    )
    assert job.task_id
    assert job.task_backend == "default"
    assert job.params == {"a": 1}
    assert dt.datetime.now(dt.UTC) - job.created_at < dt.timedelta(minutes=1)
