"""Compliance of many people for a year, set-based.

One GROUP BY in the database sums each person's approved hours by category (and counts what is
pending); the rules core then resolves the requirements once per *profile* (region, year,
series, title level, institution level) and compares them with every person's sums
(``xueshi.rules.bulk``). No query, and no evaluation, per person: an employer's list and a
bureau's statistics take the same two queries whatever their size.

The bulk evaluator needs sums of what counts. What the database cannot know is decided here
with the rules core's own answers: which credited years the period covers (a teacher's cycle
is five years) and whether learning taken after the year it is credited to may count
(make-up, asked of ``evaluate`` once per distinct case). Tests check that every figure equals
the single evaluation's (``person_year_verdict``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, DateField, F, QuerySet, Sum, Value, When
from django.db.models.functions import ExtractYear

from xueshi.choices import choices_of
from xueshi.compliance.bridge import LOOKBACK_YEARS
from xueshi.compliance.profiles import makeup_counts, profile_of, requirements_of
from xueshi.organisations.validators import mask_ric
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules import (
    Category,
    Requirements,
    TitleLevel,
    evaluate_bulk,
)
from xueshi.rules.counting import SUM_COLUMNS
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.verdict import KEY_LABELS, UNIT_LABELS, Key, fmt
from xueshi.rules.workflow import RecordState

PENDING = (RecordState.IN_REVIEW, RecordState.RETURNED)
# The order requirements are listed in (rules.evaluate.requirements).
SHORTFALL_ORDER = (
    Key.PUBLIC,
    Key.PUBLIC_REQUIRED,
    Key.PROFESSIONAL,
    Key.ELECTIVE,
    Key.TOTAL,
    Key.CREDITS,
)
TITLE_LABELS = dict(choices_of(TitleLevel))


@dataclass(frozen=True)
class Shortfall:
    key: str
    label: str
    amount: Decimal
    unit: str

    def __str__(self) -> str:
        return f"{self.label} {fmt(self.amount)} {self.unit}"


@dataclass(frozen=True)
class PersonCompliance:
    """One person's standing for a year, from the bulk evaluation."""

    id: int
    full_name: str
    masked_id: str
    series: str
    title_level: str
    region_id: str
    employer_id: int | None
    employer_name: str
    determined: bool  # False: no requirement is in force for this person
    compliant: bool
    years: tuple[int, ...]
    counted: dict[str, Decimal]
    shortfall: tuple[Shortfall, ...]
    pending: int

    @property
    def series_label(self) -> str:
        return SERIES_LABELS.get(self.series, self.series or "—")

    @property
    def title_label(self) -> str:
        return TITLE_LABELS.get(self.title_level, self.title_level or "—")

    @property
    def status_label(self) -> str:
        if not self.determined:
            return "无要求"
        return "已达标" if self.compliant else "未达标"

    @property
    def shortfall_text(self) -> str:
        return "；".join(str(s) for s in self.shortfall)

    @property
    def period(self) -> str:
        if len(self.years) > 1:
            return f"{self.years[0]}–{self.years[-1]}"
        return str(self.years[0]) if self.years else ""


@dataclass
class _Sums:
    """Hundredths of an hour or credit, as the bulk evaluator takes them."""

    columns: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SUM_COLUMNS, 0))
    pending: int = 0


