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
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import chain
from decimal import Decimal
from functools import cache
from operator import itemgetter
from typing import Any

import numpy as np
from django.db import connection
from django.utils import timezone

from xueshi.people.models import Professional
from xueshi.policy_store import person_of
from xueshi.records.models import HourRecord, RecordStatus
from xueshi.reporting.selectors import LOOKBACK_YEARS, rules_record
from xueshi.rules import (
    Category,
    InstitutionLevel,
    Person,
    PolicyError,
    Reason,
    Record,
    Requirements,
    evaluate,
    evaluate_bulk,
    requirements,
)
from xueshi.rules import TitleLevel as RulesTitleLevel
from xueshi.rules.bulk import SUM_COLUMNS, Profile
from xueshi.rules.policy import Policy

PENDING = (RecordStatus.IN_REVIEW, RecordStatus.RETURNED)
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


def profile_of(region: str, year: int, series: str, title: str, institution: str) -> Profile:
    return (region, year, series or None, title or None, institution or None)


def _person(profile: Profile) -> Person:
    _, _, series, title, institution = profile
    return Person(
        title_level=RulesTitleLevel(title) if title else None,
        series=series,
        institution_level=InstitutionLevel(institution) if institution else None,
    )


def requirements_of(policy: Policy) -> Callable[[Profile], Requirements | None]:
    """The requirements of a profile, resolved once per policy and profile."""
    return _resolver(policy)


@cache
def _resolver(policy: Policy) -> Callable[[Profile], Requirements | None]:
    @cache
    def resolve(profile: Profile) -> Requirements | None:
        if profile[0] not in policy.regions:
            return None
        try:
            return requirements(policy, profile[0], profile[1], _person(profile))
        except PolicyError:  # NoRequirement
            return None

    return resolve


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
        .exclude(status=RecordStatus.DRAFT)
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
            r for r in records if r.credited_year == year and r.status == RecordStatus.APPROVED
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
_APPROVED, _PENDING = 1, 2
_CATEGORY = {"": 0, "public": 1, "professional": 2, "elective": 3}

_GROUPS_SQL = """
SELECT r.professional_id,
       CASE WHEN r.status = %s THEN 1 ELSE 2 END,
       r.credited_year,
       r.category,
       CASE WHEN r.required THEN 1 ELSE 0 END,
       CASE WHEN r.mode = 'online' THEN 1 ELSE 0 END,
       {taken_year},
       CASE WHEN {taken_year} > r.credited_year THEN r.end_date ELSE NULL END,
       CAST(ROUND(SUM(r.hours) * 100) AS BIGINT),
       CAST(ROUND(SUM(r.credits) * 100) AS BIGINT),
       COUNT(*)
FROM {table} r
WHERE {where} AND r.status IN (%s, %s, %s)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
"""
# The people a profile describes (NULL-safe; the profile's raw column values).
_PROFILE_COLUMNS = ("region_id", "series", "title_level", "institution_level")


def _taken_year_sql() -> str:
    if connection.vendor == "sqlite":
        return "CAST(strftime('%%Y', r.end_date) AS INTEGER)"
    return "CAST(EXTRACT(YEAR FROM r.end_date) AS INTEGER)"


def _makeup_counts(policy: Policy) -> Callable[[Profile, int, dt.date], bool]:
    """Whether learning taken on a date after the profile's period counts for its credited
    year, as the single evaluation decides it.

    The answer depends on the date only through the ``makeup`` rule in force on it, so it is
    asked once per profile, credited year and stretch of days between two changes of that
    rule in the region's chain (``Policy.change_days``), not once per date."""
    change_days = cache(lambda region: policy.change_days("makeup", region))
    decided: dict[tuple[Profile, int, int], bool] = {}

    def counts(profile: Profile, credited_year: int, taken_on: dt.date) -> bool:
        key = (profile, credited_year, bisect_right(change_days(profile[0]), taken_on))
        if key not in decided:
            probe = Record(credited_year, Category.PUBLIC, hours=Decimal(1), taken_on=taken_on)
            verdict = evaluate(
                policy,
                region=profile[0],
                year=profile[1],
                person=_person(profile),
                records=[probe],
            )
            refused = (Reason.MAKEUP_REFUSED, Reason.TAKEN_BEFORE_PERIOD)
            decided[key] = not any(note.reason in refused for note in verdict.notes)
        return decided[key]

    return counts


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _groups(
    year: int, cycles: list[tuple[Any, ...]], first_year: int, only: Sequence[int] | None
) -> list[tuple[Any, ...]]:
    """The grouped records of ``year`` for everyone (or the people ``only`` names), and of
    the earlier years of a multi-year period (``first_year`` … ``year - 1``) only for the
    people of the ``cycles`` profiles (raw column values): reading ten years of everyone's
    records to find a few teachers' cycles was most of the year-end's time
    (docs/performance.md)."""
    table = HourRecord._meta.db_table
    taken_year = _taken_year_sql()
    statuses = [RecordStatus.APPROVED, *PENDING]
    people_sql, people_params = "", []
    if only is not None:
        people_sql = f" AND r.professional_id IN ({', '.join(['%s'] * len(only))})"
        people_params = list(only)
    with connection.cursor() as cursor:
        cursor.execute(
            _GROUPS_SQL.format(
                taken_year=taken_year, table=table, where="r.credited_year = %s" + people_sql
            ),
            [RecordStatus.APPROVED, year, *people_params, *statuses],
        )
        groups = cursor.fetchall()
        if cycles and first_year < year:
            matches, params = [], []
            for values in cycles:
                parts = []
                for column, value in zip(_PROFILE_COLUMNS, values, strict=True):
                    if value is None:
                        parts.append(f"p.{column} IS NULL")
                    else:
                        parts.append(f"p.{column} = %s")
                        params.append(value)
                matches.append("(" + " AND ".join(parts) + ")")
            where = (
                "r.credited_year >= %s AND r.credited_year < %s"
                + people_sql
                + " AND r.professional_id IN "
                f"(SELECT p.id FROM {Professional._meta.db_table} p WHERE "
                + " OR ".join(matches)
                + ")"
            )
            cursor.execute(
                _GROUPS_SQL.format(taken_year=taken_year, table=table, where=where),
                [RecordStatus.APPROVED, first_year, year, *people_params, *params, *statuses],
            )
            groups += cursor.fetchall()
    return groups


