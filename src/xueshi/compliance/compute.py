"""The figures of ledger rows, two ways that must agree (a test checks it after random
workflows):

- ``person_rows``: one person, a few years, with the single evaluation (``evaluate``, the
  verdict ``person_year_verdict`` gives) — what the services call inside their transaction;
- ``year_rows``: everyone, one year, set-based — one GROUP BY of the records that can count,
  NumPy to fold the groups into per-person sums, and ``evaluate_bulk`` once per profile —
  what ``ledger_rebuild`` writes.

Both give plain tuples in ``ROW_FIELDS`` order, ready for a bulk write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from xueshi.compliance.bridge import LOOKBACK_YEARS, rules_record
from xueshi.compliance.profiles import makeup_counts, profile_of, requirements_of
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.records.models import HourRecord
from xueshi.rules import (
    Category,
    PolicyError,
    Reason,
    evaluate,
    evaluate_bulk,
)
from xueshi.rules.bulk import Profile, gc_paused
from xueshi.rules.counting import SUM_COLUMNS
from xueshi.rules.policy import Policy
from xueshi.rules.workflow import RecordState

PENDING = (RecordState.IN_REVIEW, RecordState.RETURNED)
# The records that never count for the period (the rest count, or are judged by the rules
# when the verdict is made: a category the region does not recognise, a cap, a regime).
NOT_IN_SUMS = frozenset(
    {
        Reason.PENDING,
        Reason.REJECTED,
        Reason.OUTSIDE_PERIOD,
        Reason.MAKEUP_REFUSED,
        Reason.TAKEN_BEFORE_PERIOD,
    }
)
SHORTFALL_KEYS = ("public", "public_required", "professional", "elective", "total", "credits")
PROFILE_FIELDS = ("region_id", "employer_id", "series", "title_level", "institution_level")
SUM_DB_FIELDS = (
    "public",
    "public_required",
    "professional_hours",
    "elective",
    "credits_face",
    "credits_remote",
    "public_required_courses",
)
ROW_FIELDS = (
    "professional_id",
    "year",
    *PROFILE_FIELDS,
    *SUM_DB_FIELDS,
    "pending",
    "compliant",
    *(f"shortfall_{key}" for key in SHORTFALL_KEYS),
    "policy_version",
    "updated_at",
)
Row = tuple[Any, ...]


def period(policy: Policy, profile: Profile) -> tuple[int, ...]:
    """The credited years the verdict of the profile's year reads (a teacher's cycle: five)."""
    reqs = requirements_of(policy)(profile)
    return reqs.years if reqs else (profile[1],)


def _centi(value: Decimal | None) -> int:
    return int((value or Decimal(0)) * 100)


# --- One person, a few years: the single evaluation ------------------------------------------


def person_rows(
    policy: Policy, professional: Professional, years: Iterable[int], now: dt.datetime
) -> list[Row]:
    """The ledger rows of ``professional`` for ``years``: one query, one verdict a year."""
    years = sorted(set(years))
    if not years:
        return []
    records = list(
        HourRecord.objects.filter(
            professional_id=professional.pk,
            credited_year__gt=years[0] - LOOKBACK_YEARS,
            credited_year__lte=years[-1],
        )
        .exclude(status=RecordState.DRAFT)
        .order_by("credited_year", "end_date", "id")
    )
    return [_person_row(policy, professional, year, records, now) for year in years]


def _person_row(
    policy: Policy,
    professional: Professional,
    year: int,
    all_records: Sequence[HourRecord],
    now: dt.datetime,
) -> Row:
    # The same records, in the same order, as person_year_verdict reads.
    records = [r for r in all_records if year - LOOKBACK_YEARS < r.credited_year <= year]
    sums = dict.fromkeys(SUM_COLUMNS, 0)
    shortfall = dict.fromkeys(SHORTFALL_KEYS, 0)
    compliant: bool | None = None
    try:
        if professional.region_id not in policy.regions:
            raise PolicyError(f"unknown region {professional.region_id}")
        verdict = evaluate(
            policy,
            region=professional.region_id,
            year=year,
            person=person_of(professional),
            records=[rules_record(r) for r in records],
        )
    except PolicyError:  # NoRequirement, or a region the policy does not know
        years: tuple[int, ...] = (year,)
        counting = [
            r for r in records if r.credited_year == year and r.status == RecordState.APPROVED
        ]
    else:
        years = verdict.years
        excluded = {note.index for note in verdict.notes if note.reason in NOT_IN_SUMS}
        counting = [r for i, r in enumerate(records) if i not in excluded]
        compliant = verdict.compliant
        for key, amount in verdict.shortfall.items():
            shortfall[key] = _centi(amount)
    for record in counting:
        if not record.category:
            column = "credits_remote" if record.mode == "online" else "credits_face"
            sums[column] += _centi(record.credits)
            continue
        sums[record.category] += _centi(record.hours)
        if record.category == Category.PUBLIC and record.required:
            sums["public_required"] += _centi(record.hours)
            sums["public_required_courses"] += 1
    pending = sum(1 for r in records if r.status in PENDING and r.credited_year in years)
    return (
        professional.pk,
        year,
        professional.region_id,
        professional.employer_id,
        professional.series,
        professional.title_level,
        professional.institution_level,
        *(sums[name] for name in SUM_COLUMNS),
        pending,
        compliant,
        *(shortfall[key] for key in SHORTFALL_KEYS),
        policy.version,
        now,
    )


# --- Everyone, one year: set-based --------------------------------------------------------------

# Status, category and mode as small integers for NumPy.

# The records a year's verdicts read, per person: the approved ones learnt inside the
# period, summed (they count as they are: nearly all), with the number of approved ones
# learnt outside it (make-up, or refused: read again in detail, ``_DETAIL_SQL``, for NumPy
# and the rules to judge); then the pending ones, only counted. Sums in hundredths
# (courses: a count), in SUM_COLUMNS' order. For one credited year the covering index
# holds a status's records in person order: the approved ones are grouped as they are read.
# The pending ones (two statuses) are grouped on ``professional_id + 0``: on the bare column
# SQLite walks the whole (professional, year) index in person order to spare a sort.
_INSIDE = "r.end_date >= %(first_day)s AND r.end_date <= %(last_day)s"
_APPROVED_SQL = """
SELECT r.professional_id,
  CAST(ROUND(SUM(CASE WHEN {inside} AND r.category = 'public' THEN r.hours ELSE 0 END) * 100)
       AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN {inside} AND r.category = 'public' AND r.required
                      THEN r.hours ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN {inside} AND r.category = 'professional' THEN r.hours ELSE 0 END)
             * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN {inside} AND r.category = 'elective' THEN r.hours ELSE 0 END) * 100)
       AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN {inside} AND COALESCE(r.category, '') = '' AND r.mode <> 'online'
                      THEN r.credits ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN {inside} AND COALESCE(r.category, '') = '' AND r.mode = 'online'
                      THEN r.credits ELSE 0 END) * 100) AS BIGINT),
  SUM(CASE WHEN {inside} AND r.category = 'public' AND r.required THEN 1 ELSE 0 END),
  SUM(CASE WHEN {inside} THEN 0 ELSE 1 END)
