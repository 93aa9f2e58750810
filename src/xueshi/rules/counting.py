"""What counts, defined once: whether a record counts towards a person's period, and into
which sum.

Every path that answers the question reads it here — ``evaluate`` record by record,
``evaluate_bulk`` from sums, and the SQL that makes the sums for a whole year
(``xueshi.compliance.compute``, generated from ``COLUMNS``, ``COUNTED``, ``PENDING`` and
``period_days``); a property test holds the SQL path equal to ``evaluate``
(tests/compliance/test_counting_sql.py).

A record counts in two steps:

1. **It enters the sums of the period** (``entry_refusal``): its status counts (``COUNTED``;
   a ``PENDING`` one is only counted as pending, a rejected one never), it is credited to a
   year of the period, and it was learnt inside the period or — learnt after its credited
   year — the make-up rule in force on the day allows it (``makeup_refusal``). These are facts
   of the record, so a database can ask them row by row: the sums (``COLUMNS``, in
   hundredths) hold exactly the records that pass this step, whatever the requirements.
2. **The requirements use its sum** (``column_used``, ``use_refusal``): hours where hours are
   checked, of a category the region recognises; credits where credits are checked; remote
   credits up to the cap. These are facts of the person's profile, so the bulk path applies
   them once per profile to whole columns (``counted``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import cache
from typing import TYPE_CHECKING

from .chains import record_chain
from .periods import assessment_date
from .policy import Policy, Reference
from .terms import Category, Mode, Person, Record, Status
from .verdict import Key, Reason
from .workflow import RecordState

if TYPE_CHECKING:
    from .evaluate import Requirements

ZERO = Decimal(0)

Refusal = tuple[Reason, str, Reference | None]
"""Why a record does not count: the reason, the sentence, and the clause it comes from."""

# --- Step 1: does the record enter the sums of the period? ---------------------------------

COUNTED = frozenset({Status.APPROVED})
"""The statuses whose records count (when they fall in the period)."""
PENDING = frozenset({Status.PENDING})
"""The statuses whose records may count once reviewed: counted as pending, in no sum."""

STATUS_OF_STATE: Mapping[RecordState, Status] = {
    RecordState.APPROVED: Status.APPROVED,
    RecordState.REJECTED: Status.REJECTED,
    RecordState.IN_REVIEW: Status.PENDING,
    RecordState.RETURNED: Status.PENDING,
}
"""A record's workflow state as the rules see it: under review or returned for correction is
pending. A draft is not declared yet, a voided record was withdrawn by its sender: no
verdict reads either."""

UNREAD_STATES = tuple(state for state in RecordState if state not in STATUS_OF_STATE)
"""The states no verdict reads (a draft, a voided record)."""


def states_seen_as(statuses: frozenset[Status]) -> tuple[RecordState, ...]:
    return tuple(state for state, status in STATUS_OF_STATE.items() if status in statuses)


COUNTED_STATES = states_seen_as(COUNTED)
PENDING_STATES = states_seen_as(PENDING)

NOT_SUMMED = frozenset(
    {
        Reason.PENDING,
        Reason.REJECTED,
        Reason.OUTSIDE_PERIOD,
        Reason.MAKEUP_REFUSED,
        Reason.TAKEN_BEFORE_PERIOD,
        Reason.CATEGORY_NOT_IN_FORCE,
    }
)
"""The reasons of step 1: a record refused for one of them is in no sum. (Refused for any
other reason, it is in the sums and the requirements do not use them, or only in part.)"""


def period_days(years: tuple[int, ...]) -> tuple[dt.date, dt.date]:
    """The first and last day of the period: learning on these days and between them counts
    for a year of it without being make-up. (A period is consecutive years.)"""
    return dt.date(years[0], 1, 1), dt.date(years[-1], 12, 31)


def is_pending(record: Record, years: tuple[int, ...]) -> bool:
    """Whether the record is one of the period's pending ones (shown, not yet counted)."""
    return record.status in PENDING and record.credited_year in years


def counts_without_requirement(record: Record, year: int) -> bool:
    """Where no requirement is in force there is no period to judge: the year's records of a
    counting status are summed (for the figures shown), wherever they were learnt."""
    return record.status in COUNTED and record.credited_year == year


def status_refusal(record: Record) -> Refusal | None:
    if record.status in COUNTED:
        return None
    if record.status in PENDING:
        return Reason.PENDING, "待审核，审核通过后计入。", None
    return Reason.REJECTED, "审核未通过，不计入。", None