_PEOPLE_SQL = (
    "SELECT id, region_id, employer_id, series, title_level, institution_level "
    "FROM {table}{where} ORDER BY id"
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
    where, params = "", []
    if only is not None:
        where = f" WHERE id IN ({', '.join(['%s'] * len(only))})"
        params = list(only)
    with connection.cursor() as cursor:
        cursor.execute(_PEOPLE_SQL.format(table=Professional._meta.db_table, where=where), params)
        people = cursor.fetchall()
    n = len(people)
    if not n:
        return []
    ids = np.fromiter(map(itemgetter(0), people), dtype=np.int64, count=n)
    # Number the distinct (region, series, title, institution) of the people, then make
    # each a rules profile once.
    raw_number: dict[tuple[Any, ...], int] = {}
    person_profile = np.fromiter(
        (
            raw_number.setdefault(key, len(raw_number))
            for key in zip(*(map(itemgetter(k), people) for k in (1, 3, 4, 5)), strict=True)
        ),
        dtype=np.int64,
        count=n,
    )
    raw_profiles = list(raw_number)
    profiles = [profile_of(r, year, s or "", t or "", i or "") for r, s, t, i in raw_profiles]
    resolve = requirements_of(policy)
    resolved = [resolve(profile) for profile in profiles]
    start = np.array([r.years[0] if r else year for r in resolved], dtype=np.int64)
    end = np.array([r.years[-1] if r else year for r in resolved], dtype=np.int64)
    has_reqs = np.array([r is not None for r in resolved], dtype=bool)
    cycles = [raw for raw, r in zip(raw_profiles, resolved, strict=True) if r and r.years[0] < year]
    groups = _groups(year, cycles, int(start.min()), only)

    sums = {name: np.zeros(n, dtype=np.int64) for name in SUM_COLUMNS}
    pending = np.zeros(n, dtype=np.int64)
    if groups:
        g = len(groups)

        def column(position: int) -> Any:
            return np.fromiter(map(itemgetter(position), groups), dtype=np.int64, count=g)

        pos = np.searchsorted(ids, column(0))
        status, credited, required, online = column(1), column(2), column(4), column(5)
        taken = column(6)
        category = np.fromiter(
            (_CATEGORY[c or ""] for c in map(itemgetter(3), groups)), dtype=np.int64, count=g
        )
        hours, credits, count = column(8), column(9), column(10)
        prof = person_profile[pos]
        p_start, p_end, p_reqs = start[prof], end[prof], has_reqs[prof]
        in_period = (credited >= p_start) & (credited <= p_end)
        waiting = in_period & (status == _PENDING)
        pending += np.bincount(pos[waiting], weights=count[waiting], minlength=n).astype(np.int64)
        approved = in_period & (status == _APPROVED)
        counts = approved & (~p_reqs | ((taken >= p_start) & (taken <= p_end)))
        # Taken after the period: make-up, as the rules of the date allow (rare rows).
        makeup_counts = _makeup_counts(policy)
        for row in np.flatnonzero(approved & p_reqs & (taken > p_end)):
            counts[row] = makeup_counts(
                profiles[prof[row]], int(credited[row]), _as_date(groups[row][7])
            )

        def add(target: str, mask: Any, values: Any) -> None:
            sums[target] += np.bincount(pos[mask], weights=values[mask], minlength=n).astype(
                np.int64
            )

        credit_rows = counts & (category == 0)
        add("credits_remote", credit_rows & (online == 1), credits)
        add("credits_face", credit_rows & (online == 0), credits)
        for name, code in _CATEGORY.items():
            if code:
                add(name, counts & (category == code), hours)
        required_public = counts & (category == 1) & (required == 1)
        add("public_required", required_public, hours)
        add("public_required_courses", required_public, count)

    compliant, shortfall = _evaluate(policy, profiles, person_profile, sums)
    columns = [
        ids.tolist(),
        [year] * n,
        *(list(map(itemgetter(k), people)) for k in (1, 2, 3, 4, 5)),
        *(sums[name].tolist() for name in SUM_COLUMNS),
        pending.tolist(),
        compliant,
        *(shortfall[key].tolist() for key in SHORTFALL_KEYS),
        [policy.version] * n,
        [now] * n,
    ]
    return zip(*columns, strict=True)


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
