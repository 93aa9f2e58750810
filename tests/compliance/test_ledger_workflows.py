"""After random workflows through the services, every ledger row equals a fresh
``person_year_verdict`` and equals what a full ``ledger_rebuild`` writes.

The world (tests/compliance/workflows.py) spans Shantou (hours by category, make-up of
2010–2013 allowed during 2014 only), Luojiang (teachers' five-year cycles with required
public courses; medical staff in credits with a cap on remote credits; no elective
category), Kaifeng and Guangde.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.compliance.conftest import assert_ledger_equals_fresh_verdicts, ledger_snapshot
from tests.compliance.workflows import OPEN_YEARS, TODAY, World, run_workflows
from tests.support.factories import ProfessionalFactory, employ
from xueshi.accounts.models import Role
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_declare, hour_record_transition
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_ledger_equals_fresh_verdicts_and_rebuild_after_random_workflows(
    world: World, seed: int
) -> None:
    world.rng.seed(seed)
    for year in OPEN_YEARS:
        ledger_rebuild(year=year)
    done = run_workflows(world, 250)
    # The sequence did exercise what it is meant to.
    for name in ("op_declare", "op_batch_entry", "op_received", "op_review", "op_move"):
        assert done.get(f"{name}:done", 0) > 0, done
    assert HourRecord.objects.filter(status=RecordState.APPROVED).count() > 10
    assert HourRecord.objects.filter(status=RecordState.APPROVED, credits__gt=0).exists()
    assert HourRecord.objects.filter(status=RecordState.APPROVED, required=True).exists()

    checked = assert_ledger_equals_fresh_verdicts()
    assert checked == Professional.objects.count() * len(OPEN_YEARS)
    assert PersonYear.objects.filter(compliant=True).exists()
    assert PersonYear.objects.filter(compliant=False).exists()
    incremental = ledger_snapshot()
    written = ledger_rebuild()
    assert set(written) >= set(OPEN_YEARS)
    rebuilt = ledger_snapshot()
    assert rebuilt == incremental


def test_a_cycle_record_counts_in_every_cycle_year_that_covers_it(world: World) -> None:
    """A Luojiang teacher's required public course of 2014 is in the rows of 2017 and 2018
    (five-year cycles 2013–2017 and 2014–2018 hold 2014) and in 2014's own; not in 2015's or
    2016's (the cycle rule is in force from 2017) nor in 2020's (2016–2020)."""
    for year in OPEN_YEARS:
        ledger_rebuild(year=year)
    teacher = Professional.objects.filter(series="teacher").first()
    assert teacher is not None
    record = HourRecord.objects.create(
        professional=teacher,
        category="public",
        required=True,
        hours=Decimal(6),
        content="公共必修课",
        start_date=dt.date(2014, 5, 1),
        end_date=dt.date(2014, 5, 2),
        credited_year=2014,
        status=RecordState.DRAFT,
        chain={"entered_by": ["professional"], "steps": ["bureau"]},
        declared_by=teacher.user,
        declared_role=Role.PROFESSIONAL,
    )
    me = world.me(teacher)
    hour_record_transition(record_id=record.pk, actor=teacher.user, active=me, action="submit")
    pending = dict(PersonYear.objects.filter(professional=teacher).values_list("year", "pending"))
    assert pending == {2013: 0, 2014: 1, 2015: 0, 2016: 0, 2017: 1, 2018: 1, 2020: 0}
    bureau = world.bureaus["350504"]
    hour_record_transition(
        record_id=record.pk, actor=bureau.assignment.user, active=bureau, action="approve"
    )
    courses = dict(
        PersonYear.objects.filter(professional=teacher).values_list(
            "year", "public_required_courses"
        )
    )
    assert courses == {2013: 0, 2014: 1, 2015: 0, 2016: 0, 2017: 1, 2018: 1, 2020: 0}
    assert_ledger_equals_fresh_verdicts()


def test_years_not_opened_are_not_written(world: World) -> None:
    """Before a year is opened no service writes rows for it; opening it writes everyone."""
    person = Professional.objects.filter(region_id="440500", series="engineering").first()
    assert person is not None
    record = hour_record_declare(
        actor=person.user,
        active=world.me(person),
        professional=person,
        category="professional",
        content="申报",
        hours=Decimal(42),
        start_date=dt.date(2014, 6, 2),
        end_date=dt.date(2014, 6, 8),
        evidence=world.evidence(),
        today=TODAY,
    )
    assert record.status == RecordState.IN_REVIEW
    assert not PersonYear.objects.exists()
    written = ledger_rebuild(year=2014)
    assert written == {2014: Professional.objects.count()}
    assert LedgerYear.objects.filter(year=2014).exists()
    assert PersonYear.objects.get(professional=person, year=2014).pending == 1


def test_rebuild_takes_the_same_queries_whatever_the_number_of_people(world: World) -> None:
    """Set-based: no query per person."""
    ledger_rebuild(year=2014)  # opens the year
    with CaptureQueriesContext(connection) as before:
        ledger_rebuild(year=2014)
    for _ in range(20):
        employ(ProfessionalFactory(region_id="350504", series="teacher"), world.employers[2])
    with CaptureQueriesContext(connection) as after:
        ledger_rebuild(year=2014)
    assert len(after) == len(before)
    assert PersonYear.objects.filter(year=2014).count() == Professional.objects.count()


def test_refresh_of_many_people_writes_what_one_by_one_refreshes_write(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ledger_refresh_many`` (batch entry) is the set-based form of ``ledger_refresh``: after
    random workflows, refreshing everyone in small chunks writes exactly the rows a refresh
    per person writes, and a person left out keeps the row they had."""
    from xueshi.compliance import compute, services

    world.rng.seed(7)
    for year in OPEN_YEARS:
        ledger_rebuild(year=year)
    run_workflows(world, 120)
    ids = list(Professional.objects.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        services.ledger_refresh(professional_id=pk)
    one_by_one = ledger_snapshot()
    PersonYear.objects.update(elective=12345, compliant=None)  # spoil every row
    spoiled = ids[-1]
    monkeypatch.setattr(services, "PEOPLE_CHUNK", 3)
    monkeypatch.setattr(compute, "PEOPLE_CHUNK", 3)
    written = services.ledger_refresh_many(professional_ids=ids[:-1] + ids[:2])
    assert written == (len(ids) - 1) * len(OPEN_YEARS)
    left_out = PersonYear.objects.filter(professional_id=spoiled)
    assert set(left_out.values_list("elective", flat=True)) == {12345}
    services.ledger_refresh_many(professional_ids=[spoiled])
    assert ledger_snapshot() == one_by_one
    assert_ledger_equals_fresh_verdicts()


def test_refresh_of_many_people_skips_years_not_opened(world: World) -> None:
    from xueshi.compliance.services import ledger_refresh_many

    ids = list(Professional.objects.values_list("pk", flat=True))
    assert ledger_refresh_many(professional_ids=ids, years=[2014]) == 0
    assert not PersonYear.objects.exists()
    ledger_rebuild(year=2014)
    PersonYear.objects.all().delete()
    assert ledger_refresh_many(professional_ids=ids, years=[2014, 2015]) == len(ids)
    assert set(PersonYear.objects.values_list("year", flat=True)) == {2014}


def test_a_batch_entry_in_review_adds_one_pending_and_rewrites_a_missing_row(
    world: World,
) -> None:
    """A provider's entry that goes to review changes a row's pending count only; a person
    whose row is missing gets it written in full. Either way the ledger equals fresh
    verdicts."""
    from xueshi.records.services import hour_record_enter_for_class
    from xueshi.training.models import ClassPlan
    from xueshi.training.selectors import class_entry

    for year in OPEN_YEARS:
        ledger_rebuild(year=year)
    provider, staff = world.providers["440500"]
    plan = ClassPlan.objects.create(
        provider=provider,
        region_id="440500",
        title="公需科目培训班",
        category="public",
        mode="face_to_face",
        start_date=dt.date(2014, 6, 2),
        end_date=dt.date(2014, 6, 4),
        hours=Decimal(12),
        status="approved",
    )
    people = list(Professional.objects.filter(region_id="440500").order_by("pk")[:2])
    assert len(people) == 2
    kept, lost = people
    PersonYear.objects.filter(professional=lost, year=2014).delete()
    before = dict(PersonYear.objects.filter(professional=kept).values_list("year", "pending"))
    for person in people:
        record, created = hour_record_enter_for_class(
            actor=staff.assignment.user, active=staff, professional=person, entry=class_entry(plan)
        )
        assert created
        assert record.status == RecordState.IN_REVIEW
    after = dict(PersonYear.objects.filter(professional=kept).values_list("year", "pending"))
    assert after == {**before, 2014: before[2014] + 1}
    rewritten = dict(PersonYear.objects.filter(professional=lost).values_list("year", "pending"))
    assert set(rewritten) == set(OPEN_YEARS)
    assert rewritten[2014] >= 1
    assert_ledger_equals_fresh_verdicts()
