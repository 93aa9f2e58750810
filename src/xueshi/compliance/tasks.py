"""The ledger's background jobs.

- Year-end evaluation of a region: who has completed the year's continuing education. The
  job rebuilds the year's ledger set-based (``ledger_rebuild``) and counts from it with the
  bureau dashboard's selector. The result is counts: in total and by the regions directly
  below, with the policy version they were computed under.
- Rebuild of a year's ledger under the policy in force (``ledger_rebuild_start``), queued by
  ``xueshi policy sync`` for every open year built under another version
  (``ledger_rebuild_stale``): once per year and version.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_tasks import task

from xueshi.accounts.models import User
from xueshi.compliance.ledger_selectors import (
    StaleLedgerYear,
    dashboard,
    rebuild_job_active,
    stale_years,
)
from xueshi.compliance.live import Tally
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.services import ledger_analyze, ledger_rebuild, ledger_vacuum
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.recovery import job_reconcile
from xueshi.jobs.registry import CommandStarter
from xueshi.jobs.services import Outcome, Progress, job_complete, job_run, job_start
from xueshi.organisations.models import Region
from xueshi.policy_store import current_policy


def year_end_start(
    *,
    region_code: str,
    year: int,
    requested_by: User | None = None,
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
    """Rebuild the year and count from it (in the caller's transaction: the rebuild's)."""
    progress(0, 2, "正在重建台账…")
    written = ledger_rebuild(year=year, actor=job.requested_by)
    ledger_analyze()
    progress(1, 2, "正在统计…")
    board = dashboard(region, year)
    counts = _counts(board.summary, board.by_region, "ledger")
    counts["ledger_rows"] = sum(written.values())
    counts["policy_version"] = board.policy_version
    progress(2, 2, "完成")
    return counts


def _year_end(job: Job, progress: Progress) -> Outcome:
    region, year = job.region, job.year
    if region is None or year is None:
        raise ServiceError("任务缺少地区或年度。")
    # The year's ledger, the counts and the job's result commit together.
    with transaction.atomic():
        counts = _with_ledger(job, region, year, progress)
        message = (
            f"{year} 年度{region.name}：{counts['people']} 人，"
            f"有学时要求的 {counts['determined']} 人，"
            f"已达标 {counts['compliant']} 人，未达标 {counts['not_compliant']} 人"
            f"（达标率 {counts['rate']}）。"
        )
        outcome = Outcome(message=message, result=counts)
        job_complete(job, outcome)
    ledger_vacuum()
    return outcome


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


def ledger_rebuild_start(
    *, year: int, requested_by: User | None = None, inline: bool | None = None
) -> tuple[Job, bool]:
    """Queue a rebuild of ``year``'s ledger under the policy in force, unless one for that
    year and version is queued or running already: then that job, and False.

    The open year's row is locked while looking (PostgreSQL; SQLite's write transaction
    begins at once), so two syncs at once — two machines after a deploy — queue one job. A
    job whose worker is gone (``job_reconcile``) does not count."""
    version = current_policy().version
    with transaction.atomic():
        LedgerYear.objects.select_for_update().filter(year=year).first()
        active = rebuild_job_active(year, version)
        if active is not None and not job_reconcile(active).finished:
            return active, False
        job = job_start(
            kind=JobKind.LEDGER_REBUILD,
            title=f"{year} 年度达标台账重建（政策版本 {version}）",
            requested_by=requested_by,
            year=year,
            params={"policy_version": version},
            inline=inline,
        )
    return job, True


def ledger_rebuild_stale(
    *, requested_by: User | None = None, inline: bool | None = None, rows: bool = True
) -> list[tuple[StaleLedgerYear, Job, bool]]:
    """For every open year not computed under the policy in force (its last rebuild, or any
    of its rows: ``stale_years(rows=True)``), its rebuild job and whether it was queued now.

    ``rows=False`` reads the open years only, not their rows: enough where the version in
    force has just changed (a bureau published a notice), so no open year was built under it."""
    queued = []
    for stale in stale_years(rows=rows):
        job, new = ledger_rebuild_start(year=stale.year, requested_by=requested_by, inline=inline)
        queued.append((stale, job, new))
    return queued


def _ledger_rebuild(job: Job, progress: Progress) -> Outcome:
    year = job.year
    if year is None:
        raise ServiceError("任务缺少年度。")
    progress(0, 1, f"正在按现行政策重建 {year} 年度台账…")
    with transaction.atomic():  # the year's ledger and the job's result commit together
        rows = ledger_rebuild(year=year, actor=job.requested_by)[year]
        version = current_policy().version
        wanted = job.params.get("policy_version", version)
        message = f"{year} 年度台账已按政策版本 {version} 重建：{rows} 行。"
        if wanted != version:
            # A worker that runs another policy than the one that queued the job (not
            # restarted yet, or restarted with a newer one): the ledger now says the version
            # it used, and ``xueshi policy sync`` queues again if that is not the one in force.
            message += f"（排队时的政策版本为 {wanted}。）"
        progress(1, 1, "完成")
        outcome = Outcome(
            message=message,
            result={"year": year, "ledger_rows": rows, "policy_version": version},
        )
        job_complete(job, outcome)
    ledger_vacuum()
    return outcome


@task()
def ledger_rebuild_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _ledger_rebuild)
