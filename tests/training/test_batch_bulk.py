"""A batch enters its learners' hours in bulk exactly as one learner at a time would: the
same record, the same two audit events, the same ledger rows; and a learner entered before
is left alone."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.compliance.conftest import assert_ledger_equals_fresh_verdicts, ledger_snapshot
from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, xlsx
from xueshi.audit.models import AuditEvent
from xueshi.compliance.services import ledger_rebuild
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_enter_for_class
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.selectors import class_entry
from xueshi.training.services import hour_batch_upload

START, END = dt.date(2014, 7, 1), dt.date(2014, 7, 4)
IN_TIME = dt.date(2014, 7, 7)

SAME = (
    "category",
    "required",
    "hours",
    "credits",
    "mode",
    "form",
    "content",
    "provider_id",
    "provider_name",
    "start_date",
    "end_date",
    "credited_year",
    "status",
    "chain",
    "step",
    "policy_version",
    "source",
    "class_plan_id",
    "declared_by_id",
    "declared_role",
)


@pytest.fixture
def plan(world: World) -> ClassPlan:
    return world.approved(start_date=START, end_date=END, pass_mark=60)


def _learners(plan: ClassPlan, names: list[str]) -> list[Professional]:
    people = []
    for name in names:
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        people.append(person)
    return people


def _upload(world: World, plan: ClassPlan, rows: list[list[Any]]) -> HourBatch:
    return hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(xlsx(rows)),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=IN_TIME,
    )


def _events(record: HourRecord) -> list[tuple[Any, ...]]:
    return [
        (e.action, e.from_status, e.to_status, e.actor_id, e.role, e.policy_version)
        for e in AuditEvent.objects.filter(
            target_type="records.hourrecord", target_id=str(record.pk)
        ).order_by("id")
    ]


def test_a_batch_record_is_the_record_one_entry_makes(world: World, plan: ClassPlan) -> None:
    one, two = _learners(plan, ["张三", "李四"])
    single, created = hour_record_enter_for_class(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional=one,
        entry=class_entry(plan),
    )
    assert created
    batch = _upload(world, plan, [[two.full_name, id_number_of(two), 90]])
    assert (batch.accepted, batch.created, batch.unchanged) == (True, 1, 0)
    bulk = HourRecord.objects.get(class_plan=plan, professional=two)
    single.refresh_from_db()
    for name in SAME:
        assert getattr(bulk, name) == getattr(single, name), name
    assert bulk.status == RecordState.IN_REVIEW
    staff = world.staff.assignment.user_id
    expected = [
        ("enter", "", "draft", staff, "provider_staff", single.policy_version),
        ("submit", "draft", "in_review", staff, "provider_staff", single.policy_version),
    ]
    assert _events(single) == expected
    assert _events(bulk) == expected


def test_a_learner_entered_before_is_reported_unchanged(world: World, plan: ClassPlan) -> None:
    one, two, three = _learners(plan, ["张三", "李四", "王五"])
    hour_record_enter_for_class(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional=one,
        entry=class_entry(plan),
    )
    rows = [
        [p.full_name, id_number_of(p), score] for p, score in ((one, 80), (two, 70), (three, 30))
    ]
    batch = _upload(world, plan, rows)
    assert (batch.accepted, batch.created, batch.unchanged) == (True, 1, 1)
    assert [r["result"] for r in batch.report] == ["unchanged", "created", "failed"]
    assert HourRecord.objects.filter(class_plan=plan).count() == 2
    scores = {e.professional_id: (e.score, e.passed) for e in plan.enrollments.all()}
    assert scores[one.pk] == (80, True)
    assert scores[two.pk] == (70, True)
    assert scores[three.pk] == (30, False)
    assert AuditEvent.objects.filter(target_type="records.hourrecord").count() == 4


def test_the_ledger_after_a_batch_equals_a_full_rebuild(world: World, plan: ClassPlan) -> None:
    people = _learners(plan, ["张三", "李四", "王五", "赵六"])
    ledger_rebuild(year=2014)  # opens the year: entries must keep it up to date
    batch = _upload(world, plan, [[p.full_name, id_number_of(p), 88] for p in people])
    assert batch.created == 4
    assert assert_ledger_equals_fresh_verdicts() >= 4
    incremental = ledger_snapshot()
    ledger_rebuild(year=2014)
    assert ledger_snapshot() == incremental


def test_a_batch_record_holds_exactly_the_class_values_even_with_tabs_and_backslashes(
    world: World, plan: ClassPlan
) -> None:
    """The bulk write (COPY text on PostgreSQL, executemany on SQLite) keeps every value as
    it is: a title with a tab, a backslash and a line break, the hours, dates, the chain."""
    from decimal import Decimal

    plan.title = "工程\t新技术\\研修\n班 \\N"
    plan.save(update_fields=["title"])
    (one,) = _learners(plan, ["张三"])
    record, created = hour_record_enter_for_class(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional=one,
        entry=class_entry(plan),
    )
    assert created
    record.refresh_from_db()
    assert record.content == "工程\t新技术\\研修\n班 \\N"
    assert record.hours == plan.hours
    assert isinstance(record.hours, Decimal)
    assert (record.start_date, record.end_date, record.credited_year) == (START, END, 2014)
    assert record.required is plan.required
    assert record.chain["steps"]
    assert record.status == RecordState.IN_REVIEW
    assert record.created_at is not None
    events = AuditEvent.objects.filter(target_type="records.hourrecord", target_id=str(record.pk))
    assert sorted(events.values_list("action", flat=True)) == ["enter", "submit"]
