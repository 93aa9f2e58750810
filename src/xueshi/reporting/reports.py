"""The compliance reports of an employer and of a bureau, scoped by the active role.

An employer sees its own staff; a bureau its region and every region below (never a sibling).
The scope comes from ``xueshi.accounts.scope``; the figures from ``compliance.compliance_of``,
or, for a year the ledger holds (``xueshi.compliance``), from the ledger's rows: the same
figures (a test checks it), kept current by every review, without reading a record. A report
read from a ledger year built under an older policy carries ``stale`` and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Max, QuerySet

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.compliance.ledger_selectors import LedgerFilters, StaleLedgerYear, year_stale
from xueshi.compliance.live import PersonCompliance, Tally
from xueshi.compliance.selectors import region_standing, staff_standing
from xueshi.organisations.models import Employer, Region
from xueshi.people.models import Professional
from xueshi.people.selectors import professionals_visible
from xueshi.records.models import HourRecord
from xueshi.reporting.forms import BureauFilterForm, Filters
from xueshi.rules.workflow import RecordState


def latest_year(people: QuerySet[Professional]) -> int:
    """The latest credited year with records among ``people`` up to the current year (the
    demo's at 2014 opens on 2014, not on its 2020 records), else the latest of any year,
    else the current year."""
    records = HourRecord.objects.filter(professional__in=people.values("pk")).exclude(
        status=RecordState.DRAFT
    )
    now = clock.year()
    latest = records.filter(credited_year__lte=now).aggregate(latest=Max("credited_year"))
    if latest["latest"]:
        return int(latest["latest"])
    later = records.aggregate(latest=Max("credited_year"))["latest"]
    return int(later) if later else now


def _filters(filters: Filters) -> LedgerFilters:
    return LedgerFilters(
        series=filters.series,
        title_level=filters.title_level,
        employer=filters.employer,
        q=filters.q,
        status=filters.status,
    )


@dataclass
class EmployerReport:
    employer: Employer
    year: int
    summary: Tally
    rows: Sequence[PersonCompliance]  # read a page at a time where the ledger holds the year
    stale: StaleLedgerYear | None = None  # read from a ledger built under an older policy


def employer_report(active: ActiveRole, filters: Filters) -> EmployerReport:
    """The employer's current staff for the year: standing, counted hours, shortfall."""
    employer = active.assignment.employer
    assert employer is not None, "an employer role is held in an employer"
    people = professionals_visible(active)
    year = filters.year or latest_year(people)
    summary, rows = staff_standing(
        _filters(filters).apply(people, name="full_name"), year, filters.status
    )
    return EmployerReport(
        employer=employer,
        year=year,
        summary=summary,
        rows=rows,
        stale=year_stale(year),
    )


def bureau_regions(active: ActiveRole) -> list[Region]:
    """The bureau's region and every region below it."""
    region = active.assignment.region
    assert region is not None, "a bureau role is held in a region"
    return list(Region.objects.filter(path__startswith=region.path).order_by("path"))


def bureau_filter_form(active: ActiveRole, data: Any) -> BureauFilterForm:
    """达标统计's filters, the region among the bureau's own and those below it."""
    regions = bureau_regions(active)
    top = len(regions[0].path) if regions else 0
    choices = [
        (r.code, "　" * ((len(r.path) - top) // 7) + f"{r.name}（{r.code}）") for r in regions
    ]
    return BureauFilterForm(data, regions=choices)


@dataclass
class BureauReport:
    region: Region
    year: int
    summary: Tally
    by_unit: list[Tally]
    by_series: list[Tally]
    by_title: list[Tally]
    by_region: list[Tally]  # by the regions directly below (and the region itself)
    employer: Employer | None = None
    subregions: bool = False  # the region has regions below it (show the tally by region)
    drilled: bool = False
    rows: Sequence[PersonCompliance] = field(default_factory=list)
    from_ledger: bool = False  # read from the ledger (else evaluated now)
    ledger_rebuilt_at: dt.datetime | None = None
    stale: StaleLedgerYear | None = None  # read from a ledger built under an older policy


def bureau_report(active: ActiveRole, filters: Filters) -> BureauReport:
    """Compliance for the bureau's region (or a region below it): by unit, series, title
    level and region, and the people behind a drill-down."""
    regions = bureau_regions(active)
    by_code = {r.code: r for r in regions}
    region = by_code.get(filters.region) or regions[0]
    people = professionals_visible(active).filter(region__path__startswith=region.path)
    year = filters.year or latest_year(people)
    employer = None
    if filters.employer:
        employer = Employer.objects.filter(
            pk=filters.employer, region__path__startswith=region.path
        ).first()
    drilled = bool(filters.employer or filters.series or filters.title_level or filters.q)
    drilled = drilled or bool(filters.status)
    subregions = any(r.path != region.path and r.path.startswith(region.path) for r in regions)
    narrow = _filters(filters)
    standing = region_standing(
        region,
        year,
        regions=regions,
        people=narrow.apply(people, name="full_name"),
        filters=narrow,
        drilled=drilled,
    )
    return BureauReport(
        region=region,
        year=year,
        summary=standing.summary,
        by_unit=standing.by_unit,
        by_series=standing.by_series,
        by_title=standing.by_title,
        by_region=standing.by_region,
        employer=employer,
        subregions=subregions,
        drilled=drilled,
        rows=standing.rows,
        from_ledger=standing.from_ledger,
        ledger_rebuilt_at=standing.ledger_rebuilt_at,
        stale=standing.stale,
    )
