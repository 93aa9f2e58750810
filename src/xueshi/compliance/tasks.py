"""Year-end evaluation of a region: who has completed the year's continuing education.

The job rebuilds the year's ledger set-based (``ledger_rebuild``) and counts from it with the
bureau dashboard's selector. The result is counts: in total and by the regions directly
below.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from xueshi.compliance.ledger_selectors import dashboard
from xueshi.compliance.live import Tally
from xueshi.compliance.services import ledger_rebuild
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.registry import CommandStarter
from xueshi.jobs.services import Outcome, Progress, job_run, job_start
from xueshi.organisations.models import Region


def year_end_start(
    *,
    region_code: str,
    year: int,
    requested_by: Any = None,
    role: Any = None,
    inline: bool | None = None,
) -> Job:
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise ServiceError(f"没有行政区划代码为 {region_code} 的地区。")
    if not 2000 <= year <= 2100:
        raise ServiceError(f"年度 {year} 无效。")
    return job_start(
        kind=JobKind.YEAR_END,
        title=f"{year} 年度 {region.name} 继续教育完成情况评估",
        requested_by=requested_by,
        role=role,
        region_id=region.code,
        year=year,
        inline=inline,
    )


def _tally_dict(tally: Tally, code: str = "") -> dict[str, Any]:
    return {
        "code": code or tally.key,
        "label": tally.label,
        "people": tally.people,
        "determined": tally.determined,
        "compliant": tally.compliant,
        "not_compliant": tally.not_compliant,
        "rate": tally.rate,
    }


def _counts(total: Tally, by_region: list[Tally], source: str) -> dict[str, Any]:
    return {
        **_tally_dict(total, "all"),
        "source": source,
        "by_region": [_tally_dict(t) for t in sorted(by_region, key=lambda t: (-t.people, t.key))],
    }


def _with_ledger(job: Job, region: Region, year: int, progress: Progress) -> dict[str, Any]:
    progress(0, 2, "正在重建台账…")
    written = ledger_rebuild(year=year, actor=job.requested_by)
    progress(1, 2, "正在统计…")
    board = dashboard(region, year)
    counts = _counts(board.summary, board.by_region, "ledger")
    counts["ledger_rows"] = sum(written.values())
    progress(2, 2, "完成")
    return counts


def _year_end(job: Job, progress: Progress) -> Outcome:
    region, year = job.region, job.year
    if region is None or year is None:
        raise ServiceError("任务缺少地区或年度。")
    counts = _with_ledger(job, region, year, progress)
    message = (
        f"{year} 年度{region.name}：{counts['people']} 人，有学时要求的 {counts['determined']} 人，"
        f"已达标 {counts['compliant']} 人，未达标 {counts['not_compliant']} 人"
        f"（达标率 {counts['rate']}）。"
    )
    return Outcome(message=message, result=counts)


@task()
def year_end_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _year_end)


def _start_from_command(options: dict[str, Any], inline: bool | None) -> Job:
    return year_end_start(region_code=options["region"], year=options["year"], inline=inline)


YEAR_END_COMMAND = CommandStarter(
    name="run-year-end",
    help="evaluate a region's year (the region and every region below)",
    arguments=(
        (("--region",), {"required": True, "help": "GB/T 2260 code, e.g. 440500"}),
        (("--year",), {"required": True, "type": int}),
    ),
    start=_start_from_command,
)
