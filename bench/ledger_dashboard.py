"""Benchmark: a bureau's dashboard (compliance by child region, series and title level) read
from the ledger, beside the same GROUP BY written by hand in raw SQL.

    python bench/ledger_dashboard.py [--year 2020] [--region 000000] [--repeat 7]
                                     [--sqlite PATH]
    python bench/ledger_dashboard.py --synthetic 1000000 [--sqlite var/bench-ledger.sqlite3]

On the data set of ``bench/generate.py`` (``--sqlite PATH``, else ``DATABASE_URL``, else
``var/bench.sqlite3``): the year's ledger is built first if it is not (``ledger_rebuild``,
timed and reported), then ``xueshi.compliance.ledger_selectors.dashboard(region, year)`` is timed
against the baseline, interleaved, best of ``--repeat``; both must give the same figures.

``--synthetic N`` needs no generated data set: it writes N ledger rows alone (people, regions,
series, titles and verdicts drawn with a fixed seed; foreign keys not enforced while
loading) into a SQLite file of its own (default ``var/bench-ledger.sqlite3``) and times the
same two reads over them.

Goal: ≤0.3 s over 1,000,000 person-years. The last line is the JSON result of bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

GOAL_SECONDS = 0.3
SYNTHETIC_FILE = benchlib.REPO / "var" / "bench-ledger.sqlite3"
SYNTHETIC_YEAR = 2020


def baseline(region_code: str, year: int) -> dict[str, dict[str, tuple[int, int, int]]]:
    """The dashboard's figures, by hand: one GROUP BY in SQL, folded into the tallies."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT path FROM organisations_region WHERE code = %s", [region_code])
        (path,) = cursor.fetchone()
        cursor.execute(
            "SELECT code, path FROM organisations_region WHERE path LIKE %s", [path + "%"]
        )
        paths = dict(cursor.fetchall())
        codes = list(paths)
        marks = ", ".join(["%s"] * len(codes))
        cursor.execute(
            "SELECT region_id, series, title_level, COUNT(*), COUNT(compliant), "
            "SUM(CASE WHEN compliant THEN 1 ELSE 0 END) "
            f"FROM ledger_personyear WHERE year = %s AND region_id IN ({marks}) "
            "GROUP BY region_id, series, title_level",
            [year, *codes],
        )
        groups = cursor.fetchall()
    tallies: dict[str, dict[str, list[int]]] = {
        name: defaultdict(lambda: [0, 0, 0]) for name in ("all", "region", "series", "title")
    }
    for region, series, title, people, determined, compliant in groups:
        head = paths[region][len(path) :].split("/", 1)[0] or region_code
        for name, key in (("all", "all"), ("region", head), ("series", series), ("title", title)):
            figures = tallies[name][key]
            figures[0] += people
            figures[1] += determined
            figures[2] += compliant or 0
    return {name: {k: tuple(v) for k, v in t.items()} for name, t in tallies.items()}  # type: ignore[misc]


def project(region: Any, year: int) -> dict[str, dict[str, tuple[int, int, int]]]:
    from xueshi.compliance.ledger_selectors import dashboard

    board = dashboard(region, year)

    def figures(tallies: Any) -> dict[str, tuple[int, int, int]]:
        return {t.key: (t.people, t.determined, t.compliant) for t in tallies}

    return {
        "all": figures([board.summary]),
        "region": figures(board.by_region),
        "series": figures(board.by_series),
        "title": figures(board.by_title),
    }


