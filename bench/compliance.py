"""Benchmark: year-end compliance of every person-year of a year, beside a hand-written baseline.

    python bench/compliance.py [--year 2020] [--repeat 3] [--sqlite PATH] [--explain]

On the data set of ``bench/generate.py`` (``--sqlite PATH``, else ``DATABASE_URL``, else
``var/bench.sqlite3``), in the same run and on the same database:

- the project: ``xueshi.compliance.compute.year_rows`` — one GROUP BY over the hour records,
  NumPy to fold the groups into per-person sums, ``evaluate_bulk`` once per profile, a row per
  professional with the verdict (``xueshi.compliance.live.compliance_of`` where the
  ledger is not installed);
- the baseline: one hand-written SQL GROUP BY of the approved hours of the year per person
  (and the five-year cycle of 洛江's teachers), checked in a tight Python loop against the
  requirement figures written into this file for 2014 and 2020.

Both must find the same people compliant (the script says so when they do not). Prints both
times (best of ``--repeat``), the ratio and the goal (≤1.5 times the baseline); ``--explain``
prints the query plans. The last line is the JSON result of bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

GOAL_RATIO = 1.5

# --- the baseline's rules, written out by hand for the years it knows ------------------------
# (region, series or None, title or None, institution or None) → requirement, for 2020; the
# figures are the policy's (policy/regions/*/parameters.yaml), read for that year.
#   hours: public, public_required, professional, elective, total, elective counted
HOURS_NATIONAL = (0, 0, 60, 0, 90, False)  # 《专业技术人员继续教育规定》: 90 h, 2/3 professional


def _rules_2020(region: str, series: str, title: str, institution: str) -> Any:
    # 汕头's notice is for 2014 only (docs/adr/0006): 2020 is the province's 2018 opinion
    # (elective counts) on the national 90 h, like the province itself.
    if region in ("440500", "440000"):
        return ("hours", (0, 0, 60, 0, 90, True))
    if region == "350504":
        if series == "health":
            if institution == "tertiary":
                return None  # set at the province, not in this district's notice
            return ("credits", (25, 12))  # 25 credits, remote ones count up to 12
        if series == "teacher":
            # 2016–2020: two required public courses and some training; the cycle's
            # 规定学时数 is not in the data, so the verdict is 无法判定 — never compliant.
            return ("undecided", ())
        return ("hours", HOURS_NATIONAL)
    # 开封's and 广德's notices are for 2016 and 2020: 开封 2020 is under the national rules.
    if region == "341882":
        return ("hours", (30, 0, 60, 0, 90, False))
    return ("hours", HOURS_NATIONAL)  # 350500, 410200 and any other region: the national rules


def _rules_2014(region: str, series: str, title: str, institution: str) -> Any:
    if region == "440500":
        return ("hours", (20, 0, 42, 12, 72, True))
    return None  # nothing in force elsewhere before the national rules (2015-10-01)


BASELINE_RULES: dict[int, Callable[[str, str, str, str], Any]] = {
    2014: _rules_2014,
    2020: _rules_2020,
}
CYCLE = {"region": "350504", "series": "teacher", "years": 5, "from": 2017}


def baseline_sql(vendor: str) -> str:
    """Every professional with the approved hours and credits of the year (and 洛江's teachers'
    five-year cycle) summed in one GROUP BY. Only learning taken inside the period counts: no
    make-up is allowed in the years this baseline knows (汕头's make-up of 2014 is credited to
    2010–2013, not to 2014)."""
    from xueshi.people.models import Professional
    from xueshi.records.models import HourRecord

    true = "1" if vendor == "sqlite" else "TRUE"
    records, people = HourRecord._meta.db_table, Professional._meta.db_table
    return f"""
SELECT p.id, p.region_id, p.series, p.title_level, p.institution_level,
       s.pub, s.req, s.courses, s.pro, s.ele, s.face, s.remote, s.this_year
