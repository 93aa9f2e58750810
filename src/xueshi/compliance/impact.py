"""What a change of policy would do to the verdicts of a region's people: each person-year's
sums judged under the policy in force and under another (a bureau's draft), set-based with
``rules.evaluate_bulk`` — the ledger's rows where the year is open, the same rows computed
from the records (``compute.year_rows``) where it is not. Nothing is written.

Each side is judged as its policy would judge it: the policy in force on the sums it let
into the period (the ledger's rows, what the dashboard shows), the draft on the sums *it*
lets in — the records recounted under the draft (``compute.year_rows(after, …)``, one
set-based pass per year), so a draft that changes *what counts* (a cycle's length, make-up,
categories that change inside the year) is previewed as it would be published, not on the
sums of the policy in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.utils import timezone

from xueshi.compliance.compute import ROW_FIELDS, year_rows
from xueshi.compliance.live import TITLE_LABELS
from xueshi.compliance.models import SUM_FIELDS, LedgerYear, PersonYear
from xueshi.compliance.profiles import profile_of
from xueshi.organisations.models import Employer, Region
from xueshi.people.models import Professional
from xueshi.rules.bulk import BulkResult, Profile, evaluate_bulk
from xueshi.rules.counting import SUM_COLUMNS
from xueshi.rules.policy import Policy
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.verdict import KEY_LABELS, Key, fmt

CHUNK = 20_000
SAMPLE = 20
VERDICT_LABELS = {True: "已达标", False: "未达标", None: "无要求"}

# A row as the impact reads it: person, employer, the profile, the sums (SUM_COLUMNS order).
ImpactRow = tuple[Any, ...]
Report = Callable[[int, int, str], None]


@dataclass
class Group:
    """A tally of one unit, series or title level."""

    key: str
    label: str
    people: int = 0
    compliant_before: int = 0
    compliant_after: int = 0
    became_compliant: int = 0
    became_short: int = 0
    changed: int = 0

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


@dataclass
class Impact:
    years: list[int]
    people: int = 0
    determined_before: int = 0
    determined_after: int = 0
    compliant_before: int = 0
    compliant_after: int = 0
    changed: int = 0
    became_compliant: int = 0
    became_short: int = 0
    by_employer: dict[str, Group] = field(default_factory=dict)
    by_series: dict[str, Group] = field(default_factory=dict)
    by_title: dict[str, Group] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
    sources: dict[int, str] = field(default_factory=dict)  # year → "ledger" | "records"

    def as_dict(self) -> dict[str, Any]:
        def groups(table: dict[str, Group]) -> list[dict[str, Any]]:
            ordered = sorted(table.values(), key=lambda g: (-g.changed, -g.people, g.key))
            return [g.as_dict() for g in ordered]

        return {
            "years": self.years,
            "people": self.people,
            "determined_before": self.determined_before,
            "determined_after": self.determined_after,
            "compliant_before": self.compliant_before,
            "compliant_after": self.compliant_after,
            "changed": self.changed,
            "became_compliant": self.became_compliant,
            "became_short": self.became_short,
            "by_employer": groups(self.by_employer),
            "by_series": groups(self.by_series),
            "by_title": groups(self.by_title),
            "sample": self.sample,
            "sources": {str(y): s for y, s in self.sources.items()},
        }


def _codes_under(region: Region) -> list[str]:
    return list(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))


def _ledger_rows(year: int, region: Region) -> Iterator[list[ImpactRow]]:
    """The open year's ledger rows of the people in ``region`` and below, by chunk: one
    query over the dashboard's index (year, region), streamed."""
    fields = (
        "professional_id",
        "employer_id",
        "region_id",
        "year",
        "series",
        "title_level",
        "institution_level",
        *(SUM_FIELDS[name] for name in SUM_COLUMNS),
    )
    rows = (
        PersonYear.objects.filter(year=year, region_id__in=_codes_under(region))
        .order_by()
        .values_list(*fields)
    )
    chunk: list[ImpactRow] = []
    for row in rows.iterator(chunk_size=CHUNK):
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _computed_rows(policy: Policy, year: int, region: Region) -> Iterator[list[ImpactRow]]:
    """The rows ``ledger_rebuild`` would write for the year, for the people in ``region``."""
    at = {name: i for i, name in enumerate(ROW_FIELDS)}
    sums = [at[SUM_FIELDS[name]] for name in SUM_COLUMNS]
    people = Professional.objects.filter(region__path__startswith=region.path)
    chunk: list[ImpactRow] = []
    for row in year_rows(policy, year, timezone.now(), people=people):
        chunk.append(
            (
                row[at["professional_id"]],
                row[at["employer_id"]],
                row[at["region_id"]],
                year,
                row[at["series"]],
                row[at["title_level"]],
                row[at["institution_level"]],
                *(row[i] for i in sums),
            )
        )
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sums_under(policy: Policy, year: int, region: Region) -> dict[int, tuple[Any, ...]]:
    """Each person's sums (SUM_COLUMNS order) as ``policy`` lets records into ``year``'s
    period: the rows ``ledger_rebuild`` would write under it, by professional."""
    return {row[0]: tuple(row[7:]) for rows in _computed_rows(policy, year, region) for row in rows}


