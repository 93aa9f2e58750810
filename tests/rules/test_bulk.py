"""Bulk evaluation from sums agrees with the single evaluation on the same approved records.

Rows are what the database hands over: (region, year, series, title_level, institution_level,
public, public_required, professional, elective, credits_face, credits_remote,
public_required_courses), figures in hundredths. Here each row is the aggregate of a list of
approved records that the single ``evaluate()`` sees one by one (docs/adr/0004).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xueshi.rules import (
    Category,
    InstitutionLevel,
    Mode,
    NoRequirement,
    Person,
    Record,
    TitleLevel,
    default_policy,
    evaluate,
    requirements,
)
from xueshi.rules.bulk import evaluate_rows

REGIONS = ["440500", "440000", "000000", "350504", "410200", "341882"]
SERIES = ["engineering", "health", "teacher", "accounting", None]
TITLES = [t.value for t in TitleLevel] + [None]
INSTITUTIONS = [i.value for i in InstitutionLevel] + [None]


@dataclass(frozen=True)
class Item:
    """One approved record: hours of a category, or credits."""

    category: Category | None  # None: credits
    centi: int  # hundredths of an hour or of a credit
    required: bool
    online: bool
    years_back: int  # credited to year - years_back (teachers' cycles reach back 4 years)


def person_of(series: str | None, title: str | None, institution: str | None) -> Person:
    return Person(
        title_level=TitleLevel(title) if title else None,
        series=series,
        institution_level=InstitutionLevel(institution) if institution else None,
    )


def to_record(item: Item, year: int) -> Record:
    mode = Mode.ONLINE if item.online else Mode.FACE_TO_FACE
    amount = Decimal(item.centi) / 100
    if item.category is None:
        return Record(credited_year=year - item.years_back, credits=amount, mode=mode)
    return Record(
        credited_year=year - item.years_back,
        category=item.category,
        hours=amount,
        required=item.required and item.category is Category.PUBLIC,
        mode=mode,
    )


def to_row(profile: tuple, items: list[Item], period: tuple[int, ...]) -> tuple:
    """Aggregate the records of the period, as the GROUP BY does."""
    year = profile[1]
    sums = dict.fromkeys(
        (
            "public",
            "public_required",
            "professional",
            "elective",
            "credits_face",
            "credits_remote",
            "courses",
        ),
        0,
    )
    for item in items:
        if year - item.years_back not in period:
            continue
        if item.category is None:
            sums["credits_remote" if item.online else "credits_face"] += item.centi
            continue
        sums[item.category.value] += item.centi
        if item.category is Category.PUBLIC and item.required:
            sums["public_required"] += item.centi
            sums["courses"] += 1 if item.centi > 0 else 0
    return (
        *profile,
        sums["public"],
        sums["public_required"],
        sums["professional"],
        sums["elective"],
        sums["credits_face"],
        sums["credits_remote"],
        sums["courses"],
    )


profiles = st.tuples(
    st.sampled_from(REGIONS),
    st.integers(min_value=2009, max_value=2026),
    st.sampled_from(SERIES),
    st.sampled_from(TITLES),
    st.sampled_from(INSTITUTIONS),
)
# Hours are positive: a record of 0 h is covered by its own test below.
items = st.builds(
    Item,
    category=st.sampled_from([*Category, None]),
    centi=st.integers(min_value=1, max_value=6000),
    required=st.booleans(),
    online=st.booleans(),
    years_back=st.sampled_from([0, 0, 0, 1, 4, 5]),
)
people = st.lists(st.tuples(profiles, st.lists(items, max_size=8)), min_size=1, max_size=6)


def check_agreement(people_records: list[tuple[tuple, list[Item]]]) -> None:
    policy = default_policy()
    rows, expected = [], []
    for profile, person_items in people_records:
        region, year, series, title, institution = profile
        person = person_of(series, title, institution)
        try:
            period = requirements(policy, region, year, person).years
        except NoRequirement:
            rows.append(to_row(profile, person_items, (year,)))
            expected.append(None)
            continue
        records = [to_record(item, year) for item in person_items]
        rows.append(to_row(profile, person_items, period))
        expected.append(evaluate(policy, region=region, year=year, person=person, records=records))
    result = evaluate_rows(policy, rows)
    assert len(result) == len(rows)
    for row, verdict in enumerate(expected):
        if verdict is None:
            assert not result.determined[row], rows[row]
            assert not result.compliant[row], rows[row]
            continue
        assert result.determined[row], rows[row]
        assert bool(result.compliant[row]) == verdict.compliant, (rows[row], verdict.shortfall)
        assert result.row_shortfall(row) == verdict.shortfall, rows[row]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(people)
def test_bulk_agrees_with_single_evaluation(people_records: list) -> None:
    check_agreement(people_records)


# -- chosen examples, so the interesting corners are always exercised ---------------------------


def hours(category: Category, h: float, *, required: bool = False, back: int = 0) -> Item:
    return Item(category, round(h * 100), required, False, back)


def credits(c: float, *, online: bool = False) -> Item:
    return Item(None, round(c * 100), False, online, 0)


def test_agreement_on_luojiang_health_credits_over_the_remote_cap() -> None:
    profile = ("350504", 2017, "health", "intermediate", "secondary")
    check_agreement(
        [
            (profile, [credits(10), credits(10, online=True), credits(5, online=True)]),
            (profile, [credits(13), credits(8, online=True), credits(8, online=True)]),
        ]
    )


def test_agreement_on_luojiang_teacher_cycles() -> None:
    profile = ("350504", 2017, "teacher", "intermediate", None)
    check_agreement(
        [
            (profile, [hours(Category.PUBLIC, 12, required=True, back=3)]),
            (
                profile,
                [
                    hours(Category.PUBLIC, 12, required=True, back=4),
                    hours(Category.PUBLIC, 6, required=True),
                ],
            ),
            (profile, []),
        ]
    )


def test_agreement_on_kaifeng_public_group_and_total_remainder() -> None:
    check_agreement(
        [
            (
                ("410200", 2016, "engineering", "intermediate", None),
                [
                    hours(Category.PUBLIC, 10, required=True),
                    hours(Category.PUBLIC, 10),
                    hours(Category.PROFESSIONAL, 60),
                ],
            ),
            (
                ("410200", 2016, "engineering", "junior", None),
                [hours(Category.PUBLIC, 18, required=True), hours(Category.PROFESSIONAL, 60)],
            ),
        ]
    )


def test_agreement_on_unrecognised_electives_and_unused_credits() -> None:
    check_agreement(
        [
            (
                ("341882", 2020, "engineering", "intermediate", None),
                [
                    hours(Category.PUBLIC, 30),
                    hours(Category.PROFESSIONAL, 50),
                    hours(Category.ELECTIVE, 10),
                    credits(25),
                ],
            ),
            (
                ("440500", 2014, "engineering", "intermediate", None),
                [
                    hours(Category.PUBLIC, 20),
                    hours(Category.PROFESSIONAL, 41.5),
                    hours(Category.ELECTIVE, 12),
                ],
            ),
        ]
    )


def test_rows_without_a_requirement_are_not_determined() -> None:
    policy = default_policy()
    rows = [
        ("440500", 2009, "engineering", "intermediate", None, 2000, 0, 4200, 1200, 0, 0, 0),
        ("410200", 2014, "engineering", "intermediate", None, 0, 0, 9000, 0, 0, 0, 0),
        ("350504", 2017, "health", "intermediate", "tertiary", 0, 0, 0, 0, 2500, 0, 0),
        ("350504", 2017, "health", "intermediate", "secondary", 0, 0, 0, 0, 2500, 0, 0),
    ]
    result = evaluate_rows(policy, rows)
    assert list(result.determined) == [False, False, False, True]
    assert list(result.compliant) == [False, False, False, True]
    assert result.compliance_rate() == 1.0


def test_a_zero_hour_course_is_no_training_in_both_paths() -> None:
    """Two approved public required courses recorded with 0 h are no courses taken and no
    training (issue 10, finding 1): the single evaluation finds the teacher's cycle short of
    its two courses and its training; the bulk path must agree."""
    profile = ("350504", 2017, "teacher", "intermediate", None)
    check_agreement(
        [
            (
                profile,
                [
                    Item(Category.PUBLIC, 0, True, False, 0),
                    Item(Category.PUBLIC, 0, True, False, 1),
                ],
            )
        ]
    )