FROM {people} p LEFT JOIN (
    SELECT x.pid,
       SUM(CASE WHEN x.category = 'public' THEN x.hours ELSE 0 END) AS pub,
       SUM(CASE WHEN x.category = 'public' AND x.required = {true} THEN x.hours ELSE 0 END)
           AS req,
       SUM(CASE WHEN x.category = 'public' AND x.required = {true} THEN 1 ELSE 0 END)
           AS courses,
       SUM(CASE WHEN x.category = 'professional' THEN x.hours ELSE 0 END) AS pro,
       SUM(CASE WHEN x.category = 'elective' THEN x.hours ELSE 0 END) AS ele,
       SUM(CASE WHEN x.category = '' AND x.mode <> 'online' THEN x.credits ELSE 0 END) AS face,
       SUM(CASE WHEN x.category = '' AND x.mode = 'online' THEN x.credits ELSE 0 END) AS remote,
       MAX(x.this_year) AS this_year
    FROM (
        SELECT r.professional_id AS pid, r.category, r.required, r.mode, r.hours, r.credits,
               1 AS this_year
        FROM {records} r
        WHERE r.credited_year = %(year)s AND r.status = 'approved'
          AND r.end_date >= %(first_day)s AND r.end_date <= %(last_day)s
        UNION ALL
        SELECT r.professional_id, r.category, r.required, r.mode, r.hours, r.credits, 0
        FROM {records} r
        WHERE r.professional_id IN (
                SELECT c.id FROM {people} c
                WHERE c.region_id = %(cycle_region)s AND c.series = %(cycle_series)s)
          AND r.credited_year >= %(cycle_start)s AND r.credited_year < %(year)s
          AND r.status = 'approved'
          AND r.end_date >= %(cycle_first_day)s AND r.end_date <= %(last_day)s
    ) x
    GROUP BY x.pid
) s ON s.pid = p.id
"""


def baseline(year: int) -> tuple[list[int], int]:
    """Every professional's verdict for ``year``, the hand-written way: the ids of those
    compliant, and how many have a requirement."""
    from django.db import connection

    rules = BASELINE_RULES[year]
    cycle_start = year - CYCLE["years"] + 1
    params = {
        "year": year,
        "first_day": f"{year}-01-01",
        "last_day": f"{year}-12-31",
        "cycle_start": cycle_start,
        "cycle_first_day": f"{cycle_start}-01-01",
        "cycle_region": CYCLE["region"] if year >= CYCLE["from"] else "",
        "cycle_series": CYCLE["series"],
    }
    with connection.cursor() as cursor:
        cursor.execute(baseline_sql(connection.vendor), params)
        rows = cursor.fetchall()
    compliant = []
    determined = 0
    cache: dict[tuple[str, str, str, str], Any] = {}
    for pid, region, series, title, inst, pub, req, _courses, pro, ele, face, remote, this in rows:
        key = (region, series, title, inst)
        rule = cache.get(key, 0)
        if rule == 0:
            rule = cache[key] = rules(*key)
        if rule is None:
            continue
        determined += 1
        if pub is None:
            continue  # nothing approved in the period
        kind, figures = rule
        if kind == "undecided":
            continue
        if not this:
            continue  # (a cycle's earlier years only)
        if kind == "credits":
            if face + min(remote, figures[1]) >= figures[0]:
                compliant.append(pid)
            continue
        f_pub, f_req, f_pro, f_ele, f_total, elective_counts = figures
        total = pub + pro + (ele if elective_counts else 0)
        if pub >= f_pub and req >= f_req and pro >= f_pro and ele >= f_ele and total >= f_total:
            compliant.append(pid)
    return compliant, determined


# --- the project's path ---------------------------------------------------------------------------


def project_path() -> tuple[str, Callable[[int], tuple[list[int], int]]]:
    """The project's year-end evaluation of everyone: the ledger's set-based ``year_rows`` if
    installed, else ``compliance_of`` over all professionals."""
    from xueshi.policy_store import current_policy

    try:
        from xueshi.compliance.compute import ROW_FIELDS, year_rows
    except ImportError:
        from xueshi.compliance.live import compliance_of
        from xueshi.people.models import Professional

        def by_compliance_of(year: int) -> tuple[list[int], int]:
            rows = compliance_of(Professional.objects.all(), year)
            compliant = [row.id for row in rows if row.determined and row.compliant]
            return compliant, sum(1 for row in rows if row.determined)

        return "xueshi.compliance.live.compliance_of", by_compliance_of

    from django.utils import timezone

    flag = ROW_FIELDS.index("compliant")

    def by_ledger(year: int) -> tuple[list[int], int]:
        compliant, determined = [], 0
        for row in year_rows(current_policy(), year, timezone.now()):
            if row[flag] is not None:
                determined += 1
                if row[flag]:
                    compliant.append(row[0])
        return compliant, determined

    return "xueshi.compliance.compute.year_rows", by_ledger


def explain(fn: Callable[[], Any]) -> None:
    """Print the plan of every query ``fn`` runs on the hour records."""
    from django.db import connection

    from xueshi.records.models import HourRecord

    queries: list[tuple[str, Any]] = []

    def capture(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if HourRecord._meta.db_table in sql:
            queries.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        fn()
    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    for sql, params in queries:
        print("--", " ".join(sql.split())[:300], "…")
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql, params)
            for row in cursor.fetchall():
                print("   ", " | ".join(str(c) for c in row))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2020, choices=sorted(BASELINE_RULES))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="print the query plans")
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    benchlib.setup_django(args.sqlite)
    info = benchlib.dataset_info()
    if not info or not info["complete"]:
        raise SystemExit("没有完整的数据集：先运行 python bench/generate.py")
    name, project = project_path()
    database = benchlib.describe_database()
    print(f"{database}: {info['people']:,} people, {info['records']:,} records; year {args.year}")

    if args.explain:
        print("project:")
        explain(lambda: project(args.year))
        print("baseline:")
        explain(lambda: baseline(args.year))

    # Interleaved, so both see the same machine (the box is shared) and a warm cache.
    project(args.year)
    t_project = t_baseline = float("inf")
    ours: tuple[list[int], int] = ([], 0)
    theirs: tuple[list[int], int] = ([], 0)
    for _ in range(max(1, args.repeat)):
        seconds, ours = benchlib.timed(lambda: project(args.year))
        t_project = min(t_project, seconds)
        seconds, theirs = benchlib.timed(lambda: baseline(args.year))
        t_baseline = min(t_baseline, seconds)
    agree = sorted(ours[0]) == sorted(theirs[0]) and ours[1] == theirs[1]
    ratio = t_project / t_baseline
    met = ratio <= GOAL_RATIO
    for label, seconds, (compliant, determined) in (
        (f"project  {name}", t_project, ours),
        ("baseline SQL GROUP BY + Python loop", t_baseline, theirs),
    ):
        print(
            f"{label:48} {seconds:7.3f} s   compliant {len(compliant):,} of {determined:,} "
            "with a requirement"
        )
    print(
        f"ratio {ratio:.2f}x (goal ≤{GOAL_RATIO}x): {'met' if met else 'NOT met'}"
        + ("" if agree else "  — the two DISAGREE on who is compliant")
    )
    print(
        benchlib.result_line(
            name=f"year-end compliance {args.year}",
            figure=t_project,
            unit="s",
            baseline=t_baseline,
            ratio=ratio,
            goal=f"≤{GOAL_RATIO}x baseline",
            met=met and agree,
            people=info["people"],
            records=info["records"],
            compliant=len(ours[0]),
            determined=ours[1],
            agree=agree,
            path=name,
            database=database,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
