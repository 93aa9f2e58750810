"""Bulk evaluation from pre-aggregated sums, for millions of person-years.

The database aggregates (one GROUP BY over the records that count); this module applies the
rules to the sums. Requirements are resolved once per *profile* — region, year, series, title
level, institution level — of which there are a few hundred, and then compared to every row
with NumPy. The figures are the ones the single evaluation uses (``requirements()``), so the
two paths cannot disagree; a property test checks it.

Figures are integers in hundredths (of an hour, of a credit), so the sums stay exact.
The sums are ``xueshi.rules.counting``'s columns (``SUM_COLUMNS``) of the records that enter
the period (its step 1: status, period, make-up — the database's SQL is generated from its
description); which columns the requirements use (its step 2: regime, categories, remote cap)
is applied here, per profile, from the same module.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from .counting import COLUMNS, COURSES, FIGURES, REMOTE, SUM_COLUMNS, TRAINING, column_used
from .evaluate import NoRequirement, Requirements, requirements
from .policy import Policy
from .terms import InstitutionLevel, Person, TitleLevel
from .verdict import Key

Profile = tuple[str, int, str | None, str | None, str | None]
"""(region, year, series, title_level, institution_level)"""

KEYS = tuple(Key)
NOT_SET = -1
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def centi(value: Decimal) -> int:
    """A figure in hundredths, exactly (requirement figures are already rounded to 0.01)."""
    return int(value * 100)


@dataclass(frozen=True)
class BulkResult:
    profiles: Sequence[Profile]
    requirements: Sequence[Requirements | None]  # None: no requirement for that profile
    profile_index: IntArray
    compliant: BoolArray
    determined: BoolArray  # False where no requirement is in force
    shortfall: dict[str, IntArray]  # key → hundredths (courses: whole courses)

    def __len__(self) -> int:
        return len(self.compliant)

    def row_shortfall(self, row: int) -> dict[str, Decimal]:
        """The shortfall of one row in the single evaluation's form."""
        result = {}
        for key, values in self.shortfall.items():
            value = int(values[row])
            if value:
                result[key] = Decimal(value) / 100
        return result

    def compliance_rate(self) -> float:
        determined = int(self.determined.sum())
        return float(self.compliant.sum()) / determined if determined else 0.0


def profile_person(profile: Profile) -> Person:
    """The person a profile describes, as the rules take one."""
    _, _, series, title, institution = profile
    return Person(
        title_level=TitleLevel(title) if title else None,
        series=series,
        institution_level=InstitutionLevel(institution) if institution else None,
    )


def _tables(
    policy: Policy, profiles: Sequence[Profile]
) -> tuple[
    list[Requirements | None], dict[str, IntArray], dict[str, IntArray], dict[str, BoolArray]
]:
    """Per profile: requirement figures (hundredths, NOT_SET), the flags the verdict needs
    and whether each sum column is used."""
    n = len(profiles)
    figures = {str(key): np.full(n, NOT_SET, dtype=np.int64) for key in KEYS}
    figures["public_required_courses"] = np.full(n, NOT_SET, dtype=np.int64)
    flags = {
        name: np.zeros(n, dtype=np.int64) for name in ("determined", "centralised", "undecided")
    }
    flags["remote_cap"] = np.full(n, NOT_SET, dtype=np.int64)
    # Whether the requirements use a column (counting's step 2).
    used = {column.name: np.zeros(n, dtype=bool) for column in COLUMNS}
    resolved: list[Requirements | None] = []
    for i, profile in enumerate(profiles):
        region, year = profile[0], profile[1]
        try:
            reqs = requirements(policy, region, int(year), profile_person(profile))
        except NoRequirement:
            resolved.append(None)
            continue
        resolved.append(reqs)
        flags["determined"][i] = 1
        flags["centralised"][i] = int(reqs.centralised_training is not None)
        flags["undecided"][i] = int(bool(reqs.undecided))
        if reqs.remote_cap is not None:
            flags["remote_cap"][i] = centi(reqs.remote_cap.value)
        for column in COLUMNS:
            used[column.name][i] = column_used(column, reqs)
        for figure in reqs.figures:
            figures[str(figure.key)][i] = centi(figure.required)
        if reqs.public_required_courses is not None:
            figures["public_required_courses"][i] = int(reqs.public_required_courses.required)
    return resolved, figures, flags, used


