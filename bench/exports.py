"""Benchmark: an export of a million rows as a background job that streams (issue 15, item 3),
beside a bare cursor writing the same rows with XlsxWriter's constant_memory mode.

    python bench/exports.py [--year 2020] [--region 000000] [--rows N] [--format xlsx|csv]
                            [--sqlite PATH]

On the data set of ``bench/generate.py`` (``--sqlite PATH``, else ``DATABASE_URL``, else
``var/bench.sqlite3``), the year's ledger built first if it is not. Each run is a process of
its own (``--one``), so that its peak RSS (``resource.getrusage``) is its own:

- **project**: an export job (its owner the bench account ``bench-bureau-<region>``) of every
  person of the year in the ledger, the whole data set — the drill-down's own path:
  ``LedgerPeople`` (the ledger's rows read in chunks, ``QuerySet.iterator``),
  ``reporting.exports.people_rows`` (the standing of each row, as the page shows it) and
  ``jobs.exports.export_write`` (the file under var/exports, a new sheet past 1,048,575
  rows); every row of the year rather than one region's or one
  status's (a drill-down of the page always has a filter, and none of them holds 1M);
- **project at a tenth** of the rows: the same, to show the peak does not grow with the rows;
- **baseline**: one SELECT of the same rows in the same order through a bare cursor (a
  server-side cursor on PostgreSQL), the labels and figures laid out by hand, written with
  XlsxWriter in constant_memory mode.

Goal (issue 15): memory flat — the peak RSS of the whole export no more than 64 MB above the
process's RSS before it began, and no more than 1.5 times the tenth's growth plus 16 MB. The time
is reported beside the baseline's (no goal). The last line is the JSON result of
bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import benchlib

GROWTH_LIMIT_MB = 64.0
SOURCE = "bench_people_of_year"


def _rss_mb() -> float:
    """The process's resident set now, in MB (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1024 / 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def _people(year: int, limit: int | None) -> Any:
    from xueshi.compliance.models import PersonYear

    rows = PersonYear.objects.filter(year=year)
    if limit:
        last = rows.order_by("professional_id").values_list("professional_id", flat=True)
        bound = last[limit - 1 : limit].first()
        if bound is not None:
            rows = rows.filter(professional_id__lte=bound)
    return rows


def run_project(year: int, region_code: str, limit: int | None, file_format: str) -> dict[str, Any]:
    from xueshi.accounts.access import ActiveRole
    from xueshi.accounts.models import RoleAssignment
    from xueshi.compliance.ledger_selectors import LedgerPeople
    from xueshi.jobs.exports import Export, Sheet, export_register, export_write
    from xueshi.jobs.models import Job, JobKind, JobStatus
    from xueshi.reporting.exports import PEOPLE_HEADER, people_rows

    def people_of_year(job: Job, active: ActiveRole) -> Export:
        people = LedgerPeople(_people(year, limit))
        return Export(
            filename=f"bench-{year}",
            sheets=[Sheet("人员明细", PEOPLE_HEADER, people_rows(people), total=len(people))],
        )

    export_register(SOURCE, people_of_year)
    assignment = RoleAssignment.objects.select_related("user").get(
        user__username=f"bench-bureau-{region_code}", role="bureau_staff"
    )
    # The job as ``export_start`` records it; its body run here, in this process.
    job = Job.objects.create(
        kind=JobKind.EXPORT,
        title="bench",
        requested_by=assignment.user,
        role=assignment,
        params={"source": SOURCE, "format": file_format, "query": {"year": [str(year)]}},
    )
    before = _rss_mb()
    started = time.perf_counter()
    outcome, path = export_write(job)
    seconds = time.perf_counter() - started
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DONE, result=outcome.result)
    size = path.stat().st_size
    path.unlink()
    return {
        "seconds": seconds,
        "rows": outcome.result["rows"],
        "sheets": outcome.result["sheets"],
        "bytes": size,
        "rss_before_mb": before,
        "peak_mb": _peak_mb(),
    }


