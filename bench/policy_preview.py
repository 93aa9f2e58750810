"""Benchmark: the impact preview of a bureau's draft notice over its region's whole ledger.

    python bench/policy_preview.py [--region 440500] [--year 2020] [--total 90] [--sqlite PATH]

On the data set of ``bench/generate.py`` (``--sqlite PATH``, else ``DATABASE_URL``, else
``var/bench.sqlite3``): the year's ledger is built first if it is not (``ledger_rebuild``),
then a draft for ``--region`` in the shape of Shantou's 2014 notice (three categories,
public 20, professional 42, elective 12) with the total at ``--total`` is loaded as
the bureau's page loads it (``policies.selectors.draft_policy``) and its preview is timed:
``compliance.impact.ledger_impact`` — every ledger row of the region's people read in
chunks, judged under the policy in force and under the draft with ``rules.evaluate_bulk``,
tallied by unit, series and title level, a named sample. It is the body of the background
job, without the job's bookkeeping. Nothing is written.

Goal: ≤10 s for 100,000 person-years (a bureau waits for it on the job page). The last line
is the JSON result of bench/README.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

GOAL_SECONDS = 10.0

NOTICE = """\
{region}-{year}-bench:
  title: 关于做好{year}年度专业技术人员继续教育工作的通知（基准测试）
  issuer: 人力资源和社会保障局
  date: {year}-01-01
  for_year: {year}
"""

# The shape of Shantou's 2014 notice, the total raised to 90 (tests/support/drafts.py).
PARAMETERS = """\
hours.total:
  - from: {year}-01-01
    until: {year}-12-31
    unit: hour
    value: {total}
    reference:
      notice: {region}-{year}-bench
      section: 二
      clause: 当年度参加继续教育累计不少于{total}学时。
categories:
  - from: {year}-01-01
    until: {year}-12-31
    unit: category
    value: [public, professional, elective]
    reference:
      notice: {region}-{year}-bench
      section: 二
      clause: 专业技术人员接受继续教育培训分为公需科目、专业科目和选修科目等三类。
""" + "".join(
    f"""\
hours.{name}:
  - from: {{year}}-01-01
    until: {{year}}-12-31
    unit: hour
    value: {hours}
    reference:
      notice: {{region}}-{{year}}-bench
      section: 二
      clause: {label}不少于{hours}学时。
"""
    for name, hours, label in (
        ("public", 20, "公需科目"),
        ("professional", 42, "专业科目"),
        ("elective", 12, "选修科目"),
    )
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="440500")
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--total", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3)
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    benchlib.setup_django(args.sqlite)

    from xueshi.compliance.impact import ledger_impact
    from xueshi.compliance.ledger_selectors import year_is_open
    from xueshi.compliance.models import PersonYear
    from xueshi.compliance.services import ledger_rebuild
    from xueshi.organisations.models import Region
    from xueshi.policies.selectors import draft_policy

    info = benchlib.dataset_info()
    if not info or not info["complete"]:
        raise SystemExit("没有完整的数据集：先运行 python bench/generate.py")
    year = args.year
    if not year_is_open(year):
        seconds, _ = benchlib.timed(lambda: ledger_rebuild(year=year))
        print(f"ledger_rebuild(year={year}): {seconds:.1f} s", file=sys.stderr)
    region = Region.objects.get(code=args.region)
    rows = PersonYear.objects.filter(year=year, region__path__startswith=region.path).count()
    print(f"{benchlib.describe_database()}: {rows:,} ledger rows of {year} in {region}")

    fields = {"region": region.code, "year": year, "total": args.total}
    started = time.perf_counter()
    draft = draft_policy(region.code, NOTICE.format(**fields), PARAMETERS.format(**fields), "bench")
    load_seconds = time.perf_counter() - started
    best, impact = benchlib.best_of(
        args.repeat, lambda: ledger_impact(draft.before, draft.after, region, [year])
    )
    print(
        f"preview: {best:.2f} s for {impact.people:,} person-years (draft loaded in "
        f"{load_seconds * 1000:.0f} ms); compliant {impact.compliant_before:,} → "
        f"{impact.compliant_after:,}; changed {impact.changed:,}; "
        f"{len(impact.by_employer):,} units"
    )
    print(
        benchlib.result_line(
            name="policy_preview",
            figure=best,
            unit="s",
            baseline=None,
            ratio=None,
            goal=f"≤{GOAL_SECONDS:.0f} s for 100,000 person-years",
            met=best <= GOAL_SECONDS and impact.people >= 100_000,
            person_years=impact.people,
            changed=impact.changed,
            database=benchlib.vendor(),
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
