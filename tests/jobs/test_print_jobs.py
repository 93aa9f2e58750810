"""The employer's batch print through its pages, as a background job."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django_tasks.backends.dummy import DummyBackend

from tests.certificates.test_views import world  # noqa: F401 (the fixture)
from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.certificates.models import PrintJob, PrintJobStatus
from xueshi.certificates.selectors import print_job_task
from xueshi.certificates.services import certificate_issue
from xueshi.certificates.tasks import certificate_print_task
from xueshi.jobs.models import Job, JobKind, JobStatus

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
