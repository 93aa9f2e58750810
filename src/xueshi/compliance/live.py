"""Compliance of many people for a year, set-based, where the ledger is not read: an
employer's list, and a bureau's statistics for a year the ledger does not hold.

The figures are the ledger's (``xueshi.compliance.compute.year_rows``: what counts is
``xueshi.rules.counting``'s, summed in SQL and judged by ``evaluate_bulk`` once per profile),
computed for the people asked for and not written. ``standing`` lays out a row's figures —
a stored ledger row's, or one just computed — for the pages; tests check that every figure
equals the single evaluation's (``person_year_verdict``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet

from xueshi.choices import choices_of
from xueshi.compliance.compute import PEOPLE_CHUNK, ROW_FIELDS, now, year_rows
from xueshi.compliance.models import PersonYear, decimal_sums
from xueshi.compliance.profiles import profile_of, requirements_of
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.rules import Requirements, TitleLevel, counting
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.verdict import KEY_LABELS, UNIT_LABELS, Key, fmt

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


def compliance_of(people: QuerySet[Professional], year: int) -> list[PersonCompliance]:
    """The standing of every person in ``people`` for ``year`` (or the cycle ending in it),
    in name order: the ledger's rows computed for them (``compute.year_rows``), not written."""
    policy = current_policy()
    persons = list(
        people.order_by("full_name", "id").values_list(
            "id", "full_name", "id_number_masked", "employer__name"
        )
    )
    if not persons:
        return []
    ids = [p[0] for p in persons]
    # A few thousand people by their ids (the index finds their records); more in one
    # statement that selects them.
    if len(ids) <= PEOPLE_CHUNK:
        computed = year_rows(policy, year, now(), ids)
    else:
        computed = year_rows(policy, year, now(), people=people)
    rows = {row[0]: row for row in computed}
    return [
        standing(
            PersonYear(**dict(zip(ROW_FIELDS, rows[pk], strict=True))),
            full_name=full_name,
            masked_id=masked_id,
            employer_name=employer_name or "",
        )
        for pk, full_name, masked_id, employer_name in persons
    ]


def standing(
    row: PersonYear, *, full_name: str, masked_id: str, employer_name: str
) -> PersonCompliance:
    """A person's standing from a ledger row (a stored row, or one just computed)."""
    reqs = requirements_of(current_policy())(
        profile_of(row.region_id, row.year, row.series, row.title_level, row.institution_level)
    )
    determined = row.compliant is not None
    return PersonCompliance(
        id=row.professional_id,
        full_name=full_name,
        masked_id=masked_id,
        series=row.series,
        title_level=row.title_level,
        region_id=row.region_id,
        employer_id=row.employer_id,
        employer_name=employer_name,
        determined=determined,
        compliant=bool(row.compliant),
        years=reqs.years if reqs else (row.year,),
        counted=counted_figures(reqs, row.sums),
        shortfall=shortfall_items(reqs, row.shortfall) if determined else (),
        pending=row.pending,
    )


def counted_figures(reqs: Requirements | None, sums: Mapping[str, int]) -> dict[str, Decimal]:
    """What counted, by figure, from the bulk path's integer sums (``counting.counted``)."""
    return counting.counted(reqs, decimal_sums(sums))


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
