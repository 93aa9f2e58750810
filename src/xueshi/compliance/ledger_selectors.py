"""Reads of the ledger: a bureau's dashboard and the people behind a drill-down, from SQL
aggregates over the ledger alone (no record is read, no rule evaluated per person).

The dashboard is one GROUP BY (region, series, title level, verdict) over a year's rows in
the regions under the bureau's, answered from the covering index ``ledger_dashboard_idx``;
the tallies by child region, series and title level and the total are folded from its few
hundred groups. The tally by unit (the page's) is a second GROUP BY.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from xueshi.compliance.live import (
    TITLE_LABELS,
    PersonCompliance,
    Tally,
    counted_figures,
    shortfall_items,
)
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.profiles import profile_of, requirements_of
from xueshi.organisations.models import Employer, Region
from xueshi.organisations.validators import mask_ric
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.rules.terms import SERIES_LABELS

NO_EMPLOYER = "（未登记工作单位）"


def year_is_open(year: int) -> bool:
    """Whether the ledger holds this year (every professional has a row, kept current)."""
    return LedgerYear.objects.filter(year=year).exists()


def open_years() -> list[int]:
    return list(LedgerYear.objects.order_by("-year").values_list("year", flat=True))


@dataclass(frozen=True)
class LedgerFilters:
    """What narrows the people counted (the page's filters, by their codes)."""

    series: str = ""
    title_level: str = ""
    employer: int | None = None
    q: str = ""
    status: str = ""  # compliant | not_compliant | undetermined (the list only)


@dataclass
class Dashboard:
    region: Region
    year: int
    summary: Tally
    by_region: list[Tally]  # the regions directly below (and the region itself, if people)
    by_series: list[Tally]
    by_title: list[Tally]
    by_unit: list[Tally]
    updated_at: dt.datetime | None


def _regions_under(region: Region) -> list[Region]:
    return list(Region.objects.filter(path__startswith=region.path).order_by("path"))


def _child_of(region: Region, regions: list[Region]) -> dict[str, Region]:
    """Each region under ``region`` → the region directly below ``region`` that holds it
    (``region`` itself for itself)."""
    by_code = {r.code: r for r in regions}
    child = {}
    depth = len(region.path)
    for r in regions:
        head = r.path[depth:].split("/", 1)[0]
        child[r.code] = by_code.get(head, region) if head else region
    return child


def _rows(year: int, filters: LedgerFilters, codes: list[str]) -> QuerySet[PersonYear]:
    rows = PersonYear.objects.filter(year=year, region_id__in=codes)
    if filters.series:
        rows = rows.filter(series=filters.series)
    if filters.title_level:
        rows = rows.filter(title_level=filters.title_level)
    if filters.employer:
        rows = rows.filter(employer_id=filters.employer)
    if filters.q:
        rows = rows.filter(professional__full_name__icontains=filters.q)
    return rows


def _add(tallies: dict[str, Tally], key: str, label: str, group: dict[str, Any]) -> None:
    """Add a group of rows (one verdict: compliant True, False or None) to a tally."""
    tally = tallies.get(key)
    if tally is None:
        tally = tallies[key] = Tally(key, label)
    tally.people += group["people"]
    if group["compliant"] is not None:
        tally.determined += group["people"]
        tally.compliant += group["people"] if group["compliant"] else 0


def _ordered(tallies: dict[str, Tally]) -> list[Tally]:
    return sorted(tallies.values(), key=lambda t: (-t.people, t.label))


def dashboard(
    region: Region,
    year: int,
    *,
    filters: LedgerFilters | None = None,
    units: bool = False,
) -> Dashboard:
    """Compliance of the people in ``region`` and below for ``year``: total, by child
    region, series and title level (and by unit if asked), from the ledger."""
    filters = filters or LedgerFilters()
    regions = _regions_under(region)
    child = _child_of(region, regions)
    rows = _rows(year, filters, [r.code for r in regions])
    # One count per group and verdict: the GROUP BY follows the index's order.
    groups = (
        rows.values("region_id", "series", "title_level", "compliant")
        .annotate(people=Count("*"))
        .order_by()
    )
    summary = Tally("all", "合计")
    by_region: dict[str, Tally] = {}
    by_series: dict[str, Tally] = {}
    by_title: dict[str, Tally] = {}
    for group in groups:
        _add({"all": summary}, "all", "合计", group)
        place = child[group["region_id"]]
        _add(by_region, place.code, place.name, group)
        series = group["series"]
        _add(by_series, series, SERIES_LABELS.get(series, series or "—"), group)
        title = group["title_level"]
        _add(by_title, title, TITLE_LABELS.get(title, title or "—"), group)
    by_unit: dict[str, Tally] = {}
    if units:
        unit_groups = list(
            rows.values("employer_id", "compliant").annotate(people=Count("*")).order_by()
        )
        names = dict(
            Employer.objects.filter(
                pk__in=[g["employer_id"] for g in unit_groups if g["employer_id"]]
            ).values_list("pk", "name")
        )
        for group in unit_groups:
            employer_id = group["employer_id"]
            label = names.get(employer_id, NO_EMPLOYER) if employer_id else NO_EMPLOYER
            _add(by_unit, str(employer_id or ""), label, group)
    updated = LedgerYear.objects.filter(year=year).values_list("rebuilt_at", flat=True).first()
    return Dashboard(
        region=region,
        year=year,
        summary=summary,
        by_region=_ordered(by_region),
        by_series=_ordered(by_series),
        by_title=_ordered(by_title),
        by_unit=_ordered(by_unit),
        updated_at=updated,
    )


_STATUS: dict[str, Q] = {
    "compliant": Q(compliant=True),
    "not_compliant": Q(compliant=False),
    "undetermined": Q(compliant__isnull=True),
}


def ledger_people(
    region: Region, year: int, filters: LedgerFilters | None = None
) -> list[PersonCompliance]:
    """The people behind a drill-down, in name order, with their standing from the ledger
    (the same figures ``compliance_of`` computes: a test checks it)."""
    filters = filters or LedgerFilters()
    codes = [r.code for r in _regions_under(region)]
    rows = _rows(year, filters, codes)
    if filters.status in _STATUS:
        rows = rows.filter(_STATUS[filters.status])
    return _people(rows, year)


def ledger_people_of(people: QuerySet[Professional], year: int) -> list[PersonCompliance]:
    """``people``'s standing for ``year`` from the ledger, in name order."""
    return _people(PersonYear.objects.filter(year=year, professional__in=people.values("pk")), year)


def _people(rows: QuerySet[PersonYear], year: int) -> list[PersonCompliance]:
    rows = rows.select_related("professional", "employer").order_by(
        "professional__full_name", "professional_id"
    )
    resolve = requirements_of(current_policy())
    out = []
    for row in rows:
        profile = profile_of(
            row.region_id, year, row.series, row.title_level, row.institution_level
        )
        reqs = resolve(profile)
        determined = row.compliant is not None
        amounts: dict[str, Decimal] = row.shortfall
        out.append(
            PersonCompliance(
                id=row.professional_id,
                full_name=row.professional.full_name,
                masked_id=mask_ric(row.professional.id_number),
                series=row.series,
                title_level=row.title_level,
                region_id=row.region_id,
                employer_id=row.employer_id,
                employer_name=row.employer.name if row.employer else "",
                determined=determined,
                compliant=bool(row.compliant),
                years=reqs.years if reqs else (year,),
                counted=counted_figures(reqs, row.sums),
                shortfall=shortfall_items(reqs, amounts) if determined else (),
                pending=row.pending,
            )
        )
    return out
