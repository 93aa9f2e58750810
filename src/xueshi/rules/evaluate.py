"""Evaluation of a person-year (or a cycle) from records: the verdict with its reasons.

Which records count, and into which figure, is ``xueshi.rules.counting``'s to say; this
module resolves the requirements, asks it record by record and compares.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal
from fractions import Fraction

from . import counting
from .counting import COLUMN, COURSES, REMOTE
from .parameters import ShareOfTotal
from .periods import assessment_date, cycle_years
from .policy import Policy, Reference, Resolved
from .strict_yaml import PolicyError
from .terms import Category, Person, Record
from .verdict import (
    Condition,
    Key,
    Reason,
    RecordNote,
    Requirement,
    RequirementResult,
    Undecided,
    Verdict,
    fmt,
)

ZERO = Decimal(0)


class NoRequirement(PolicyError):
    """No requirement of any kind is in force for this person, region and period."""


def exact(value: Fraction) -> Decimal:
    """A requirement figure as a Decimal: exact when it terminates, else rounded up to 0.01.

    Rounding up keeps the figure a true minimum (2/3 of 100 h needs 66.67 h, not 66.66 h).
    """
    decimal = Decimal(value.numerator) / Decimal(value.denominator)
    if Fraction(decimal) == value:
        return decimal
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_CEILING
    )


@dataclass(frozen=True, slots=True)
class CategorySpan:
    """Days of a period on which the same categories count, with the clause that says so."""

    first: dt.date
    last: dt.date
    categories: frozenset[Category]
    reference: Reference | None


def category_spans(
    policy: Policy, region: str, years: tuple[int, ...], person: Person
) -> tuple[CategorySpan, ...]:
    """What counts on each day of the period (docs/adr/0006): the ``categories`` rule in force
    on the day; on a day no such rule is in force, the one at the period's close (the rules
    the year is judged by); with none at all, every category. Consecutive days that agree
    form one span."""
    first, last = counting.period_days(years)
    close = policy.resolve("categories", region, last, person)
    starts = [first, *(d for d in policy.change_days("categories", region) if first < d <= last)]
    ends = [d - dt.timedelta(days=1) for d in starts[1:]] + [last]
    spans: list[CategorySpan] = []
    for start, end in zip(starts, ends, strict=True):
        resolved = policy.resolve("categories", region, start, person) or close
        categories = frozenset(resolved.value) if resolved else frozenset(Category)
        reference = resolved.reference if resolved else None
        if spans and spans[-1].categories == categories and spans[-1].reference == reference:
            spans[-1] = CategorySpan(spans[-1].first, end, categories, reference)
        else:
            spans.append(CategorySpan(start, end, categories, reference))
    return tuple(spans)


def category_span_of(
    policy: Policy, region: str, year: int, person: Person, day: dt.date
) -> CategorySpan:
    """What counts for hours of ``year`` taken on ``day``: the span of the day, or for
    learning after the year (make-up) the year's close."""
    spans = category_spans(policy, region, (year,), person)
    return next((s for s in spans if s.first <= day <= s.last), spans[-1])


@dataclass(frozen=True, slots=True)
class Requirements:
    """Every requirement in force for a person in a region for a period, resolved once.

    The bulk evaluator uses the same object, so the two paths cannot disagree on figures.
    """

    region: str
    year: int
    years: tuple[int, ...]
    categories: tuple[Category, ...]
    """The categories that count on some day of the period (``spans``)."""
    figures: tuple[Requirement, ...]
    remote_cap: Resolved | None
    credits_regime: bool
    hours_regime: bool
    centralised_training: Resolved | None
    public_required_courses: Requirement | None
    remarks: tuple[str, ...]
    undecided: tuple[Undecided, ...] = ()
    period_reference: Reference | None = None
    """The clause that makes the period (the cycle's, or the year's total): what a record
    refused as outside the period, or as make-up no rule allows, cites."""
    general_practice: Resolved | None = None
    """Credits of general practice per appointment cycle (Luojiang §一(三)2)."""
    spans: tuple[CategorySpan, ...] = ()
    """What counts on each day of the period: a period that straddles a change of the
    ``categories`` rule has more than one (docs/adr/0006)."""

    def span_on(self, day: dt.date) -> CategorySpan | None:
        """The span of ``day``, or None when the day is outside the period."""
        for span in self.spans:
            if span.first <= day <= span.last:
                return span
        return None

    @property
    def changing(self) -> frozenset[Category]:
        """The categories that count on some days of the period and not on others."""
        if len(self.spans) < 2:
            return frozenset()
        every = frozenset.intersection(*(s.categories for s in self.spans))
        return frozenset(self.categories) - every

    def figure(self, key: Key) -> Requirement | None:
        for figure in self.figures:
            if figure.key is key:
                return figure
        return None


