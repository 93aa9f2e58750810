"""The figures of ledger rows, two ways that must agree (tests check it after random
workflows, and on random records: tests/compliance/test_counting_sql.py):

- ``person_rows``: one person, a few years, with the single evaluation (``evaluate``, the
  verdict ``person_year_verdict`` gives) — what the services call inside their transaction;
- ``year_rows``: everyone (or the people asked for), one year, set-based — one GROUP BY of
  the records that can count, NumPy to fold the groups into per-person sums, and
  ``evaluate_bulk`` once per profile — what ``ledger_rebuild`` writes and the live reports
  show.

Neither decides what counts: that is ``xueshi.rules.counting``'s. ``person_rows`` sums the
records ``evaluate`` let into the period with its ``column_sums``; the SQL of ``year_rows``
is generated from its description (the sum columns, the statuses that count or wait, the
days of a period), and only the make-up of records learnt outside the window read is judged
here, with its ``makeup_refusal``.

Both give plain tuples in ``ROW_FIELDS`` order, ready for a bulk write.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from xueshi.compliance.bridge import LOOKBACK_YEARS, rules_record
from xueshi.compliance.models import SHORTFALL_KEYS
from xueshi.compliance.profiles import makeup_counts, profile_of, requirements_of
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.records.models import HourRecord
from xueshi.rules import Category, Mode, PolicyError, counting, evaluate, evaluate_bulk
from xueshi.rules.bulk import Profile, gc_paused
from xueshi.rules.counting import (
    COLUMNS,
    COUNTED_STATES,
    PENDING_STATES,
    SUM_COLUMNS,
    UNREAD_STATES,
    Measure,
    SumColumn,
)
from xueshi.rules.policy import Policy

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


def _integer_sums(sums: dict[str, Decimal]) -> list[int]:
    """Sums in the bulk path's integers (hundredths; courses: a count), SUM_COLUMNS' order."""
    return [int(sums[column.name] * column.scale) for column in COLUMNS]


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
        .exclude(status__in=UNREAD_STATES)
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
    records = [
        rules_record(r) for r in all_records if year - LOOKBACK_YEARS < r.credited_year <= year
    ]
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
            records=records,
        )
    except PolicyError:  # NoRequirement, or a region the policy does not know
        years: tuple[int, ...] = (year,)
        summed = [r for r in records if counting.counts_without_requirement(r, year)]
    else:
        years = verdict.years
        excluded = {note.index for note in verdict.notes if note.reason in counting.NOT_SUMMED}
        summed = [r for i, r in enumerate(records) if i not in excluded]
        compliant = verdict.compliant
        for key, amount in verdict.shortfall.items():
            shortfall[key] = _centi(amount)
    pending = sum(1 for r in records if counting.is_pending(r, years))
    return (
        professional.pk,
        year,
        professional.region_id,
        professional.employer_id,
        professional.series,
        professional.title_level,
        professional.institution_level,
        *_integer_sums(counting.column_sums(summed)),
        pending,
        compliant,
        *(shortfall[key] for key in SHORTFALL_KEYS),
        policy.version,
        now,
    )


# --- Everyone, one year: set-based --------------------------------------------------------------

# The SQL is generated from ``xueshi.rules.counting``'s description (``COLUMNS``, the
# statuses, ``period_days``), over the hour record ``r``: the day a record was learnt
# (``Record.taken_on``) is its end date (``bridge.rules_record``).


def _takes_sql(column: SumColumn) -> str:
    """``SumColumn.takes`` in SQL."""
    if column.category is None:
        parts = ["COALESCE(r.category, '') = ''"]
    else:
        parts = [f"r.category = '{column.category.value}'"]
    if column.required is not None:
        parts.append("r.required" if column.required else "NOT r.required")
    if column.online is not None:
        parts.append(f"r.mode {'=' if column.online else '<>'} '{Mode.ONLINE.value}'")
    return " AND ".join(parts)


# A course counts if it has hours (``SumColumn.amount``: 0 hours is no course taken).
_AMOUNT_SQL = {
    Measure.HOURS: "r.hours",
    Measure.CREDITS: "r.credits",
    Measure.COURSES: "CASE WHEN r.hours > 0 THEN 1 ELSE 0 END",
}


def _sum_sql(column: SumColumn, condition: str = "") -> str:
    """The column's sum over a group, of its records that also meet ``condition``: in
    integer hundredths (courses: a count), as the bulk evaluator takes it."""
    when = " AND ".join(filter(None, (condition, _takes_sql(column))))
    total = f"SUM(CASE WHEN {when} THEN {_AMOUNT_SQL[column.measure]} ELSE 0 END)"
    if column.scale == 1:
        return total
    return f"CAST(ROUND({total} * {column.scale}) AS BIGINT)"


def _in_list(column: str, prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    names = [f"{prefix}{i}" for i in range(len(values))]
    marks = ", ".join(f"%({name})s" for name in names)
    return f"{column} IN ({marks})", dict(zip(names, values, strict=True))


def _status_sql(statuses: Sequence[str], name: str) -> tuple[str, dict[str, Any]]:
    """``r.status`` is one of ``statuses`` (one: an equality, which the index serves best)."""
    if len(statuses) == 1:
        return f"r.status = %({name})s", {name: statuses[0]}
    return _in_list("r.status", name, statuses)


_COUNTED_STATUS, _COUNTED_PARAMS = _status_sql([s.value for s in COUNTED_STATES], "counted")
_PENDING_STATUS, _PENDING_PARAMS = _status_sql([s.value for s in PENDING_STATES], "pending")
# Learnt inside the period (``counting.period_days``; the parameters are its first and last day).
# ``{settled}``: and not of a category that counts on some days of the period only (a year
# that straddles a change of what counts, docs/adr/0006) — those are read in detail, with
# their day, for the rules to judge (``counting.category_refusal``).
_INSIDE = "r.end_date >= %(first_day)s AND r.end_date <= %(last_day)s{settled}"
_SUMS_INSIDE = ",\n  ".join(_sum_sql(column, _INSIDE) for column in COLUMNS)
_SUMS = ",\n  ".join(_sum_sql(column) for column in COLUMNS)

# The records a year's verdicts read, per person: the counted ones learnt inside the
# period, summed (they count as they are: nearly all), with the number of counted ones
# learnt outside it (make-up, or refused: read again in detail, ``_DETAIL_SQL``, for NumPy
# and the rules to judge); then the pending ones, only counted. Sums in SUM_COLUMNS' order.
# For one credited year the covering index holds a status's records in person order: the
# counted ones are grouped as they are read. The pending ones (two statuses) are grouped on
# ``professional_id + 0``: on the bare column SQLite walks the whole (professional, year)
# index in person order to spare a sort.
_COUNTED_SQL = f"""
SELECT r.professional_id,
  {_SUMS_INSIDE},
  SUM(CASE WHEN {_INSIDE} THEN 0 ELSE 1 END)
