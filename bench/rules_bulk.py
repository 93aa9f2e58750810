"""Benchmark: evaluate 1,000,000 person-years from aggregated sums.

    python bench/rules_bulk.py [--rows 1000000] [--repeat 3]

Prints person-years per second for two entry points: columns (NumPy arrays, as a columnar
query or the ledger gives them) and rows (tuples, as a DB cursor gives them). Goal: 1M
person-years in ≤2 s on one core, so the rules never dominate the SQL aggregation.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import numpy as np

from xueshi.rules import load_policy
from xueshi.rules.bulk import evaluate_bulk, evaluate_rows
from xueshi.rules.counting import SUM_COLUMNS
from xueshi.rules.policy import default_policy_dir

REGIONS = ["440500", "440000", "350504", "410200", "341882"]
YEARS = list(range(2016, 2025))
SERIES = ["engineering", "health", "teacher", "accounting", "agriculture"]
TITLES = ["junior", "intermediate", "associate_senior", "senior"]
INSTITUTIONS = [None, "primary", "secondary", "tertiary"]


def make_data(rows: int, seed: int = 2026) -> tuple[list, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    profiles = [
        (r, y, s, t, (i if s == "health" else None))
        for r in REGIONS
        for y in YEARS
        for s in SERIES
        for t in TITLES
        for i in INSTITUTIONS
        if s == "health" or i is None
    ]
    index = rng.integers(0, len(profiles), rows, dtype=np.int64)
    hours = lambda high: rng.integers(0, high, rows, dtype=np.int64) * 50  # noqa: E731 (½ h)
    sums = {
        "public": hours(70),
        "professional": hours(160),
        "elective": hours(40),
        "credits_face": hours(40),
        "credits_remote": hours(40),
        "public_required_courses": rng.integers(0, 4, rows, dtype=np.int64),
    }
    sums["public_required"] = np.minimum(sums["public"], hours(50))
    return profiles, index, sums


def best_of(repeat: int, fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goal says

    profiles, index, sums = make_data(args.rows)
    cursor_rows = [
        (*profiles[i], *(int(sums[c][k]) for c in SUM_COLUMNS))
        for k, i in enumerate(index.tolist())
    ]

    def columns() -> None:
        # a fresh policy each time: requirement resolution is part of the measured work
        evaluate_bulk(load_policy(default_policy_dir()), profiles, index, sums)

    def rows() -> None:
        evaluate_rows(load_policy(default_policy_dir()), cursor_rows)

    result = evaluate_bulk(load_policy(default_policy_dir()), profiles, index, sums)
    t_columns = best_of(args.repeat, columns)
    t_rows = best_of(args.repeat, rows)
    n = args.rows
    print(
        f"person-years: {n:,}  profiles: {len(profiles)}  "
        f"compliant: {result.compliant.mean():.1%}  determined: {result.determined.mean():.1%}"
    )
    print(f"columns (arrays):   {t_columns:6.3f} s  {n / t_columns:12,.0f} person-years/s")
    print(f"rows (cursor):      {t_rows:6.3f} s  {n / t_rows:12,.0f} person-years/s")
    goal = 2.0 * n / 1_000_000
    ok = max(t_columns, t_rows) <= goal
    print(f"goal: {n:,} in ≤{goal:.2f} s on one core — {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