def _requirement(
    key: Key, resolved: Resolved | None, value: Decimal | None = None, label: str = ""
) -> Requirement | None:
    if resolved is None:
        return None
    amount = resolved.value if value is None else value
    unit = {"course": "course", "credit": "credit"}.get(_unit(resolved), "hour")
    return Requirement(key, amount, unit, resolved.reference, resolved.region, label)


def _unit(resolved: Resolved) -> str:
    from .parameters import PARAMETERS

    return PARAMETERS[resolved.parameter].unit


def requirements(policy: Policy, region: str, year: int, person: Person) -> Requirements:
    """Resolve the requirements of ``person`` in ``region`` for the period ending in ``year``."""
    day = assessment_date(year)

    def get(name: str) -> Resolved | None:
        return policy.resolve(name, region, day, person)

    cycle = get("cycle.years")
    years = tuple(cycle_years(year, cycle.value)) if cycle else (year,)
    spans = category_spans(policy, region, years, person)
    counting_some_day = frozenset().union(*(span.categories for span in spans))
    categories = tuple(c for c in Category if c in counting_some_day)

    figures: list[Requirement] = []
    total = get("hours.total")
    for key, name in ((Key.PUBLIC, "hours.public"), (Key.PUBLIC_REQUIRED, "hours.public_required")):
        req = _requirement(key, get(name))
        if req:
            figures.append(req)
    professional = get("hours.professional")
    if professional is not None:
        if isinstance(professional.value, ShareOfTotal):
            if total is not None:
                amount = exact(professional.value.share * Fraction(total.value))
                figures.append(_requirement(Key.PROFESSIONAL, professional, amount))  # type: ignore[arg-type]
        else:
            figures.append(_requirement(Key.PROFESSIONAL, professional))  # type: ignore[arg-type]
    elective = _requirement(Key.ELECTIVE, get("hours.elective"))
    if elective:
        figures.append(elective)
    total_req = _requirement(Key.TOTAL, total)
    if total_req:
        figures.append(total_req)
    credits = _requirement(Key.CREDITS, get("credits.total"))
    if credits:
        figures.append(credits)
    courses_resolved = get("cycle.public_required_courses")
    courses = (
        _requirement(Key.PUBLIC_REQUIRED, courses_resolved, label="公共必修课")
        if courses_resolved
        else None
    )

    remarks = []
    gp = get("credits.general_practice_per_cycle")
    if gp is not None:
        remarks.append(
            f"任职周期内全科医学继续教育学分应不少于 {fmt(gp.value)} 分，按任职周期核查"
            f"（给出任职周期时列为条件），不在年度学分中计算。依据：{gp.reference}"
        )
    credits_regime = credits is not None
    hours_regime = any(f.unit == "hour" for f in figures) or not credits_regime
    centralised = get("cycle.centralised_training")
    unstated = get("figures.unstated")
    undecided = (
        tuple(Undecided(u.figure, u.set_by, unstated.reference) for u in unstated.value)
        if unstated
        else ()
    )
    period = cycle or total or get("credits.total")
    if not figures and courses is None and centralised is None:
        raise NoRequirement(
            f"{policy.region(region).name}（{region}）{year} 年度没有适用于"
            f"{person.describe()}的继续教育要求（按 {day} 有效的规定）"
        )
    return Requirements(
        region=region,
        year=year,
        years=years,
        categories=categories,
        figures=tuple(figures),
        remote_cap=get("credits.remote_cap"),
        credits_regime=credits_regime,
        hours_regime=hours_regime,
        centralised_training=centralised,
        public_required_courses=courses,
        remarks=tuple(remarks),
        undecided=undecided,
        period_reference=period.reference if period else None,
        spans=spans,
        general_practice=gp,
    )


def total_shortfall(gaps: dict[Key, Decimal]) -> Decimal:
    """The hours the total still needs beyond what the category shortfalls already ask for.

    Public hours short and required public hours short overlap (required hours are public
    hours), so the public group needs the larger of the two.
    """
    total_gap = gaps.get(Key.TOTAL, ZERO)
    by_category = (
        max(gaps.get(Key.PUBLIC, ZERO), gaps.get(Key.PUBLIC_REQUIRED, ZERO))
        + gaps.get(Key.PROFESSIONAL, ZERO)
        + gaps.get(Key.ELECTIVE, ZERO)
    )
    return max(total_gap - by_category, ZERO)


def _over_cap_notes(
    reqs: Requirements, counted_records: list[tuple[int, Record]]
) -> list[RecordNote]:
    """Remote credits over the cap count only up to it (``counting.counted``); the records
    that pass it, in the order they came, are told how much of them counted."""
    if reqs.remote_cap is None:
        return []
    cap = reqs.remote_cap.value
    notes = []
    filled = ZERO
    for index, record in counted_records:
        if not COLUMN[REMOTE].takes(record):
            continue
        room = max(min(record.credits, cap - filled), ZERO)
        filled += room
        if room < record.credits:
            notes.append(
                RecordNote(
                    index,
                    record,
                    Reason.OVER_CAP,
                    f"远程学分每年最多计 {fmt(cap)} 分，本条计入 {fmt(room)} 分，"
                    f"超出的 {fmt(record.credits - room)} 分不计入。",
                    counted=room,
                    reference=reqs.remote_cap.reference,
                )
            )
    return notes


