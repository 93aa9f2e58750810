"""Reads of the ledger: a bureau's dashboard and the people behind a drill-down, from SQL
aggregates over the ledger alone (no record is read, no rule evaluated per person).

The dashboard is one GROUP BY (region, series, title level, verdict) over a year's rows in
the regions under the bureau's, answered from the covering index ``ledger_dashboard_idx``;
the tallies by child region, series and title level and the total are folded from its few
hundred groups. The tally by unit (the page's) is a second GROUP BY.

A year's figures are as current as the policy they were computed under: ``stale_years`` says
which open years were last rebuilt under another policy version than the one in force (and
whether a rebuild is queued), and every page that shows ledger figures says so with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from django.db.models import Count, Q, QuerySet

from xueshi.compliance.live import TITLE_LABELS, PersonCompliance, Tally, standing
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.organisations.models import Employer, Region
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
class StaleLedgerYear:
    """An open year of the ledger not computed under the policy in force: its last rebuild
    ran under another version (``built_under``), or (``rows``) some of its rows did."""

    year: int
    built_under: str  # the policy version of the year's last rebuild
    in_force: str  # ``current_policy().version``
    rebuild_job: int | None = None  # the ledger_rebuild job queued or running for ``in_force``
    rebuild_running: bool = False
    rows: tuple[tuple[str, int], ...] = ()  # (region code, rows under another version)

    @property
    def notice(self) -> str:
        """What a page (or an export) says beside the year's figures."""
        if self.built_under != self.in_force:
            computed = f"本年度台账按旧版政策（版本 {self.built_under}）计算"
        else:
            computed = f"本年度台账有 {sum(n for _, n in self.rows)} 行按旧版政策计算"
        if self.rebuild_job is None:
            action = "尚未重建（请系统管理员运行 xueshi policy sync）"
        elif self.rebuild_running:
            action = f"正在重建（任务 {self.rebuild_job}）"
        else:
            action = f"已排队重建（任务 {self.rebuild_job}）"
        return f"{computed}，{action}；当前数字可能与现行政策（版本 {self.in_force}）不符。"


def rebuild_job_active(year: int, policy_version: str) -> Job | None:
    """The ledger rebuild of ``year`` under ``policy_version`` that is queued or running."""
    return (
        Job.objects.filter(
            kind=JobKind.LEDGER_REBUILD,
            year=year,
            status__in=(JobStatus.QUEUED, JobStatus.RUNNING),
            params__policy_version=policy_version,
        )
        .order_by("created_at", "pk")
        .first()
    )


def _rows_behind(year: int, in_force: str) -> tuple[tuple[str, int], ...]:
    groups = (
        PersonYear.objects.filter(year=year)
        .exclude(policy_version=in_force)
        .values_list("region_id")
        .annotate(rows=Count("*"))
        .order_by("region_id")
    )
    return tuple((str(code), int(rows)) for code, rows in groups)


def _stale(year: int, built_under: str, in_force: str, *, rows: bool) -> StaleLedgerYear | None:
    behind = _rows_behind(year, in_force) if rows else ()
    if built_under == in_force and not behind:
        return None
    job = rebuild_job_active(year, in_force)
    return StaleLedgerYear(
        year=year,
        built_under=built_under,
        in_force=in_force,
        rebuild_job=job.pk if job else None,
        rebuild_running=job is not None and job.status == JobStatus.RUNNING,
        rows=behind,
    )


def stale_years(years: Iterable[int] | None = None, *, rows: bool = False) -> list[StaleLedgerYear]:
    """The open years (among ``years``; all if None) whose last rebuild ran under another
    policy version than the one in force, oldest first: one query on the open years, one
    per stale year for its rebuild job.

    ``rows`` also reads every row of each open year (a scan: for ``xueshi policy sync``, not
    for a page) and reports a year whose rows were written under another version even if
    its last rebuild was not — a process still running the old policy during a rolling
    restart refreshes rows with it."""
    in_force = current_policy().version
    open_rows = LedgerYear.objects.order_by("year")
    if years is not None:
        open_rows = open_rows.filter(year__in=list(years))
    found = []
    for year, built_under in open_rows.values_list("year", "policy_version"):
        stale = _stale(year, built_under, in_force, rows=rows)
        if stale is not None:
            found.append(stale)
    return found


def year_stale(year: int) -> StaleLedgerYear | None:
    """``stale_years`` of one year: None if it is not open or was built under the policy in
    force."""
    found = stale_years([year])
    return found[0] if found else None


Rows = TypeVar("Rows", Professional, PersonYear)