def makeup_refusal(
    policy: Policy,
    region: str,
    record: Record,
    years: tuple[int, ...],
    person: Person,
    period: Reference | None = None,
) -> Refusal | None:
    """Why a record learnt outside its period may not count, or None if it may. Where no
    make-up rule speaks, the refusal cites ``period``: the clause that makes the period."""
    if record.taken_on is None:
        return None
    taken_year = record.taken_on.year
    if taken_year in years:
        return None
    if taken_year < years[0]:
        return (
            Reason.TAKEN_BEFORE_PERIOD,
            f"学习日期 {record.taken_on} 早于归属期间，不计入。",
            period,
        )
    rule = policy.resolve("makeup", region, record.taken_on, person)
    if rule is None:
        return (
            Reason.MAKEUP_REFUSED,
            f"{record.taken_on} 补修往年度（{record.credited_year}年度）学时："
            "没有允许补修的规定，不计入。",
            period,
        )
    allowed = rule.value["allowed"]
    window = rule.value.get("credited_years")
    if allowed and (window is None or window["from"] <= record.credited_year <= window["until"]):
        return None
    if allowed:
        text = (
            f"{record.taken_on} 补修只可计入 {window['from']}–{window['until']} 年度，"
            f"不能计入 {record.credited_year} 年度。"
        )
    else:
        text = f"{record.taken_on} 起不再补修往年度学时，不能计入 {record.credited_year} 年度。"
    return Reason.MAKEUP_REFUSED, text, rule.reference


def entry_refusal(
    policy: Policy, reqs: Requirements, person: Person, record: Record
) -> Refusal | None:
    """Step 1: why ``record`` is in none of the period's sums, or None if it is summed."""
    refusal = status_refusal(record)
    if refusal is not None:
        reason, text, _ = refusal
        return reason, text, review_reference(policy, reqs.region, person, record)
    if record.credited_year not in reqs.years:
        if len(reqs.years) > 1:
            where = f"不在本次核查期间（{reqs.years[0]}–{reqs.years[-1]}）内。"
        else:
            where = f"不计入 {reqs.year} 年度。"
        text = f"归属 {record.credited_year} 年度，{where}"
        return Reason.OUTSIDE_PERIOD, text, reqs.period_reference
    return makeup_refusal(
        policy, reqs.region, record, reqs.years, person, reqs.period_reference
    ) or category_refusal(reqs, record)


def category_refusal(reqs: Requirements, record: Record) -> Refusal | None:
    """Hours taken inside the period keep the category of the rule in force on the day they
    were taken (docs/adr/0006): of a category that counts on other days of the period but
    not on that one, they are in no sum. (A category that counts on no day of the period is
    step 2's: ``use_refusal``.) Learning after the period (make-up) is of its credited year."""
    if record.category is None or record.taken_on is None:
        return None
    if record.category not in reqs.changing:
        return None
    span = reqs.span_on(record.taken_on)
    if span is None or record.category in span.categories:
        return None
    labels = "、".join(c.label for c in Category if c in span.categories)
    text = (
        f"{span.first}至{span.last}期间继续教育内容为{labels}，"
        f"{record.taken_on} 学习的{record.category.label}不计入。"
    )
    return Reason.CATEGORY_NOT_IN_FORCE, text, span.reference


def review_reference(
    policy: Policy, region: str, person: Person, record: Record
) -> Reference | None:
    """The clause of the review a pending or rejected record waits for or failed: its
    category's review chain on the day it was taken inside its credited year, else at that
    year's close (credits: the professional chain); None where the region sets none."""
    chain = record_chain(
        policy,
        region=region,
        category=record.category or Category.PROFESSIONAL,
        credited_year=record.credited_year,
        taken_on=record.taken_on,
        person=person,
    )
    return chain.reference if chain else None


# --- Into which sum --------------------------------------------------------------------------


class Measure(StrEnum):
    HOURS = "hours"  # the record's hours, in hundredths
    CREDITS = "credits"  # the record's credits, in hundredths
    COURSES = "courses"  # one per record: a count


@dataclass(frozen=True, slots=True)
class SumColumn:
    """A sum of the records that enter the period, selected by what they are.

    ``category`` None selects the records of credits (they have none); ``required`` and
    ``online`` None select either value."""

    name: str
    measure: Measure
    category: Category | None
    required: bool | None = None
    online: bool | None = None

    def takes(self, record: Record) -> bool:
        return self.takes_kind(record.category, record.required, record.mode is Mode.ONLINE)

    def takes_kind(self, category: Category | None, required: bool, online: bool) -> bool:
        return (
            category is self.category
            and (self.required is None or required == self.required)
            and (self.online is None or online is self.online)
        )

    @property
    def scale(self) -> int:
        """Units to one in the integer sums of the bulk path: hours and credits are summed
        in hundredths, so that they stay exact; courses are counted."""
        return 1 if self.measure is Measure.COURSES else 100

    def amount(self, record: Record) -> Decimal:
        if self.measure is Measure.COURSES:
            # A course recorded at 0 hours is no course taken (nor a training).
            return Decimal(1) if record.hours > 0 else ZERO
        return record.hours if self.measure is Measure.HOURS else record.credits