FROM {table} r
WHERE {credited} AND r.status = %(approved)s{where}
GROUP BY r.professional_id
""".replace("{inside}", _INSIDE)
_PENDING_SQL = """
SELECT r.professional_id + 0, COUNT(*)
FROM {table} r
WHERE {credited} AND r.status IN (%(in_review)s, %(returned)s){where}
GROUP BY r.professional_id + 0
"""
# The approved records learnt outside the period, in detail: a group per person, credited
# year, category, required, mode, year learnt and (learnt after the credited year) the
# day — the make-up rule in force on it decides.
_DETAIL_SQL = """
SELECT r.professional_id,
  r.credited_year,
  COALESCE(r.category, ''),
  CASE WHEN r.required THEN 1 ELSE 0 END,
  CASE WHEN r.mode = 'online' THEN 1 ELSE 0 END,
  {taken_year},
  CASE WHEN {taken_year} > r.credited_year THEN r.end_date END,
  CAST(ROUND(SUM(CASE WHEN r.category = 'public' THEN r.hours ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN r.category = 'public' AND r.required THEN r.hours ELSE 0 END) * 100)
       AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN r.category = 'professional' THEN r.hours ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN r.category = 'elective' THEN r.hours ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN COALESCE(r.category, '') = '' AND r.mode <> 'online'
                      THEN r.credits ELSE 0 END) * 100) AS BIGINT),
  CAST(ROUND(SUM(CASE WHEN COALESCE(r.category, '') = '' AND r.mode = 'online'
                      THEN r.credits ELSE 0 END) * 100) AS BIGINT),
  SUM(CASE WHEN r.category = 'public' AND r.required THEN 1 ELSE 0 END)
