"""The employer's batch print through its pages, as a background job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_tasks.backends.dummy import DummyBackend
from django_tasks_db.models import DBTaskResult

from tests.certificates.test_views import world  # noqa: F401 (the fixture)
from tests.jobs.test_job_faults import Killed
from tests.jobs.test_jobs import DATABASE_BACKEND
from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.certificates.models import PrintJob, PrintJobStatus
from xueshi.certificates.selectors import print_job_task
from xueshi.certificates.services import certificate_issue
from xueshi.certificates.tasks import certificate_print_task
from xueshi.jobs import services
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.recovery import jobs_reap

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.jobs.urls")]


@pytest.fixture
def boss(world: dict[str, Any], settings: Any) -> Client:  # noqa: F811
    settings.XUESHI_JOBS_INLINE = False  # the default backend: immediate (conftest)
    certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    client = Client()
    client.force_login(world["boss"].assignment.user)
    return client


def test_printing_is_a_job_whose_result_is_the_pdf(boss: Client, world: dict[str, Any]) -> None:  # noqa: F811
    response = boss.post(reverse("certificates:print_start"), {"year": 2014})
    printed = PrintJob.objects.get()
    job = Job.objects.get()
    assert response.url == reverse("certificates:print_job", args=[printed.pk])
    assert (job.kind, job.subject_id, job.status) == (
        JobKind.CERTIFICATE_PRINT,
        printed.pk,
        JobStatus.DONE,
    )
    assert job.role == world["boss"].assignment
    assert (printed.status, printed.done, printed.total) == (PrintJobStatus.DONE, 1, 1)
    assert job.result == {"print_job": printed.pk, "pages": 1}
    assert job.result_url == reverse("certificates:print_download", args=[printed.pk])
    page = boss.get(response.url).content.decode()
    assert 'id="print-download"' in page
    assert reverse("jobs:detail", args=[job.pk]) in page
    detail = boss.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "下载 PDF" in detail
    assert job.result_url in detail


def test_an_empty_print_fails_both_rows_with_the_reason(boss: Client) -> None:
    boss.post(reverse("certificates:print_start"), {"year": 2016})
    printed, job = PrintJob.objects.get(), Job.objects.get()
    assert printed.status == PrintJobStatus.FAILED
    assert job.status == JobStatus.FAILED
    assert printed.error == job.error == "2016 年度本单位没有有效的证书可打印。"
    page = boss.get(reverse("certificates:print_job", args=[printed.pk])).content.decode()
    assert "没有有效的证书可打印" in page


def test_a_queued_print_polls_until_a_worker_has_made_it(
    boss: Client,
    settings: Any,
    world: dict[str, Any],  # noqa: F811
) -> None:
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": f"{DummyBackend.__module__}.DummyBackend"},
    }
    response = boss.post(reverse("certificates:print_start"), {"year": 2014})
    printed = PrintJob.objects.get()
    job = print_job_task(printed)
    assert job is not None
    assert job.status == JobStatus.QUEUED
    polled = boss.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in polled
    assert "等待后台处理" in polled
    certificate_print_task.call(job.pk)  # what the worker does
    polled = boss.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in polled
    assert 'id="print-download"' in polled
    other = Client()
    other.force_login(
        grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=EmployerFactory()).assignment.user
    )
    assert other.get(reverse("certificates:print_job", args=[printed.pk])).status_code == 404


def test_a_print_killed_before_its_commit_is_retried_and_lands(
    boss: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The print's PDF row and the job's result commit together: killed before that commit,
    neither says done; once stale the job is queued again, and the retry prints it."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    boss.post(reverse("certificates:print_start"), {"year": 2014})
    job, printed = Job.objects.get(), PrintJob.objects.get()

    def fault(name: str) -> None:
        if name == "certificate_print.before_commit":
            raise Killed(name)

    monkeypatch.setattr(services, "fault_point", fault)
    with pytest.raises(Killed):
        DBTaskResult.objects.get(id=job.task_id).task.call(job.pk)
    job.refresh_from_db()
    printed.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert printed.status != PrintJobStatus.DONE
    assert not printed.file
    assert job.heartbeat_at is not None
    stale = job.heartbeat_at + dt.timedelta(seconds=settings.XUESHI_JOB_STALE_SECONDS + 1)
    with time_machine.travel(stale, tick=False):
        assert [j.pk for j in jobs_reap().retried] == [job.pk]
    monkeypatch.setattr(services, "fault_point", lambda name: None)
    job.refresh_from_db()
    DBTaskResult.objects.get(id=job.task_id).task.call(job.pk)
    job.refresh_from_db()
    printed.refresh_from_db()
    assert (job.status, job.retried) == (JobStatus.DONE, True)
    assert (printed.status, printed.done) == (PrintJobStatus.DONE, 1)
    assert job.result_url == reverse("certificates:print_download", args=[printed.pk])