def _centi(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


def _record_groups(people: QuerySet[Professional], year: int) -> QuerySet[Any]:
    """One row per person, status, credited year, category, required, mode and year taken
    (and, for learning taken after its credited year, the date: make-up is judged by it)."""
    return (
        HourRecord.objects.filter(
            professional__in=people.values("pk"),
            credited_year__gt=year - LOOKBACK_YEARS,
            credited_year__lte=year,
            status__in=[RecordState.APPROVED, *PENDING],
        )
        .annotate(
            taken_year=ExtractYear("end_date"),
            makeup_on=Case(
                When(end_date__year__gt=F("credited_year"), then=F("end_date")),
                default=Value(None),
                output_field=DateField(),
            ),
        )
        .values(
            "professional_id",
            "status",
            "credited_year",
            "category",
            "required",
            "mode",
            "taken_year",
            "makeup_on",
        )
        .annotate(hours_sum=Sum("hours"), credits_sum=Sum("credits"), records=Count("id"))
        .order_by()
    )


def compliance_of(people: QuerySet[Professional], year: int) -> list[PersonCompliance]:
    """The standing of every person in ``people`` for ``year`` (or the cycle ending in it),
    in name order."""
    policy = current_policy()
    resolve = requirements_of(policy)
    late_counts = makeup_counts(policy)
    persons = list(
        people.order_by("full_name", "id").values_list(
            "id",
            "full_name",
            "id_number",
            "series",
            "title_level",
            "institution_level",
            "region_id",
            "employer_id",
            "employer__name",
        )
    )
    if not persons:
        return []
    profile_by_id = {p[0]: profile_of(p[6], year, p[3], p[4], p[5]) for p in persons}
    sums = {p[0]: _Sums() for p in persons}

    for group in _record_groups(people, year):
        person_id = group["professional_id"]
        if person_id not in profile_by_id:
            continue
        profile = profile_by_id[person_id]
        reqs = resolve(profile)
        years = reqs.years if reqs else (year,)
        if group["credited_year"] not in years:
            continue
        total = sums[person_id]
        if group["status"] != RecordState.APPROVED:
            total.pending += group["records"]
            continue
        taken = group["taken_year"]
        if reqs is not None and taken not in years:
            if taken < years[0]:
                continue  # learning taken before the period it is credited to
            if not late_counts(profile, group["credited_year"], group["makeup_on"]):
                continue
        columns = total.columns
        category = group["category"]
        if not category:
            column = "credits_remote" if group["mode"] == "online" else "credits_face"
            columns[column] += _centi(group["credits_sum"])
            continue
        columns[category] += _centi(group["hours_sum"])
        if category == Category.PUBLIC and group["required"]:
            columns["public_required"] += _centi(group["hours_sum"])
            columns["public_required_courses"] += group["records"]

    # A region the policy does not know (not mirrored from it) has no requirement to test.
    known = [p for p in persons if p[6] in policy.regions]
    profiles = list(dict.fromkeys(profile_by_id[p[0]] for p in known))
    number = {profile: i for i, profile in enumerate(profiles)}
    index = [number[profile_by_id[p[0]]] for p in known]
    column_values = {name: [sums[p[0]].columns[name] for p in known] for name in SUM_COLUMNS}
    result = evaluate_bulk(policy, profiles, index, column_values)
    row_of = {p[0]: row for row, p in enumerate(known)}

    out = []
    for p in persons:
        row = row_of.get(p[0])
        reqs = None if row is None else result.requirements[index[row]]
        out.append(
            PersonCompliance(
                id=p[0],
                full_name=p[1],
                masked_id=mask_ric(p[2]),
                series=p[3],
                title_level=p[4],
                region_id=p[6],
                employer_id=p[7],
                employer_name=p[8] or "",
                determined=row is not None and bool(result.determined[row]),
                compliant=row is not None and bool(result.compliant[row]),
                years=reqs.years if reqs else (year,),
                counted=counted_figures(reqs, sums[p[0]].columns),
                shortfall=() if row is None else shortfall_items(reqs, result.row_shortfall(row)),
                pending=sums[p[0]].pending,
            )
        )
    return out


def counted_figures(reqs: Requirements | None, sums: dict[str, int]) -> dict[str, Decimal]:
    """What counted, by category, as the single evaluation counts it."""

    def hours(name: str) -> Decimal:
        return Decimal(sums[name]) / 100

    counted = {c.value: Decimal(0) for c in Category}
    counted["credits"] = Decimal(0)
    if reqs is None:
        for category in Category:
            counted[category.value] = hours(category.value)
        counted["total"] = sum((counted[c.value] for c in Category), Decimal(0))
        counted["credits"] = hours("credits_face") + hours("credits_remote")
        return counted
    if reqs.hours_regime:
        for category in reqs.categories:
            counted[category.value] = hours(category.value)
    counted["total"] = sum((counted[c.value] for c in Category), Decimal(0))
    if reqs.credits_regime:
        remote = hours("credits_remote")
        if reqs.remote_cap is not None:
            remote = min(remote, reqs.remote_cap.value)
        counted["credits"] = hours("credits_face") + remote
    return counted


def shortfall_items(
    reqs: Requirements | None, amounts: dict[str, Decimal]
) -> tuple[Shortfall, ...]:
    if reqs is None:
        return ()
    items = []
    for key in SHORTFALL_ORDER:
        amount = amounts.get(str(key))
        if not amount:
            continue
        figure = reqs.figure(key)
        if key is Key.PUBLIC_REQUIRED and reqs.public_required_courses is not None:
            figure = reqs.public_required_courses
        label = figure.title if figure else KEY_LABELS[key]
        unit = UNIT_LABELS.get(figure.unit, figure.unit) if figure else "学时"
        items.append(Shortfall(str(key), label, amount, unit))
    return tuple(items)


# --- Tallies: compliance rate by unit, series, title level ------------------------------------


@dataclass
class Tally:
    key: str
    label: str
    people: int = 0
    determined: int = 0
    compliant: int = 0

    @property
    def not_compliant(self) -> int:
        return self.determined - self.compliant

    @property
    def rate(self) -> str:
        """The compliance rate among those a requirement applies to, as a percentage."""
        if not self.determined:
            return "—"
        return f"{self.compliant * 100 / self.determined:.1f}%"


def tally(
    rows: Iterable[PersonCompliance], key: Callable[[PersonCompliance], tuple[str, str]]
) -> list[Tally]:
    """Counts by ``key`` (which gives a key and its label), largest group first."""
    groups: dict[str, Tally] = {}
    for row in rows:
        k, label = key(row)
        group = groups.setdefault(k, Tally(k, label))
        group.people += 1
        group.determined += int(row.determined)
        group.compliant += int(row.determined and row.compliant)
    return sorted(groups.values(), key=lambda t: (-t.people, t.label))


def overall(rows: Iterable[PersonCompliance]) -> Tally:
    total = Tally("all", "合计")
    for row in rows:
        total.people += 1
        total.determined += int(row.determined)
        total.compliant += int(row.determined and row.compliant)
    return total