FROM {table} r
WHERE r.credited_year >= %(credited_from)s AND r.credited_year <= %(credited_until)s
  AND r.status = %(approved)s AND (r.end_date < %(first_day)s OR r.end_date > %(last_day)s)
  AND {people}
GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
_DETAIL_SUMS_AT = 7
# The people a profile describes (NULL-safe; the profile's raw column values).
_PROFILE_COLUMNS = ("region_id", "series", "title_level", "institution_level")


def _taken_year_sql() -> str:
    if connection.vendor == "sqlite":
        return "CAST(strftime('%%Y', r.end_date) AS INTEGER)"
    return "CAST(EXTRACT(YEAR FROM r.end_date) AS INTEGER)"


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _day(value: dt.date) -> Any:
    return value.isoformat() if connection.vendor == "sqlite" else value  # ISO text there


def _in_list(column: str, prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    marks = ", ".join(f"%({name})s" for name in names)
    return f"{column} IN ({marks})", dict(zip(names, values, strict=True))


def _profile_match(cycles: list[tuple[Any, ...]]) -> tuple[str, dict[str, Any]]:
    """``AND r.professional_id IN (the people of these profiles)`` (raw column values)."""
    matches, params = [], {}
    for i, values in enumerate(cycles):
        parts = []
        for column, value in zip(_PROFILE_COLUMNS, values, strict=True):
            if value is None:
                parts.append(f"p.{column} IS NULL")
            else:
                name = f"c{i}_{column}"
                parts.append(f"p.{column} = %({name})s")
                params[name] = value
        matches.append("(" + " AND ".join(parts) + ")")
    # The regions first, so that the people are found through the region's index.
    regions, named = _in_list("p.region_id", "cr", sorted({values[0] for values in cycles}))
    params.update(named)
    sql = (
        f" AND r.professional_id IN (SELECT p.id FROM {Professional._meta.db_table} p WHERE "
        + regions
        + " AND ("
        + " OR ".join(matches)
        + "))"
    )
    return sql, params


def _records(
    year: int, cycles: dict[int, list[tuple[Any, ...]]], only: Sequence[int] | None
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The records a year's verdicts read, as (``_APPROVED_SQL`` rows, ``_PENDING_SQL`` rows,
    ``_DETAIL_SQL`` rows): the year's records of everyone (or of the people ``only`` names),
    and the records of a multi-year period's earlier years only for the people whose
    profile has one — ``cycles``: the raw profiles by the period's first year. Reading ten
    years of everyone's records to find a few teachers' cycles was most of the year-end's
    time (docs/performance.md)."""
    table = HourRecord._meta.db_table
    common: dict[str, Any] = {
        "approved": RecordState.APPROVED.value,
        "in_review": RecordState.IN_REVIEW.value,
        "returned": RecordState.RETURNED.value,
        "last_day": _day(dt.date(year, 12, 31)),
    }
    people_sql = ""
    if only is not None:
        people_sql, people = _in_list("r.professional_id", "id", only)
        people_sql = " AND " + people_sql
        common.update(people)
    # (credited from, credited until, extra condition and its parameters)
    parts: list[tuple[int, int, str, dict[str, Any]]] = [(year, year, people_sql, {})]
    for first, profiles in sorted(cycles.items()):
        match, params = _profile_match(profiles)
        parts.append((first, year - 1, people_sql + match, params))
    detail_sql = _DETAIL_SQL.replace("{taken_year}", _taken_year_sql())
    approved: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    detail: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for credited_from, credited_until, where, params in parts:
            window = {
                **common,
                "credited_from": credited_from,
                "credited_until": credited_until,
                "first_day": _day(dt.date(credited_from, 1, 1)),
            }
            # One year as an equality: the index then gives the people in order (no sort).
            credited = (
                "r.credited_year = %(credited_from)s"
                if credited_from == credited_until
                else "r.credited_year >= %(credited_from)s"
                " AND r.credited_year <= %(credited_until)s"
            )
            names = {"table": table, "where": where, "credited": credited}
            cursor.execute(_APPROVED_SQL.format(**names), {**window, **params})
            rows = cursor.fetchall()
            approved += rows
            cursor.execute(_PENDING_SQL.format(**names), {**window, **params})
            pending += cursor.fetchall()
            outside = [row[0] for row in rows if row[-1]]
            for start in range(0, len(outside), PEOPLE_CHUNK):
                people_in, named = _in_list(
                    "r.professional_id", "p", outside[start : start + PEOPLE_CHUNK]
                )
                cursor.execute(
                    detail_sql.format(table=table, people=people_in), {**window, **named}
                )
                detail += cursor.fetchall()
    return approved, pending, detail


# Each person with their profile's columns joined into one text (numbered in Python once per
# distinct text; four columns a person cost twice as much to fetch and number).
_PEOPLE_SQL = (
    "SELECT id, employer_id, region_id || '|' || series || '|' || title_level || '|' || "
    "institution_level FROM {table}{where} ORDER BY id"
)
# How many people a statement names when rows are asked for a list of people.
PEOPLE_CHUNK = 2_000


def year_rows(
    policy: Policy, year: int, now: dt.datetime, professional_ids: Iterable[int] | None = None
) -> Iterable[Row]:
    """The ledger rows for ``year`` of every professional (or of ``professional_ids``, a few
    thousand to a statement), set-based."""
    if professional_ids is None:
        return _year_rows(policy, year, now, None)
    ids = sorted(set(professional_ids))
    return chain.from_iterable(
        _year_rows(policy, year, now, ids[i : i + PEOPLE_CHUNK])
        for i in range(0, len(ids), PEOPLE_CHUNK)
    )


def _year_rows(
    policy: Policy, year: int, now: dt.datetime, only: Sequence[int] | None
) -> Iterable[Row]:
    # A million fetched tuples would wake the cycle collector again and again, for nothing.
    with gc_paused():
        return _year_rows_unpaused(policy, year, now, only)


def _year_rows_unpaused(
    policy: Policy, year: int, now: dt.datetime, only: Sequence[int] | None
) -> Iterable[Row]:
    where, params = "", dict[str, Any]()
    if only is not None:
        where, params = _in_list("id", "id", only)
        where = " WHERE " + where
    with connection.cursor() as cursor:
        cursor.execute(_PEOPLE_SQL.format(table=Professional._meta.db_table, where=where), params)
        people = cursor.fetchall()
    n = len(people)
    if not n:
        return []
    ids = np.fromiter(map(itemgetter(0), people), dtype=np.int64, count=n)
    # Number the distinct (region, series, title, institution) of the people, then make
    # each a rules profile once.
    keys = list(map(itemgetter(2), people))
    key_number = {key: i for i, key in enumerate(dict.fromkeys(keys))}
    person_profile = np.fromiter(map(key_number.__getitem__, keys), dtype=np.int64, count=n)
    raw_profiles = [tuple(key.split("|")) for key in key_number]
    profiles = [profile_of(r, year, s, t, i) for r, s, t, i in raw_profiles]
    resolve = requirements_of(policy)
    resolved = [resolve(profile) for profile in profiles]
    # A period always ends with the year it is the period of (rules.periods.cycle_years):
    # the records _APPROVED_SQL sums are those learnt from its first year to this one.
    assert all(r.years[-1] == year for r in resolved if r), "a period not ending in its year"
    start = np.array([r.years[0] if r else year for r in resolved], dtype=np.int64)
    has_reqs = np.array([r is not None for r in resolved], dtype=bool)
    cycles: dict[int, list[tuple[Any, ...]]] = {}
    for raw, r in zip(raw_profiles, resolved, strict=True):
        if r and r.years[0] < year:
            cycles.setdefault(r.years[0], []).append(raw)
    approved, waiting, detail = _records(year, cycles, only)

    sums = {name: np.zeros(n, dtype=np.int64) for name in SUM_COLUMNS}
    pending = np.zeros(n, dtype=np.int64)

    def add(target: Any, at: Any, values: Any) -> None:
        target += np.bincount(at, weights=values, minlength=n).astype(np.int64)

    def columns_of(rows: list[tuple[Any, ...]], *positions: int) -> list[Any]:
        return [
            np.fromiter(map(itemgetter(p), rows), dtype=np.int64, count=len(rows))
            for p in positions
        ]

    if approved:
        at, *values = columns_of(approved, *range(1 + len(SUM_COLUMNS)))
        at = np.searchsorted(ids, at)
        for name, column in zip(SUM_COLUMNS, values, strict=True):
            add(sums[name], at, column)
    if waiting:
        # Every credited year read is in the person's period: pending for the verdict.
        at, count = columns_of(waiting, 0, 1)
        add(pending, np.searchsorted(ids, at), count)
    if detail:
        d = len(detail)

        def detail_column(position: int) -> Any:
            return np.fromiter(map(itemgetter(position), detail), dtype=np.int64, count=d)

        at = np.searchsorted(ids, detail_column(0))
        credited, taken = detail_column(1), detail_column(5)
        prof = person_profile[at]
        p_start, p_reqs = start[prof], has_reqs[prof]
        # Learnt outside the period: counted only without a requirement (nothing to judge),
        # or after the period where the make-up rule of the day allows it.
        counts = ~p_reqs | ((taken >= p_start) & (taken <= year))
        late_counts = makeup_counts(policy)
        for row in np.flatnonzero(p_reqs & (taken > year)):
            counts[row] = late_counts(
                profiles[prof[row]], int(credited[row]), _as_date(detail[row][6])
            )
        for position, name in enumerate(SUM_COLUMNS, start=_DETAIL_SUMS_AT):
            add(sums[name], at[counts], detail_column(position)[counts])

    compliant, shortfall = _evaluate(policy, profiles, person_profile, sums)
    columns = [
        ids.tolist(),
        [year] * n,
        *_profile_columns(raw_profiles, person_profile, list(map(itemgetter(1), people))),
        *(sums[name].tolist() for name in SUM_COLUMNS),
        pending.tolist(),
        compliant,
        *(shortfall[key].tolist() for key in SHORTFALL_KEYS),
        [policy.version] * n,
        [now] * n,
    ]
    return zip(*columns, strict=True)


def _profile_columns(
    raw_profiles: list[tuple[str, ...]], person_profile: Any, employers: list[Any]
) -> list[list[Any]]:
    """Region, employer, series, title level and institution level of every person."""
    region, series, title, institution = (
        np.array([raw[k] for raw in raw_profiles], dtype=object)[person_profile].tolist()
        for k in range(4)
    )
    return [region, employers, series, title, institution]


def _evaluate(
    policy: Policy, profiles: list[Profile], person_profile: Any, sums: dict[str, Any]
) -> tuple[list[bool | None], dict[str, Any]]:
    """``evaluate_bulk`` over the people whose region the policy knows (the others, like
    those with no requirement, are undetermined: compliant None, no shortfall)."""
    n = len(person_profile)
    kept = [i for i, p in enumerate(profiles) if p[0] in policy.regions]
    renumber = np.full(len(profiles), -1, dtype=np.int64)
    renumber[kept] = np.arange(len(kept))
    rows = np.flatnonzero(renumber[person_profile] >= 0)
    part = evaluate_bulk(
        policy,
        [profiles[i] for i in kept],
        renumber[person_profile[rows]],
        {name: values[rows] for name, values in sums.items()},
    )
    determined = np.zeros(n, dtype=bool)
    determined[rows] = part.determined
    compliant = np.zeros(n, dtype=bool)
    compliant[rows] = part.compliant
    shortfall = {}
    for key in SHORTFALL_KEYS:
        shortfall[key] = np.zeros(n, dtype=np.int64)
        shortfall[key][rows] = np.where(part.determined, part.shortfall[key], 0)
    flags = [c if d else None for c, d in zip(compliant.tolist(), determined.tolist(), strict=True)]
    return flags, shortfall


def now() -> dt.datetime:
    return timezone.now()