FROM {{table}} r
WHERE {{credited}} AND {_COUNTED_STATUS}{{where}}
GROUP BY r.professional_id
"""  # nosec B608
_PENDING_SQL = f"""
SELECT r.professional_id + 0, COUNT(*)
FROM {{table}} r
WHERE {{credited}} AND {_PENDING_STATUS}{{where}}
GROUP BY r.professional_id + 0
"""  # nosec B608
# The counted records learnt outside the period, in detail: a group per person, credited
# year, year learnt and (learnt after the credited year) the day — the make-up rule in force
# on it decides.
_DETAIL_SQL = f"""
SELECT r.professional_id,
  r.credited_year,
  {{taken_year}},
  CASE WHEN {{taken_year}} > r.credited_year{{dated}} THEN r.end_date END,
  {_SUMS}
FROM {{table}} r
WHERE r.credited_year >= %(credited_from)s AND r.credited_year <= %(credited_until)s
  AND {_COUNTED_STATUS} AND NOT ({_INSIDE})
  AND {{people}}
GROUP BY 1, 2, 3, 4
"""  # nosec B608
_DETAIL_SUMS_AT = 4
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
        f" AND r.professional_id IN (SELECT p.id FROM {Professional._meta.db_table} p WHERE "  # nosec B608
        + regions
        + " AND ("
        + " OR ".join(matches)
        + "))"
    )
    return sql, params


Only = Callable[[str], tuple[str, dict[str, Any]]]
"""Which people: given the column that holds a person's id, the condition and its parameters."""