def synthesize(rows: int, year: int) -> None:
    """N ledger rows alone, drawn with a fixed seed, in the current (SQLite) database."""
    import numpy as np
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from xueshi.compliance.compute import ROW_FIELDS
    from xueshi.compliance.models import LedgerYear, PersonYear
    from xueshi.organisations.models import Region
    from xueshi.organisations.services import regions_sync_from_policy
    from xueshi.policy_store import current_policy
    from xueshi.rules.terms import SERIES_LABELS

    # A file of its own, migrated once: its rows have no people behind them, which a later
    # migration of another app would refuse when SQLite rebuilds a table.
    if PersonYear._meta.db_table not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)
    if not Region.objects.exists():
        regions_sync_from_policy(policy=current_policy())
    if PersonYear.objects.filter(year=year).count() == rows:
        return
    print(f"writing {rows:,} synthetic ledger rows …", file=sys.stderr)
    started = time.perf_counter()
    PersonYear.objects.all().delete()
    rng = np.random.default_rng(2026)
    regions = ["440500", "440000", "350504", "350500", "410200", "341882"]
    region = rng.choice(regions, size=rows, p=[0.36, 0.04, 0.17, 0.03, 0.25, 0.15])
    series = rng.choice(list(SERIES_LABELS), size=rows)
    title = rng.choice(["junior", "intermediate", "associate_senior", "senior"], size=rows)
    employer = rng.integers(1, rows // 300 + 2, size=rows)
    verdict = rng.random(rows)
    now = timezone.now()
    version = current_policy().version
    columns = {
        "professional_id": np.arange(1, rows + 1).tolist(),
        "year": [year] * rows,
        "region_id": region.tolist(),
        "employer_id": employer.tolist(),
        "series": series.tolist(),
        "title_level": title.tolist(),
        "institution_level": [""] * rows,
        "compliant": [None if v < 0.05 else bool(v < 0.6) for v in verdict.tolist()],
        "policy_version": [version] * rows,
        "updated_at": [now] * rows,
    }
    zeros = [0] * rows
    values = [columns.get(name, zeros) for name in ROW_FIELDS]
    names = [name.removesuffix("_id") for name in ROW_FIELDS]
    column_of = {f.name: f.column for f in PersonYear._meta.concrete_fields}
    sql = (
        f"INSERT INTO {PersonYear._meta.db_table} ({', '.join(column_of[n] for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")  # no people behind these rows
        all_rows = list(zip(*values, strict=True))
        for start in range(0, rows, 100_000):
            cursor.executemany(sql, all_rows[start : start + 100_000])
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("ANALYZE")
    LedgerYear.objects.update_or_create(
        year=year, defaults={"rebuilt_at": now, "policy_version": version, "rows": rows}
    )
    print(f"… in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--region", default="000000", help="the bureau's region code")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument(
        "--synthetic", type=int, metavar="N", help="N ledger rows alone, in a file of their own"
    )
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    if args.synthetic and not args.sqlite:
        args.sqlite = str(SYNTHETIC_FILE)
    benchlib.setup_django(args.sqlite)

    from xueshi.compliance.ledger_selectors import year_is_open
    from xueshi.compliance.models import PersonYear
    from xueshi.compliance.services import ledger_rebuild
    from xueshi.organisations.models import Region

    extra: dict[str, Any] = {}
    if args.synthetic:
        year = args.year or SYNTHETIC_YEAR
        synthesize(args.synthetic, year)
        extra["data"] = f"synthetic ledger rows ({args.synthetic:,})"
    else:
        info = benchlib.dataset_info()
        if not info or not info["complete"]:
            raise SystemExit(
                "没有完整的数据集：先运行 python bench/generate.py（或用 --synthetic N）"
            )
        year = args.year or 2020
        extra["data"] = f"{info['people']:,} people, {info['records']:,} records"
        if not year_is_open(year):
            seconds, _ = benchlib.timed(lambda: ledger_rebuild(year=year))
            extra["rebuild_seconds"] = round(seconds, 2)
            print(f"ledger_rebuild(year={year}): {seconds:.1f} s", file=sys.stderr)
    region = Region.objects.get(code=args.region)
    rows = PersonYear.objects.filter(year=year).count()
    print(f"{benchlib.describe_database()}: {rows:,} ledger rows of {year}; region {region}")

    ours = project(region, year)  # warm
    theirs = baseline(region.code, year)
    t_project = t_baseline = float("inf")
    for _ in range(max(1, args.repeat)):
        seconds, ours = benchlib.timed(lambda: project(region, year))
        t_project = min(t_project, seconds)
        seconds, theirs = benchlib.timed(lambda: baseline(region.code, year))
        t_baseline = min(t_baseline, seconds)
    same = ours == theirs
    if not same:
        print("the dashboard and the baseline disagree", file=sys.stderr)
    people = ours["all"]["all"][0] if ours["all"] else 0
    print(f"dashboard(): {t_project * 1000:.1f} ms; hand-written SQL: {t_baseline * 1000:.1f} ms")
    print(f"ratio {t_project / t_baseline:.2f}; {people:,} person-years; goal ≤{GOAL_SECONDS} s")
    print(
        benchlib.result_line(
            name="ledger_dashboard",
            figure=t_project,
            unit="s",
            baseline=t_baseline,
            ratio=t_project / t_baseline,
            goal=f"≤{GOAL_SECONDS} s over 1,000,000 person-years",
            met=same and t_project <= GOAL_SECONDS and people >= 1_000_000,
            person_years=people,
            database=benchlib.vendor(),
            agree=same,
            **extra,
        )
    )
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