def general_practice_condition(
    reqs: Requirements, records: Iterable[Record], cycle: tuple[int, int]
) -> Condition | None:
    """Luojiang §一(三)2: primary-level medical staff earn ≥10 general-practice credits per
    appointment cycle. The cycle is the person's (not known from a yearly record): given, the
    approved general-practice credits credited to its years are compared with the figure."""
    gp = reqs.general_practice
    if gp is None:
        return None
    first, last = cycle
    earned = sum(
        (
            r.credits
            for r in records
            if r.general_practice
            and r.is_credit
            and r.status in counting.COUNTED
            and first <= r.credited_year <= last
        ),
        ZERO,
    )
    text = (
        f"任职周期（{first}–{last}）内全科医学继续教育学分不少于 {fmt(gp.value)} 分"
        f"（已认定 {fmt(earned)} 分）"
    )
    return Condition("general_practice_credits", text, earned >= gp.value, gp.reference)


def evaluate(
    policy: Policy,
    *,
    region: str,
    year: int,
    person: Person,
    records: Iterable[Record],
    appointment_cycle: tuple[int, int] | None = None,
) -> Verdict:
    """The verdict for ``person`` in ``region`` for ``year`` (or the cycle ending in it).
    ``appointment_cycle`` (first and last year), where known, adds the per-cycle
    general-practice credits as a condition (else it stays a remark)."""
    reqs = requirements(policy, region, year, person)
    records = list(records)
    counts: list[tuple[int, Record]] = []
    notes: list[RecordNote] = []
    for index, record in enumerate(records):
        refusal = counting.refusal(policy, reqs, person, record)
        if refusal is not None:
            reason, message, reference = refusal
            notes.append(RecordNote(index, record, reason, message, reference=reference))
            continue
        counts.append((index, record))
    sums = counting.column_sums(record for _, record in counts)
    notes += _over_cap_notes(reqs, counts)
    notes.sort(key=lambda n: n.index)
    verdict = verdict_from_sums(policy, reqs, person=person, sums=sums, notes=notes)
    if appointment_cycle is not None:
        condition = general_practice_condition(reqs, records, appointment_cycle)
        if condition is not None:
            remarks = tuple(r for r in verdict.remarks if "全科医学" not in r)
            verdict = replace(verdict, conditions=(*verdict.conditions, condition), remarks=remarks)
    return verdict


def verdict_from_sums(
    policy: Policy,
    reqs: Requirements,
    *,
    person: Person,
    sums: Mapping[str, Decimal],
    notes: Iterable[RecordNote] = (),
) -> Verdict:
    """The verdict of ``reqs`` on what counted, given as the period's sums by column
    (``counting.COLUMNS``: what ``counting.column_sums`` makes of the records that count, or
    a ledger row's). ``evaluate`` ends here; so does a certificate issued from the ledger,
    which has the sums but not the records (no notes)."""
    region, year = reqs.region, reqs.year
    counted = counting.counted(reqs, sums)
    gaps = {f.key: max(f.required - counted[str(f.key)], ZERO) for f in reqs.figures}
    results = [
        RequirementResult(
            f, counted[str(f.key)], total_shortfall(gaps) if f.key is Key.TOTAL else gaps[f.key]
        )
        for f in reqs.figures
    ]
    courses = counted.pop(COURSES)
    if reqs.public_required_courses is not None:
        counted[COURSES] = courses
        figure = reqs.public_required_courses
        results.append(RequirementResult(figure, courses, max(figure.required - courses, ZERO)))
    conditions = []
    if reqs.centralised_training is not None:
        conditions.append(
            Condition(
                "centralised_training",
                "周期内参加一次集中脱产培训或远程继续教育培训",
                counting.trained({**counted, COURSES: courses}),
                reqs.centralised_training.reference,
            )
        )
    return Verdict(
        region=region,
        region_name=policy.region(region).name,
        year=year,
        years=reqs.years,
        person=person,
        results=tuple(results),
        conditions=tuple(conditions),
        counted=counted,
        notes=tuple(notes),
        remarks=reqs.remarks,
        policy_version=policy.version,
        undecided=reqs.undecided,
    )


__all__ = [
    "CategorySpan",
    "NoRequirement",
    "Requirements",
    "category_span_of",
    "category_spans",
    "evaluate",
    "exact",
    "requirements",
    "verdict_from_sums",
]
