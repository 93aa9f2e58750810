"""Where people stand, for the reports: read from the ledger where the year is open, else
evaluated now (``compliance_of``, the ledger-less fallback). The caller never chooses: the
same function answers either way, and says which (``from_ledger``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import QuerySet

from xueshi.compliance.ledger_selectors import (
    NO_EMPLOYER,
    LedgerFilters,
    StaleLedgerYear,
    dashboard,
    ledger_people,
    ledger_people_of,
    ledger_tally,
    year_is_open,
)
from xueshi.compliance.live import PersonCompliance, Tally, compliance_of, overall, tally
from xueshi.organisations.models import Region
from xueshi.people.models import Professional


def people_standing(people: QuerySet[Professional], year: int) -> Sequence[PersonCompliance]:
    """The standing of every person in ``people`` for ``year``, in name order. Where it is
    read from a ledger computed under an older policy, ``year_stale(year)`` says so."""
    if year_is_open(year):
        return ledger_people_of(people, year)
    return compliance_of(people, year)


def staff_standing(
    people: QuerySet[Professional], year: int, status: str = ""
) -> tuple[Tally, Sequence[PersonCompliance]]:
    """The total of ``people`` for ``year`` and, narrowed by ``status``, the people in name
    order. From the ledger (an open year) the total is one GROUP BY and the people are read
    a page at a time (``LedgerPeople``); else everyone is evaluated now."""
    if year_is_open(year):
        total = ledger_tally(people, year)
        return total, ledger_people_of(people, year, status, tally=total)
    rows = compliance_of(people, year)
    return overall(rows), by_status(rows, status)


def by_status(rows: list[PersonCompliance], status: str) -> list[PersonCompliance]:
    match status:
        case "compliant":
            return [r for r in rows if r.determined and r.compliant]
        case "not_compliant":
            return [r for r in rows if r.determined and not r.compliant]
        case "undetermined":
            return [r for r in rows if not r.determined]
    return rows


@dataclass
class RegionStanding:
    summary: Tally
    by_unit: list[Tally]
    by_series: list[Tally]
    by_title: list[Tally]
    by_region: list[Tally]  # by the regions directly below (and the region itself)
    rows: Sequence[PersonCompliance] = field(default_factory=list)  # a drill-down's people
    from_ledger: bool = False  # read from the ledger (else evaluated now)
    ledger_rebuilt_at: dt.datetime | None = None
    stale: StaleLedgerYear | None = None  # the ledger's figures predate the policy in force


def region_standing(
    region: Region,
    year: int,
    *,
    regions: list[Region],
    people: QuerySet[Professional],
    filters: LedgerFilters,
    drilled: bool,
) -> RegionStanding:
    """A region's standing for ``year``: tallies by unit, series, title level and the regions
    below, and (``drilled``) the people behind them. ``people`` are the region's people
    narrowed by ``filters`` (what the ledger reads through ``filters``), ``regions`` the
    region and every region below it."""
    if year_is_open(year):
        board = dashboard(region, year, filters=filters, units=True)
        return RegionStanding(
            summary=board.summary,
            by_unit=board.by_unit,
            by_series=board.by_series,
            by_title=board.by_title,
            by_region=board.by_region,
            rows=ledger_people(region, year, filters, tally=board.summary) if drilled else [],
            from_ledger=True,
            ledger_rebuilt_at=board.updated_at,
            stale=board.stale,
        )
    rows = compliance_of(people, year)
    child = _child_regions(region, regions)

    def place(row: PersonCompliance) -> tuple[str, str]:
        found = child.get(row.region_id)
        return (found.code, found.name) if found else (row.region_id, row.region_id)

    return RegionStanding(
        summary=overall(rows),
        by_unit=tally(rows, lambda r: (str(r.employer_id or ""), r.employer_name or NO_EMPLOYER)),
        by_series=tally(rows, lambda r: (r.series, r.series_label)),
        by_title=tally(rows, lambda r: (r.title_level, r.title_label)),
        by_region=tally(rows, place),
        rows=by_status(rows, filters.status) if drilled else [],
    )


def _child_regions(region: Region, regions: list[Region]) -> dict[str, Region]:
    """Each region under ``region`` → the one directly below ``region`` that holds it."""
    by_code = {r.code: r for r in regions}
    depth = len(region.path)
    child = {}
    for r in regions:
        if r.path.startswith(region.path):
            head = r.path[depth:].split("/", 1)[0]
            child[r.code] = by_code.get(head, region) if head else region
    return child
