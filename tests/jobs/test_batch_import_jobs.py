"""A provider's Excel batch through the upload page, checked and entered by a job."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, world, xlsx  # noqa: F401
from tests.training.test_training_views import as_role, on
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.services import job_listen
from xueshi.records.models import HourRecord
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.tasks import hour_batch_import_task

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.jobs.urls")]


@pytest.fixture
def running(world: World) -> tuple[ClassPlan, Any]:  # noqa: F811
    plan = world.approved()
    person, me = learner(full_name="张三")
    return plan, enrol(plan, person, me)


def test_the_upload_runs_as_a_job_and_lands_on_the_report(
    client: Client,
    world: World,  # noqa: F811
    running: tuple[ClassPlan, Any],
) -> None:
    plan, seat = running
    person = seat.professional
    as_role(client, world.staff)
    with on(plan.end_date + dt.timedelta(days=1)):
        response = client.post(
            reverse("training:batch_upload", args=[plan.pk]),
            {"file": upload(xlsx([[person.full_name, id_number_of(person), 90]]))},
        )
    batch = HourBatch.objects.get()
    job = Job.objects.get()
    assert response.url == reverse("training:batch_detail", args=[batch.pk])
    assert (job.kind, job.status, job.subject_id) == (
        JobKind.HOUR_BATCH_IMPORT,
        JobStatus.DONE,
        plan.pk,
    )
    assert job.params["today"] == (plan.end_date + dt.timedelta(days=1)).isoformat()
    assert job.result == {
        "batch": batch.pk,
        "accepted": True,
        "rows": 1,
        "errors": 0,
        "created": 1,
        "unchanged": 0,
    }
    assert job.message == "已登记：新登记 1 人，此前已登记 0 人。"
    assert job.input.name.endswith(".xlsx")
    assert HourRecord.objects.filter(professional=person, class_plan=plan).count() == 1


def test_a_queued_upload_shows_progress_then_the_report(
    client: Client,
    world: World,  # noqa: F811
    running: tuple[ClassPlan, Any],
    settings: Any,
) -> None:
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    plan, seat = running
    person = seat.professional
    as_role(client, world.staff)
    day = plan.end_date + dt.timedelta(days=1)
    with on(day):
        response = client.post(
            reverse("training:batch_upload", args=[plan.pk]),
            {"file": upload(xlsx([[person.full_name, id_number_of(person), "满分"]]))},
        )
    job = Job.objects.get()
    assert response.url == reverse("jobs:detail", args=[job.pk])
    page = client.get(response.url).content.decode()
    assert "排队中" in page
    assert "<progress" in page
    # The training app registered the way back: the class's upload page.
    assert f'href="{reverse("training:batch_upload", args=[plan.pk])}"' in page
    assert "返回批量登记" in page
    assert not HourBatch.objects.exists()
    # The worker picks the job up days later: the deadline is still judged on the upload day.
    seen: list[tuple[int, int, str]] = []
    with (
        on(day + dt.timedelta(days=30)),
        job_listen(lambda j: seen.append((j.done, j.total, j.message))),
    ):
        hour_batch_import_task.call(job.pk)
    # The rows are counted before the entry's transaction: the page says how many.
    assert (0, 1, "已读取 1 行，正在校验并登记…") in seen
    job.refresh_from_db()
    batch = HourBatch.objects.get()
    assert job.status == JobStatus.DONE
    assert job.result["errors"] == 1
    assert not batch.accepted
    polled = client.get(response.url, HTTP_HX_REQUEST="true")
    assert polled["HX-Redirect"] == reverse("training:batch_detail", args=[batch.pk])
    report = client.get(polled["HX-Redirect"]).content.decode()
    assert "考核成绩“满分”不是数字" in report
    assert not HourRecord.objects.exists()


def test_a_refused_upload_is_said_on_the_form(
    client: Client,
    world: World,  # noqa: F811
    running: tuple[ClassPlan, Any],
) -> None:
    plan, seat = running
    person = seat.professional
    as_role(client, world.staff)
    with on(dt.date(2014, 7, 30)):
        response = client.post(
            reverse("training:batch_upload", args=[plan.pk]),
            {"file": upload(xlsx([[person.full_name, id_number_of(person), 90]]))},
        )
    assert response.status_code == 200
    assert "已逾期，不能再登记" in response.content.decode()
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    assert "已逾期" in job.error
    assert not HourBatch.objects.exists()
