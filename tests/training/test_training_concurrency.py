"""Concurrent enrolments and uploads on PostgreSQL: capacity holds, nothing is doubled.

Each service locks the class row (``SELECT … FOR UPDATE``) before it counts or enters, so
threads racing for the last places, or uploading the same file at the same moment, are
serialised. SQLite cannot show a race, so this runs on PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from tests.support.factories import id_number_of
from tests.support.race import race
from tests.training.conftest import World, enrol, learner, upload, xlsx
from xueshi.records.models import HourRecord
from xueshi.training.models import HourBatch
from xueshi.training.services import class_enroll, hour_batch_upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 24


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


def test_24_learners_racing_for_5_places_fill_exactly_5(world: World) -> None:
    plan = world.approved(capacity=5)
    learners = [learner() for _ in range(THREADS)]
    today = plan.start_date - dt.timedelta(days=1)
    jobs = [
        (
            lambda person=person, me=me: class_enroll(
                class_plan_id=plan.pk, actor=person.user, active=me, today=today
            )
        )
        for person, me in learners
    ]
    outcome = race(jobs)
    assert outcome.unexpected == []
    assert len(outcome.results) == 5
    assert len(outcome.refusals) == THREADS - 5
    assert all("名额已满" in message for message in outcome.refusals)
    assert plan.enrollments.count() == 5


def test_the_same_file_uploaded_at_once_enters_each_learner_once(world: World) -> None:
    plan = world.approved()
    rows = []
    for n in range(10):
        person, me = learner(full_name=f"学员{n}")
        enrol(plan, person, me)
        rows.append([person.full_name, id_number_of(person), 80])
    data = xlsx(rows)
    staff = world.staff
    staff.assignment.provider  # noqa: B018 -- load the scope before the threads start
    today = plan.end_date + dt.timedelta(days=1)
    jobs = [
        (
            lambda: hour_batch_upload(
                class_plan_id=plan.pk,
                upload=upload(data),
                actor=staff.assignment.user,
                active=staff,
                today=today,
            )
        )
        for _ in range(8)
    ]
    outcome = race(jobs)
    assert outcome.unexpected == []
    assert outcome.refusals == []
    batches = HourBatch.objects.filter(class_plan=plan)
    assert batches.count() == 8
    assert sum(b.created for b in batches) == 10
    assert sum(b.unchanged for b in batches) == 70
    assert HourRecord.objects.filter(class_plan=plan).count() == 10