def evaluate_bulk(
    policy: Policy, profiles: Sequence[Profile], profile_index: Any, sums: Mapping[str, Any]
) -> BulkResult:
    """Evaluate rows given as a profile index per row and columns of sums (hundredths)."""
    index = np.asarray(profile_index, dtype=np.int64)
    rows = len(index)
    cols: dict[str, IntArray] = {}
    for name in SUM_COLUMNS:
        column = sums.get(name)
        cols[name] = (
            np.zeros(rows, dtype=np.int64) if column is None else np.asarray(column, dtype=np.int64)
        )
        if len(cols[name]) != rows:
            raise ValueError(f"column {name} has {len(cols[name])} rows, expected {rows}")
    resolved, figures, flags, uses = _tables(policy, profiles)

    def per_row(table: IntArray) -> IntArray:
        return table[index]

    # As counting.counted, for every row at once: the columns the requirements use, remote
    # credits up to the cap, summed into the verdict's figures.
    used = {name: np.where(uses[name][index], cols[name], 0) for name in SUM_COLUMNS}
    cap = per_row(flags["remote_cap"])
    used[REMOTE] = np.where(cap >= 0, np.minimum(used[REMOTE], cap), used[REMOTE])
    counted = {str(key): _sum(used[name] for name in names) for key, names in FIGURES.items()}
    counted[COURSES] = used[COURSES]

    # As Verdict.compliant: never where a figure a clause relies on is not in the data.
    compliant = per_row(flags["determined"]).astype(bool) & ~per_row(flags["undecided"]).astype(
        bool
    )
    shortfall: dict[str, IntArray] = {}
    for key in KEYS:
        required = per_row(figures[str(key)])
        gap = np.where(required >= 0, np.maximum(required - counted[str(key)], 0), 0)
        shortfall[str(key)] = gap
        compliant &= gap == 0
    # As in evaluate.total_shortfall: the total's shortfall is what the categories leave.
    by_category = (
        np.maximum(shortfall["public"], shortfall["public_required"])
        + shortfall["professional"]
        + shortfall["elective"]
    )
    shortfall["total"] = np.maximum(shortfall["total"] - by_category, 0)
    # Teachers' cycle: public required courses (whole courses, reported under public_required)
    courses_required = per_row(figures["public_required_courses"])
    course_gap = np.where(
        courses_required >= 0, np.maximum(courses_required - counted[COURSES], 0), 0
    )
    shortfall[str(Key.PUBLIC_REQUIRED)] = np.where(
        courses_required >= 0, course_gap * 100, shortfall[str(Key.PUBLIC_REQUIRED)]
    )
    compliant &= course_gap == 0
    trained = _any(counted[name] > 0 for name in TRAINING)
    compliant &= ~per_row(flags["centralised"]).astype(bool) | trained
    return BulkResult(
        profiles=profiles,
        requirements=resolved,
        profile_index=index,
        compliant=compliant,
        determined=per_row(flags["determined"]).astype(bool),
        shortfall=shortfall,
    )


def _sum(columns: Iterable[IntArray]) -> IntArray:
    return reduce(np.add, columns)


def _any(columns: Iterable[BoolArray]) -> BoolArray:
    return reduce(np.logical_or, columns)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Building a million small tuples would trigger the cycle collector again and again,
    for nothing: none of them can form a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def evaluate_rows(policy: Policy, rows: Sequence[Sequence[Any]]) -> BulkResult:
    """Evaluate rows as a cursor returns them: the five profile fields, then SUM_COLUMNS."""
    count = len(rows)
    with gc_paused():
        keys = list(map(itemgetter(0, 1, 2, 3, 4), rows))
        ids = dict.fromkeys(keys)
        for number, key in enumerate(ids):
            ids[key] = number
        index = np.fromiter(map(ids.__getitem__, keys), dtype=np.int64, count=count)
        del keys
        sums = {
            name: np.fromiter(map(itemgetter(5 + position), rows), dtype=np.int64, count=count)
            for position, name in enumerate(SUM_COLUMNS)
        }
    return evaluate_bulk(policy, list(ids), index, sums)