def run_baseline(year: int, limit: int | None) -> dict[str, Any]:
    import xlsxwriter
    from django.conf import settings
    from django.db import connection

    from xueshi.compliance.live import TITLE_LABELS
    from xueshi.rules.terms import SERIES_LABELS

    bound_sql, params = "", [year]
    if limit:
        rows = (
            _people(year, limit)
            .order_by("-professional_id")
            .values_list("professional_id", flat=True)
        )
        bound = rows.first()
        if bound is not None:
            bound_sql, params = " AND y.professional_id <= %s", [year, bound]
    from xueshi.compliance.models import PersonYear
    from xueshi.organisations.models import Employer
    from xueshi.people.models import Professional

    ledger, people = PersonYear._meta.db_table, Professional._meta.db_table
    employers = Employer._meta.db_table
    sql = (
        "SELECT p.full_name, p.id_number_masked, e.name, y.series, y.title_level, y.compliant,"
        " y.public, y.professional_hours, y.elective, y.credits_face + y.credits_remote,"
        " y.shortfall_public, y.shortfall_professional, y.shortfall_elective, y.pending"
        f" FROM {ledger} y JOIN {people} p ON p.id = y.professional_id"
        f" LEFT JOIN {employers} e ON e.id = y.employer_id"
        f" WHERE y.year = %s{bound_sql} ORDER BY p.full_name, y.professional_id"
    )
    from xueshi.reporting.exports import PEOPLE_HEADER as header

    status = {True: "已达标", False: "未达标", None: "无要求"}
    out = Path(settings.MEDIA_ROOT).parent / "exports" / f"bench-baseline-{os.getpid()}.xlsx"
    out.parent.mkdir(parents=True, exist_ok=True)
    before = _rss_mb()
    started = time.perf_counter()
    book = xlsxwriter.Workbook(
        str(out), {"constant_memory": True, "strings_to_formulas": False, "tmpdir": str(out.parent)}
    )
    sheet = book.add_worksheet("人员明细")
    for col, title in enumerate(header):
        sheet.write_string(0, col, title)
    n = 0
    # A server-side cursor on PostgreSQL (Django's chunked cursor), fetchmany on SQLite.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(2000):
            for (
                name,
                masked,
                unit,
                series,
                title,
                ok,
                pub,
                pro,
                ele,
                cred,
                sp,
                spr,
                se,
                pend,
            ) in chunk:
                n += 1
                sheet.write_string(n, 0, name)
                sheet.write_string(n, 1, masked)
                sheet.write_string(n, 2, unit or "")
                sheet.write_string(n, 3, SERIES_LABELS.get(series, series))
                sheet.write_string(n, 4, TITLE_LABELS.get(title, title))
                sheet.write_string(n, 5, str(year))
                sheet.write_string(n, 6, status[None if ok is None else bool(ok)])
                sheet.write_number(n, 7, pub / 100)
                sheet.write_number(n, 8, pro / 100)
                sheet.write_number(n, 9, ele / 100)
                sheet.write_number(n, 10, (pub + pro + ele) / 100)
                sheet.write_number(n, 11, cred / 100)
                short = []
                if sp:
                    short.append(f"公需科目 {sp / 100:g} 学时")
                if spr:
                    short.append(f"专业科目 {spr / 100:g} 学时")
                if se:
                    short.append(f"选修科目 {se / 100:g} 学时")
                if short:
                    sheet.write_string(n, 12, "；".join(short))
                sheet.write_number(n, 13, pend)
    book.close()
    seconds = time.perf_counter() - started
    size = out.stat().st_size
    out.unlink()
    return {
        "seconds": seconds,
        "rows": n,
        "sheets": 1,
        "bytes": size,
        "rss_before_mb": before,
        "peak_mb": _peak_mb(),
    }


def _child(args: argparse.Namespace, which: str, limit: int | None) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--one", which, "--year", str(args.year)]
    argv += ["--region", args.region, "--format", args.format]
    if limit:
        argv += ["--rows", str(limit)]
    if args.sqlite:
        argv += ["--sqlite", args.sqlite]
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        raise SystemExit(f"{which} failed: {done.stdout[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["growth_mb"] = result["peak_mb"] - result["rss_before_mb"]
    print(
        f"{which:>9} {result['rows']:>9,} rows  {result['seconds']:7.1f} s  "
        f"{result['bytes'] / 1e6:7.1f} MB file  peak RSS {result['peak_mb']:6.1f} MB "
        f"(+{result['growth_mb']:.1f} MB during the export)",
        file=sys.stderr,
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--year", type=int, default=2020)
    parser.add_argument("--region", default="440500", help="the owner's bureau region")
    parser.add_argument("--rows", type=int, default=None, help="at most this many people")
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--one", choices=("project", "baseline"), help=argparse.SUPPRESS)
    benchlib.add_database_argument(parser)
    args = parser.parse_args(argv)
    benchlib.setup_django(args.sqlite)

    if args.one == "project":
        print(json.dumps(run_project(args.year, args.region, args.rows, args.format)))
        return 0
    if args.one == "baseline":
        print(json.dumps(run_baseline(args.year, args.rows)))
        return 0

    from xueshi.compliance.ledger_selectors import year_is_open
    from xueshi.compliance.models import PersonYear
    from xueshi.compliance.services import ledger_rebuild

    extra: dict[str, Any] = {}
    if not year_is_open(args.year):
        seconds, _ = benchlib.timed(lambda: ledger_rebuild(year=args.year))
        extra["rebuild_seconds"] = round(seconds, 2)
        print(f"ledger_rebuild(year={args.year}): {seconds:.1f} s", file=sys.stderr)
    total = PersonYear.objects.filter(year=args.year).count()
    rows = min(args.rows or total, total)
    print(f"{benchlib.describe_database()}: {total:,} ledger rows of {args.year}", file=sys.stderr)
    tenth = _child(args, "project", max(rows // 10, 1))
    project = _child(args, "project", rows if rows < total else None)
    baseline = _child(args, "baseline", rows if rows < total else None)
    flat = project["growth_mb"] <= min(GROWTH_LIMIT_MB, 1.5 * tenth["growth_mb"] + 16)
    print(
        benchlib.result_line(
            name=f"export of {project['rows']:,} rows ({args.format}), peak RSS",
            figure=project["peak_mb"],
            unit="MB",
            baseline=baseline["peak_mb"],
            ratio=project["peak_mb"] / baseline["peak_mb"],
            goal=f"memory flat: +≤{GROWTH_LIMIT_MB:.0f} MB, ≤1.5x a tenth's growth +16 MB",
            met=flat,
            database=benchlib.vendor(),
            rows=project["rows"],
            seconds=round(project["seconds"], 1),
            baseline_seconds=round(baseline["seconds"], 1),
            time_ratio=round(project["seconds"] / baseline["seconds"], 2),
            growth_mb=round(project["growth_mb"], 1),
            tenth_rows=tenth["rows"],
            tenth_growth_mb=round(tenth["growth_mb"], 1),
            baseline_growth_mb=round(baseline["growth_mb"], 1),
            file_mb=round(project["bytes"] / 1e6, 1),
            **extra,
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