COLUMNS = (
    SumColumn("public", Measure.HOURS, Category.PUBLIC),
    SumColumn("public_required", Measure.HOURS, Category.PUBLIC, required=True),
    SumColumn("professional", Measure.HOURS, Category.PROFESSIONAL),
    SumColumn("elective", Measure.HOURS, Category.ELECTIVE),
    SumColumn("credits_face", Measure.CREDITS, None, online=False),
    SumColumn("credits_remote", Measure.CREDITS, None, online=True),
    # The teachers' cycle asks for a number of required public courses, whatever their hours.
    SumColumn("public_required_courses", Measure.COURSES, Category.PUBLIC, required=True),
)
SUM_COLUMNS = tuple(column.name for column in COLUMNS)
COLUMN = {column.name: column for column in COLUMNS}
REMOTE = "credits_remote"
"""The column the cap on remote credits (``credits.remote_cap``) applies to."""
COURSES = "public_required_courses"

FIGURES: Mapping[Key, tuple[str, ...]] = {
    Key.TOTAL: ("public", "professional", "elective"),
    Key.PUBLIC: ("public",),
    Key.PUBLIC_REQUIRED: ("public_required",),
    Key.PROFESSIONAL: ("professional",),
    Key.ELECTIVE: ("elective",),
    Key.CREDITS: ("credits_face", REMOTE),
}
"""The verdict's counted figures, each the sum of the columns the requirements use."""

TRAINING = (str(Key.TOTAL), str(Key.CREDITS), COURSES)
"""A training took place (the teachers' centralised training) if one of these counted
figures is above zero: hours, credits, or required public courses (which count only with
hours: a record of 0 hours is no training, docs/adr/0006)."""


@cache
def _columns_taking(
    category: Category | None, required: bool, online: bool
) -> tuple[SumColumn, ...]:
    return tuple(c for c in COLUMNS if c.takes_kind(category, required, online))


def column_sums(records: Iterable[Record]) -> dict[str, Decimal]:
    """The sums of records that entered the period (step 1), by column."""
    sums = dict.fromkeys(SUM_COLUMNS, ZERO)
    for record in records:
        kind = (record.category, bool(record.required), record.mode is Mode.ONLINE)
        for column in _columns_taking(*kind):
            sums[column.name] += column.amount(record)
    return sums


# --- Step 2: do the requirements use the sum? ----------------------------------------------


def _unused(reqs: Requirements, category: Category | None) -> Reason | None:
    if category is None:
        return None if reqs.credits_regime else Reason.CREDITS_NOT_USED
    if not reqs.hours_regime:
        return Reason.HOURS_NOT_USED
    return None if category in reqs.categories else Reason.CATEGORY_NOT_RECOGNISED


def column_used(column: SumColumn, reqs: Requirements | None) -> bool:
    """Whether the requirements use the column (without requirements, every column shows)."""
    return reqs is None or _unused(reqs, column.category) is None


def use_refusal(
    policy: Policy, reqs: Requirements, person: Person, record: Record
) -> Refusal | None:
    """Step 2, for one summed record: why the requirements do not use it, or None."""
    reason = _unused(reqs, record.category)
    if reason is None:
        return None
    if reason is Reason.CREDITS_NOT_USED:
        return reason, "本地区该系列按学时核查，学分不计入。", None
    if reason is Reason.HOURS_NOT_USED:
        return reason, "该系列实行学分制，学时不计入。", None
    assert record.category is not None
    categories = "、".join(c.label for c in reqs.categories)
    resolved = policy.resolve("categories", reqs.region, assessment_date(reqs.year), person)
    text = f"本地区继续教育内容为{categories}，{record.category.label}不计入。"
    return reason, text, resolved.reference if resolved else None


def refusal(policy: Policy, reqs: Requirements, person: Person, record: Record) -> Refusal | None:
    """Why ``record`` does not count towards ``reqs`` (either step), or None if it counts."""
    return entry_refusal(policy, reqs, person, record) or use_refusal(policy, reqs, person, record)


def counted(reqs: Requirements | None, sums: Mapping[str, Decimal]) -> dict[str, Decimal]:
    """The counted figures (``FIGURES`` and ``COURSES``) from the sums of step 1: the columns
    the requirements use, remote credits up to the cap."""
    used = {name: sums[name] if column_used(COLUMN[name], reqs) else ZERO for name in SUM_COLUMNS}
    if reqs is not None and reqs.remote_cap is not None:
        used[REMOTE] = min(used[REMOTE], reqs.remote_cap.value)
    figures = {str(key): sum((used[n] for n in names), ZERO) for key, names in FIGURES.items()}
    figures[COURSES] = used[COURSES]
    return figures


def trained(figures: Mapping[str, Decimal]) -> bool:
    return any(figures[name] > 0 for name in TRAINING)


__all__ = [
    "COLUMNS",
    "COUNTED",
    "COUNTED_STATES",
    "FIGURES",
    "NOT_SUMMED",
    "PENDING",
    "PENDING_STATES",
    "STATUS_OF_STATE",
    "SUM_COLUMNS",
    "Measure",
    "Refusal",
    "SumColumn",
    "category_refusal",
    "column_sums",
    "column_used",
    "counted",
    "entry_refusal",
    "makeup_refusal",
    "period_days",
    "refusal",
    "use_refusal",
]
