"""What counts, SQL against Python: the set-based path (SQL generated from
``xueshi.rules.counting``, NumPy, ``evaluate_bulk``) gives every person the same sums, pending
count, verdict and shortfall as the single evaluation of their records (``evaluate``).

Random records — every category and credits, required or not, hours and credits face to face
or remote, every status, credited to years inside and outside the period, learnt inside it,
before it and after it (make-up) — for people of every profile the seed regions' policies
tell apart. The suite runs once per database (``DATABASE_URL``), so this holds on SQLite and
on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.factories import ProfessionalFactory, regions
from xueshi.compliance.compute import ROW_FIELDS, now, person_rows, year_rows
from xueshi.compliance.live import compliance_of
from xueshi.organisations.models import Region
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules import Mode
from xueshi.rules.workflow import RecordState

# (region, series, title level, institution level): what the seed regions' requirements
# depend on. 440300 is a region the database has and the policy does not know.
PROFILES = (
    ("440500", "engineering", "intermediate", ""),  # 汕头: hours by category, make-up in 2014
    ("440500", "health", "senior", "tertiary"),
    ("440000", "engineering", "junior", ""),  # 广东省: elective counts towards 90 h
    ("350500", "accounting", "intermediate", ""),  # 泉州市: the national rules
    ("350504", "teacher", "intermediate", ""),  # 洛江: five-year cycle, required courses
    ("350504", "health", "intermediate", "secondary"),  # credits, remote ones capped
    ("350504", "health", "senior", "tertiary"),  # set at the province, not here
    ("350504", "engineering", "intermediate", ""),  # no elective category
    ("410200", "engineering", "junior", ""),  # 开封: required public hours by title
    ("410200", "engineering", "senior", ""),
    ("341882", "engineering", "intermediate", ""),  # 广德
    ("440300", "engineering", "intermediate", ""),  # unknown to the policy
)
STATUSES = (
    RecordState.APPROVED,
    RecordState.APPROVED,
    RecordState.APPROVED,
    RecordState.IN_REVIEW,
    RecordState.RETURNED,
    RecordState.REJECTED,
    RecordState.DRAFT,
)


@dataclass(frozen=True)
class Entry:
    person: int  # index into PROFILES
    category: str  # "" for credits
    required: bool
    tenths: int  # hours or credits, in tenths (the column's precision)
    online: bool
    status: str
    years_back: int  # credited to the assessed year minus this
    learnt_after: int  # learnt this many years after the credited year (negative: before)
    day: int  # day of the year it was learnt


def entries(person: int) -> st.SearchStrategy[Entry]:
    return st.builds(
        Entry,
        person=st.just(person),
        category=st.sampled_from(["public", "professional", "elective", ""]),
        required=st.booleans(),
        tenths=st.integers(0, 600),
        online=st.booleans(),
        status=st.sampled_from(STATUSES),
        years_back=st.sampled_from([0, 0, 0, 1, 2, 3, 4, 5, 6]),
        # Learnt in the credited year mostly; else before it (inside a cycle, or before the
        # period) or after it (make-up).
        learnt_after=st.sampled_from([0, 0, 0, -1, -2, -3, -4, -5, 1, 2]),
        day=st.one_of(st.sampled_from([0, 364]), st.integers(0, 364)),  # the first, the last day
    )


# Every person draws records of their own.
drawings = st.tuples(*(st.lists(entries(i), max_size=8) for i in range(len(PROFILES)))).map(
    lambda lists: [entry for drawn in lists for entry in drawn]
)


@pytest.fixture
def people(db: None) -> list[Professional]:
    regions()
    Region.objects.create(
        code="440300", name="深圳市", level="city", parent_id="440000", path="000000/440000/440300/"
    )
    return [
        ProfessionalFactory(
            region_id=region, series=series, title_level=title, institution_level=institution
        )
        for region, series, title, institution in PROFILES
    ]


def hour_record(person: Professional, entry: Entry, year: int) -> HourRecord:
    credited = year - entry.years_back
    learnt = dt.date(credited + entry.learnt_after, 1, 1) + dt.timedelta(days=entry.day)
    amount = Decimal(entry.tenths) / 10
    return HourRecord(
        professional=person,
        category=entry.category,
        required=entry.required,
        hours=amount if entry.category else Decimal(0),
        credits=Decimal(0) if entry.category else amount,
        mode=Mode.ONLINE if entry.online else Mode.FACE_TO_FACE,
        content="随机",
        start_date=learnt,
        end_date=learnt,
        credited_year=credited,
        status=entry.status,
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
    )


def check(people: list[Professional], year: int, drawn: list[Entry]) -> None:
    policy = current_policy()
    moment = now()
    with transaction.atomic():
        HourRecord.objects.bulk_create(hour_record(people[e.person], e, year) for e in drawn)
        ids = [p.pk for p in people]
        # The single evaluation, person by person (what the services write into the ledger).
        expected = {p.pk: person_rows(policy, p, [year], moment)[0] for p in people}
        # The set-based path, with the people named, selected by a query, or everyone.
        by_ids = {row[0]: row for row in year_rows(policy, year, moment, ids)}
        by_query = {
            row[0]: row
            for row in year_rows(
                policy, year, moment, people=Professional.objects.filter(pk__in=ids)
            )
        }
        everyone = {row[0]: row for row in year_rows(policy, year, moment)}
        for person, profile in zip(people, PROFILES, strict=True):
            where = (profile, year)
            assert by_ids[person.pk] == expected[person.pk], where
            assert by_query[person.pk] == expected[person.pk], where
            assert everyone[person.pk] == expected[person.pk], where
        # The live reports lay out the same rows.
        for row in compliance_of(Professional.objects.filter(pk__in=ids), year):
            figures = dict(zip(ROW_FIELDS, expected[row.id], strict=True))
            assert row.determined is (figures["compliant"] is not None), row
            assert row.compliant is bool(figures["compliant"]), row
            assert row.pending == figures["pending"], row
        transaction.set_rollback(True)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    # 2018 and 2023 straddle Guangdong 2018's dates (what counts changes inside the year).
    year=st.sampled_from([2013, 2014, 2015, 2016, 2017, 2018, 2020, 2021, 2023]),
    drawn=drawings,
)
def test_the_sql_path_counts_as_the_single_evaluation(
    people: list[Professional], year: int, drawn: list[Entry]
) -> None:
    check(people, year, drawn)


def entry(person: int, category: str, tenths: int, **fields: Any) -> Entry:
    """An approved record credited to and learnt in the assessed year, unless told."""
    values: dict[str, Any] = {
        "required": False,
        "online": False,
        "status": RecordState.APPROVED,
        "years_back": 0,
        "learnt_after": 0,
        "day": 160,
    }
    return Entry(person, category, tenths=tenths, **(values | fields))


@pytest.mark.parametrize("year", [2014, 2017])
def test_make_up_and_cycles_on_both_paths(people: list[Professional], year: int) -> None:
    """The corners: Shantou's make-up (2013 hours learnt in 2014 count, 2014 hours learnt in
    2015 do not), a teacher's cycle reaching back four years, learning before the period,
    remote credits over the cap, a zero-hour required course, and hours where credits count."""
    shantou, _, _, _, teacher, medic = range(6)

    check(
        people,
        year,
        [
            entry(shantou, "public", 200, years_back=1, learnt_after=1),
            entry(shantou, "professional", 420, learnt_after=1),
            entry(shantou, "elective", 120, learnt_after=-1),
            entry(teacher, "public", 0, required=True, years_back=4),
            entry(teacher, "public", 60, required=True, years_back=3, learnt_after=2),
            entry(teacher, "public", 60, required=True, years_back=5),
            entry(teacher, "professional", 300, years_back=1, learnt_after=-3),
            entry(teacher, "professional", 300, learnt_after=-4),
            entry(medic, "", 150, online=True),
            entry(medic, "", 80, online=True),
            entry(medic, "", 60),
            entry(medic, "professional", 900),
            entry(medic, "", 40, status=RecordState.IN_REVIEW),
        ],
    )


@pytest.mark.parametrize("year", [2018, 2023])
def test_a_year_that_straddles_a_change_of_what_counts_on_both_paths(
    people: list[Professional], year: int
) -> None:
    """Guangdong 2018 (2018-11-01 … 2023-10-31): elective hours count if taken while it was
    in force — on both sides of its first and last day, for the province and for Shantou,
    together with make-up and records of other categories on the same days."""
    shantou, _, province = range(3)
    # Day of the year: 2018-10-31 is day 303, 2018-11-01 day 304; 2023-10-31 is day 303.
    before, after = 303, 304
    check(
        people,
        year,
        [
            entry(province, "elective", 200, day=before),
            entry(province, "elective", 70, day=after),
            entry(province, "public", 100, day=before),
            entry(province, "professional", 600, day=after),
            entry(shantou, "elective", 60, day=before),
            entry(shantou, "elective", 60, day=after),
            entry(shantou, "elective", 30, day=10, years_back=1, learnt_after=1),
            entry(shantou, "professional", 600, day=10),
        ],
    )