def _listed(ids: Sequence[int]) -> Only:
    return lambda column: _in_list(column, "id", ids)


def _subquery(people: QuerySet[Professional]) -> Only:
    sql, values = people.order_by().values("pk").query.sql_with_params()
    # Django's positional placeholders as the named ones the statements here use.
    names = [f"q{i}" for i in range(len(values))]
    marks = iter(names)
    sql = re.sub("%%|%s", lambda m: "%%" if m[0] == "%%" else f"%({next(marks)})s", sql)
    params = dict(zip(names, values, strict=True))
    return lambda column: (f"{column} IN ({sql})", params)


def _records(
    year: int,
    cycles: dict[int, list[tuple[Any, ...]]],
    only: Only | None,
    changing: frozenset[Category] = frozenset(),
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """The records a year's verdicts read, as (``_COUNTED_SQL`` rows, ``_PENDING_SQL`` rows,
    ``_DETAIL_SQL`` rows): the year's records of everyone (or of the people ``only`` selects),
    and the records of a multi-year period's earlier years only for the people whose
    profile has one — ``cycles``: the raw profiles by the period's first year. Reading ten
    years of everyone's records to find a few teachers' cycles was most of the year-end's
    time (docs/performance.md). Records of a ``changing`` category (one that counts on some
    days of a period only) are read in detail with their day, like make-up."""
    table = HourRecord._meta.db_table
    common: dict[str, Any] = {**_COUNTED_PARAMS, **_PENDING_PARAMS}
    people_sql = ""
    if only is not None:
        people_sql, people = only("r.professional_id")
        people_sql = " AND " + people_sql
        common.update(people)
    # (credited from, credited until, extra condition and its parameters)
    parts: list[tuple[int, int, str, dict[str, Any]]] = [(year, year, people_sql, {})]
    for first, profiles in sorted(cycles.items()):
        match, params = _profile_match(profiles)
        parts.append((first, year - 1, people_sql + match, params))
    detail_sql = _DETAIL_SQL.replace("{taken_year}", _taken_year_sql())
    listed = ", ".join(f"'{c.value}'" for c in sorted(changing))  # the enum's own values
    settled = f" AND COALESCE(r.category, '') NOT IN ({listed})" if changing else ""
    dated = f" OR r.category IN ({listed})" if changing else ""
    summed: list[tuple[Any, ...]] = []
    pending: list[tuple[Any, ...]] = []
    detail: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        for credited_from, credited_until, where, params in parts:
            first_day, last_day = counting.period_days((credited_from, year))
            window = {
                **common,
                "credited_from": credited_from,
                "credited_until": credited_until,
                "first_day": _day(first_day),
                "last_day": _day(last_day),
            }
            # One year as an equality: the index then gives the people in order (no sort).
            credited = (
                "r.credited_year = %(credited_from)s"
                if credited_from == credited_until
                else "r.credited_year >= %(credited_from)s"
                " AND r.credited_year <= %(credited_until)s"
            )
            names = {"table": table, "where": where, "credited": credited, "settled": settled}
            cursor.execute(_COUNTED_SQL.format(**names), {**window, **params})
            rows = cursor.fetchall()
            summed += rows
            cursor.execute(_PENDING_SQL.format(**names), {**window, **params})
            pending += cursor.fetchall()
            outside = [row[0] for row in rows if row[-1]]
            for start in range(0, len(outside), PEOPLE_CHUNK):
                people_in, named = _in_list(
                    "r.professional_id", "p", outside[start : start + PEOPLE_CHUNK]
                )
                sql = detail_sql.format(table=table, people=people_in, settled=settled, dated=dated)
                cursor.execute(sql, {**window, **named})
                detail += cursor.fetchall()
    return summed, pending, detail


# Each person with their profile's columns joined into one text (numbered in Python once per
# distinct text; four columns a person cost twice as much to fetch and number).
_PEOPLE_SQL = (
    "SELECT id, employer_id, region_id || '|' || series || '|' || title_level || '|' || "
    "institution_level FROM {table}{where} ORDER BY id"
)
# How many people a statement names when rows are asked for a list of people.
PEOPLE_CHUNK = 2_000


def year_rows(
    policy: Policy,
    year: int,
    now: dt.datetime,
    professional_ids: Iterable[int] | None = None,
    *,
    people: QuerySet[Professional] | None = None,
) -> Iterable[Row]:
    """The ledger rows for ``year`` of every professional, set-based: or of
    ``professional_ids`` (a few thousand to a statement), or of the ``people`` a queryset
    selects (one statement: for many people)."""
    if people is not None:
        return _year_rows(policy, year, now, _subquery(people))
    if professional_ids is None:
        return _year_rows(policy, year, now, None)
    ids = sorted(set(professional_ids))
    return chain.from_iterable(
        _year_rows(policy, year, now, _listed(ids[i : i + PEOPLE_CHUNK]))
        for i in range(0, len(ids), PEOPLE_CHUNK)
    )


def _year_rows(policy: Policy, year: int, now: dt.datetime, only: Only | None) -> Iterable[Row]:
    # A million fetched tuples would wake the cycle collector again and again, for nothing.
    with gc_paused():
        return _year_rows_unpaused(policy, year, now, only)


def _year_rows_unpaused(
    policy: Policy, year: int, now: dt.datetime, only: Only | None
) -> Iterable[Row]:
    where, params = "", dict[str, Any]()
    if only is not None:
        where, params = only("id")
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
    # the records _COUNTED_SQL sums are those learnt from its first year to this one.
    assert all(r.years[-1] == year for r in resolved if r), "a period not ending in its year"
    start = np.array([r.years[0] if r else year for r in resolved], dtype=np.int64)
    has_reqs = np.array([r is not None for r in resolved], dtype=bool)
    cycles: dict[int, list[tuple[Any, ...]]] = {}
    for raw, r in zip(raw_profiles, resolved, strict=True):
        if r and r.years[0] < year:
            cycles.setdefault(r.years[0], []).append(raw)
    changing = frozenset().union(*(r.changing for r in resolved if r))
    summed, waiting, detail = _records(year, cycles, only, changing)

    sums = {name: np.zeros(n, dtype=np.int64) for name in SUM_COLUMNS}
    pending = np.zeros(n, dtype=np.int64)

    def add(target: Any, at: Any, values: Any) -> None:
        target += np.bincount(at, weights=values, minlength=n).astype(np.int64)

    def columns_of(rows: list[tuple[Any, ...]], *positions: int) -> list[Any]:
        return [
            np.fromiter(map(itemgetter(p), rows), dtype=np.int64, count=len(rows))
            for p in positions
        ]

    if summed:
        at, *values = columns_of(summed, *range(1 + len(SUM_COLUMNS)))
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
        credited, taken = detail_column(1), detail_column(2)
        prof = person_profile[at]
        p_start, p_reqs = start[prof], has_reqs[prof]
        # Learnt outside the window read: counted without a requirement (nothing to judge,
        # ``counting.counts_without_requirement``), else as ``counting.makeup_refusal``
        # says — inside the person's own period (a cycle's earlier years), or after it where
        # the make-up rule of the day allows it; learnt before it, never.
        counts = ~p_reqs | ((taken >= p_start) & (taken <= year))
        late_counts = makeup_counts(policy)
        for row in np.flatnonzero(p_reqs & (taken > year)):
            counts[row] = late_counts(
                profiles[prof[row]], int(credited[row]), _as_date(detail[row][3])
            )
        # Per column: learnt inside the period, a category that counts on some days of it
        # only counts if it did on the record's day (``counting.category_refusal``).
        column_counts = dict.fromkeys(SUM_COLUMNS, counts)
        if changing:
            inside = np.flatnonzero(p_reqs & (taken >= p_start) & (taken <= year))
            for column in COLUMNS:
                if column.category not in changing:
                    continue
                mask = counts.copy()
                for row in inside:
                    reqs = resolved[prof[row]]
                    day = detail[row][3]
                    if reqs is None or day is None or column.category not in reqs.changing:
                        continue
                    span = reqs.span_on(_as_date(day))
                    mask[row] = span is None or column.category in span.categories
                column_counts[column.name] = mask
        for position, name in enumerate(SUM_COLUMNS, start=_DETAIL_SUMS_AT):
            kept = column_counts[name]
            add(sums[name], at[kept], detail_column(position)[kept])

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