def _count_people(year: int, region: Region, open_year: bool) -> int:
    if open_year:
        codes = _codes_under(region)
        return PersonYear.objects.filter(year=year, region_id__in=codes).count()
    return Professional.objects.filter(region__path__startswith=region.path).count()


# A verdict as a small integer: met, short, no requirement.
MET, SHORT, UNDETERMINED = 1, 0, -1
STATE_VERDICT = {MET: True, SHORT: False, UNDETERMINED: None}


@dataclass
class Chunk:
    """A chunk of rows as columns: who, their profile's index, the sums."""

    rows: Sequence[ImpactRow]
    profiles: list[Profile]
    index: npt.NDArray[np.int64]
    sums: dict[str, npt.NDArray[np.int64]]

    @classmethod
    def of(cls, rows: Sequence[ImpactRow]) -> Chunk:
        columns = list(zip(*rows, strict=True))
        ids: dict[tuple[Any, ...], int] = {}
        keys = zip(*columns[2:7], strict=True)
        index = np.fromiter(
            (ids.setdefault(key, len(ids)) for key in keys), dtype=np.int64, count=len(rows)
        )
        profiles = [profile_of(*key) for key in ids]
        sums = {
            name: np.asarray(columns[7 + p], dtype=np.int64) for p, name in enumerate(SUM_COLUMNS)
        }
        return cls(rows, profiles, index, sums)

    def evaluate(self, policy: Policy) -> BulkResult:
        return evaluate_bulk(policy, self.profiles, self.index, self.sums)


def _states(result: BulkResult) -> npt.NDArray[np.int8]:
    return np.where(result.determined, result.compliant.astype(np.int8), UNDETERMINED).astype(
        np.int8
    )


def _flip(before: BulkResult, after: BulkResult, row: int) -> list[dict[str, str]]:
    """The requirements that decide the change of one row: those short under one policy
    and met under the other, with the figure and the clause of each side."""
    old, new = before.row_shortfall(row), after.row_shortfall(row)
    reqs_before = before.requirements[int(before.profile_index[row])]
    reqs_after = after.requirements[int(after.profile_index[row])]
    flips = []
    for key in Key:
        if bool(old.get(key)) == bool(new.get(key)):
            continue
        entry: dict[str, str] = {"key": str(key), "label": KEY_LABELS[key]}
        for side, reqs, short in (("before", reqs_before, old), ("after", reqs_after, new)):
            figure = reqs.figure(key) if reqs is not None else None
            entry[f"{side}_required"] = fmt(figure.required) if figure else "—"
            entry[f"{side}_short"] = fmt(short[key]) if key in short else "0"
            entry[f"{side}_clause"] = str(figure.reference) if figure else "（无此要求）"
        flips.append(entry)
    if not flips:  # no figure changed sides: a requirement appeared or went away
        entry = {"key": "", "label": "适用的学时要求", "before_required": "", "after_required": ""}
        entry["before_clause"] = "有要求" if reqs_before is not None else "无要求"
        entry["after_clause"] = "有要求" if reqs_after is not None else "无要求"
        flips.append(entry)
    return flips


def _tally(
    table: dict[str, Group],
    keys: Sequence[Any],
    before: npt.NDArray[np.int8],
    after: npt.NDArray[np.int8],
    label: Callable[[str], str],
) -> None:
    """Add a chunk's verdicts to the groups of ``table``, one group per distinct key."""
    values, inverse = np.unique(np.asarray([k or "" for k in keys], dtype=str), return_inverse=True)
    n = len(values)
    met_before, met_after = before == MET, after == MET
    counts = {
        "people": np.bincount(inverse, minlength=n),
        "compliant_before": np.bincount(inverse, weights=met_before, minlength=n),
        "compliant_after": np.bincount(inverse, weights=met_after, minlength=n),
        "became_compliant": np.bincount(inverse, weights=~met_before & met_after, minlength=n),
        "became_short": np.bincount(inverse, weights=met_before & ~met_after, minlength=n),
        "changed": np.bincount(inverse, weights=before != after, minlength=n),
    }
    for i, value in enumerate(values.tolist()):
        group = table.get(value)
        if group is None:
            group = table[value] = Group(value, label(value))
        for name, column in counts.items():
            setattr(group, name, getattr(group, name) + int(column[i]))