@dataclass(frozen=True)
class LedgerFilters:
    """What narrows the people counted (the page's filters, by their codes)."""

    series: str = ""
    title_level: str = ""
    employer: int | None = None
    q: str = ""
    status: str = ""  # compliant | not_compliant | undetermined (the list only)

    def apply(self, rows: QuerySet[Rows], *, name: str) -> QuerySet[Rows]:
        """``rows`` narrowed: professionals, or ledger rows (both carry series, title level
        and employer); ``name`` is the lookup of the person's name from them."""
        if self.series:
            rows = rows.filter(series=self.series)
        if self.title_level:
            rows = rows.filter(title_level=self.title_level)
        if self.employer:
            rows = rows.filter(employer_id=self.employer)
        if self.q:
            rows = rows.filter(**{f"{name}__icontains": self.q})
        return rows


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
    policy_version: str = ""  # the version of the year's last rebuild
    stale: StaleLedgerYear | None = None  # computed under another policy than the one in force


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
    return filters.apply(rows, name="professional__full_name")


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
    updated, built_under = LedgerYear.objects.filter(year=year).values_list(
        "rebuilt_at", "policy_version"
    ).first() or (None, "")
    return Dashboard(
        region=region,
        year=year,
        summary=summary,
        by_region=_ordered(by_region),
        by_series=_ordered(by_series),
        by_title=_ordered(by_title),
        by_unit=_ordered(by_unit),
        updated_at=updated,
        policy_version=built_under,
        stale=_stale(year, built_under, current_policy().version, rows=False) if updated else None,
    )


_STATUS: dict[str, Q] = {
    "compliant": Q(compliant=True),
    "not_compliant": Q(compliant=False),
    "undetermined": Q(compliant__isnull=True),
}


class LedgerPeople(Sequence[PersonCompliance]):
    """The people behind a drill-down, read a page at a time: a slice is one query for its
    rows (in name order, ties by id: ``LIMIT``/``OFFSET`` over a total order, so no person is
    lost or repeated across pages) and their standing is laid out for those rows alone; the
    count comes from the ledger's tallies when the caller has them (``count``), else one
    ``COUNT``. Iterating reads the rows in chunks (an export), never the whole list at once.
    """

    CHUNK = 2000

    def __init__(self, rows: QuerySet[PersonYear], *, count: int | None = None) -> None:
        self._rows = rows.select_related("professional", "employer").order_by(
            "professional__full_name", "professional_id"
        )
        self._count = count

    def __len__(self) -> int:  # what Paginator reads (``Sequence.count`` takes a value)
        if self._count is None:
            self._count = self._rows.count()
        return self._count

    @overload
    def __getitem__(self, index: int) -> PersonCompliance: ...

    @overload
    def __getitem__(self, index: slice) -> list[PersonCompliance]: ...

    def __getitem__(self, index: int | slice) -> PersonCompliance | list[PersonCompliance]:
        if isinstance(index, slice):
            if index.step not in (None, 1):
                raise ValueError("LedgerPeople is sliced in steps of 1")
            start, stop, _ = index.indices(len(self))
            if stop <= start:
                return []
            return [_standing_of(row) for row in self._rows[start:stop]]
        position = index + len(self) if index < 0 else index
        found = self[position : position + 1]
        if not found:
            raise IndexError(index)
        return found[0]

    def __iter__(self) -> Iterator[PersonCompliance]:
        for row in self._rows.iterator(chunk_size=self.CHUNK):
            yield _standing_of(row)


def ledger_people(
    region: Region,
    year: int,
    filters: LedgerFilters | None = None,
    *,
    tally: Tally | None = None,
) -> LedgerPeople:
    """The people behind a drill-down, in name order, with their standing from the ledger
    (the same figures ``compliance_of`` computes: a test checks it). ``tally`` is the
    dashboard's total for the same rows without the status filter: the count is read from
    it instead of counted again."""
    filters = filters or LedgerFilters()
    codes = [r.code for r in _regions_under(region)]
    rows = _rows(year, filters, codes)
    if filters.status in _STATUS:
        rows = rows.filter(_STATUS[filters.status])
    return LedgerPeople(rows, count=status_count(tally, filters.status) if tally else None)


def status_count(tally: Tally, status: str) -> int:
    """How many of a tally's people a status filter keeps."""
    match status:
        case "compliant":
            return tally.compliant
        case "not_compliant":
            return tally.not_compliant
        case "undetermined":
            return tally.people - tally.determined
    return tally.people


def ledger_people_of(
    people: QuerySet[Professional], year: int, status: str = "", *, tally: Tally | None = None
) -> LedgerPeople:
    """``people``'s standing for ``year`` from the ledger, in name order (``status``
    narrows it as ``ledger_people`` does; ``tally``, their total, gives the count)."""
    rows = PersonYear.objects.filter(year=year, professional__in=people.values("pk"))
    if status in _STATUS:
        rows = rows.filter(_STATUS[status])
    return LedgerPeople(rows, count=status_count(tally, status) if tally else None)


def ledger_tally(people: QuerySet[Professional], year: int) -> Tally:
    """The total of ``people`` for ``year`` from the ledger: one GROUP BY on the verdict."""
    total = Tally("all", "合计")
    groups = (
        PersonYear.objects.filter(year=year, professional__in=people.values("pk"))
        .values("compliant")
        .annotate(people=Count("*"))
        .order_by()
    )
    for group in groups:
        _add({"all": total}, "all", "合计", group)
    return total


def _standing_of(row: PersonYear) -> PersonCompliance:
    return standing(
        row,
        full_name=row.professional.full_name,
        masked_id=row.professional.id_number_masked,
        employer_name=row.employer.name if row.employer else "",
    )