def _series_label(series: str) -> str:
    return SERIES_LABELS.get(series, series or "—")


def _title_label(title: str) -> str:
    return TITLE_LABELS.get(title, title or "—")


def ledger_impact(
    before: Policy,
    after: Policy,
    region: Region,
    years: Sequence[int],
    report: Report | None = None,
    *,
    sample: int = SAMPLE,
) -> Impact:
    """How the verdicts of the people in ``region`` (and below) for ``years`` change from
    ``before`` to ``after``; ``report(done, total, message)`` is told after each chunk."""
    impact = Impact(years=sorted(years))
    open_years = set(LedgerYear.objects.filter(year__in=years).values_list("year", flat=True))
    totals = {y: _count_people(y, region, y in open_years) for y in impact.years}
    total, done = sum(totals.values()), 0
    picked: list[tuple[int, int, list[dict[str, str]], bool | None, bool | None]] = []
    for year in impact.years:
        is_open = year in open_years
        impact.sources[year] = "ledger" if is_open else "records"
        chunks = _ledger_rows(year, region) if is_open else _computed_rows(before, year, region)
        recounted = _sums_under(after, year, region)
        for rows in chunks:
            # A person the recount does not know (moved out of the region since the ledger
            # was built) keeps the sums of the policy in force.
            rows_after = [(*r[:7], *recounted.get(r[0], r[7:])) for r in rows]
            old, new = Chunk.of(rows).evaluate(before), Chunk.of(rows_after).evaluate(after)
            b, a = _states(old), _states(new)
            impact.people += len(rows)
            impact.determined_before += int((b != UNDETERMINED).sum())
            impact.determined_after += int((a != UNDETERMINED).sum())
            impact.compliant_before += int((b == MET).sum())
            impact.compliant_after += int((a == MET).sum())
            changed = np.flatnonzero(b != a)
            impact.changed += len(changed)
            impact.became_compliant += int(((b != MET) & (a == MET)).sum())
            impact.became_short += int(((b == MET) & (a != MET)).sum())
            _tally(impact.by_employer, [str(r[1] or "") for r in rows], b, a, str)
            _tally(impact.by_series, [r[4] for r in rows], b, a, _series_label)
            _tally(impact.by_title, [r[5] for r in rows], b, a, _title_label)
            for i in changed[: max(0, sample - len(picked))].tolist():
                flips = _flip(old, new, i)
                picked.append(
                    (rows[i][0], year, flips, STATE_VERDICT[int(b[i])], STATE_VERDICT[int(a[i])])
                )
            done += len(rows)
            if report is not None:
                report(done, total, f"已核算 {done} / {total} 人次")
    _name_employers(impact)
    impact.sample = _named(picked)
    return impact


def _name_employers(impact: Impact) -> None:
    ids = [int(k) for k in impact.by_employer if k]
    names = dict(Employer.objects.filter(pk__in=ids).values_list("pk", "name"))
    for key, group in impact.by_employer.items():
        group.label = names.get(int(key), key) if key else "（未登记工作单位）"


def _named(
    picked: list[tuple[int, int, list[dict[str, str]], bool | None, bool | None]],
) -> list[dict[str, Any]]:
    people = {
        p.pk: p
        for p in Professional.objects.filter(pk__in=[p[0] for p in picked]).select_related(
            "employer"
        )
    }
    sample = []
    for pk, year, flips, before, after in picked:
        person = people.get(pk)
        if person is None:
            continue
        sample.append(
            {
                "professional_id": pk,
                "name": person.full_name,
                "employer": person.employer.name if person.employer else "",
                "series": SERIES_LABELS.get(person.series, person.series),
                "title_level": TITLE_LABELS.get(person.title_level, person.title_level),
                "year": year,
                "before": VERDICT_LABELS[before],
                "after": VERDICT_LABELS[after],
                "flips": flips,
            }
        )
    return sample
