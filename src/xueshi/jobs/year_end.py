"""Year-end evaluation of a region: who has completed the year's continuing education.

With the ledger (``xueshi.ledger``), the job rebuilds the year set-based and counts from it;
without it, the job evaluates the region's people in slices with the reporting module's
set-based compliance (one GROUP BY and the bulk evaluator per slice), so its progress moves
and its memory stays bounded. The result is counts: in total and by the regions directly
below.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from typing import Any

from django_tasks import task

from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.services import Outcome, Progress, job_run, job_start
from xueshi.organisations.models import Region
from xueshi.people.models import Professional
from xueshi.reporting.compliance import Tally, compliance_of

SLICE = 20_000  # people evaluated at a time


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


def _children(region: Region) -> tuple[dict[str, Region], dict[str, str]]:
    """The regions directly below ``region`` (and itself), and each region under it → the
    code of the one of those that holds it."""
    regions = list(Region.objects.filter(path__startswith=region.path))
    by_code = {r.code: r for r in regions}
    depth = len(region.path)
    holder = {}
    for r in regions:
        head = r.path[depth:].split("/", 1)[0]
        holder[r.code] = head if head in by_code else region.code
    return {code: by_code[code] for code in set(holder.values())}, holder


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


def _ledger_rebuild() -> Callable[..., Any] | None:
    """``xueshi.ledger.services.ledger_rebuild`` where the ledger is installed."""
    try:
        module = importlib.import_module("xueshi.ledger.services")
    except ModuleNotFoundError:
        return None
    rebuild = getattr(module, "ledger_rebuild", None)
    return rebuild if callable(rebuild) else None


def _with_ledger(
    job: Job, region: Region, year: int, rebuild: Callable[..., Any], progress: Progress
) -> dict[str, Any]:
    from xueshi.ledger.selectors import dashboard

    progress(0, 2, "正在重建台账…")
    accepted = inspect.signature(rebuild).parameters
    offered = {"year": year, "actor": job.requested_by, "region": region.code}
    written = rebuild(**{k: v for k, v in offered.items() if k in accepted})
    progress(1, 2, "正在统计…")
    board = dashboard(region, year)
    counts = _counts(board.summary, board.by_region, "ledger")
    counts["ledger_rows"] = sum(written.values()) if isinstance(written, dict) else written
    return counts


def _with_compliance(region: Region, year: int, progress: Progress) -> dict[str, Any]:
    people = Professional.objects.filter(region__path__startswith=region.path)
    ids = list(people.order_by("pk").values_list("pk", flat=True))
    progress(0, len(ids), f"正在评估 {len(ids)} 人…")
    children, holder = _children(region)
    total = Tally("all", "合计")
    by_region = {code: Tally(code, place.name) for code, place in children.items()}
    for start in range(0, len(ids), SLICE):
        chunk = ids[start : start + SLICE]
        rows = compliance_of(people.filter(pk__gte=chunk[0], pk__lte=chunk[-1]), year)
        for row in rows:
            for tally in (total, by_region[holder.get(row.region_id, region.code)]):
                tally.people += 1
                tally.determined += int(row.determined)
                tally.compliant += int(row.determined and row.compliant)
        progress(start + len(chunk), len(ids), f"已评估 {start + len(chunk)} / {len(ids)} 人")
    return _counts(total, [t for t in by_region.values() if t.people], "compliance")


def _year_end(job: Job, progress: Progress) -> Outcome:
    region, year = job.region, job.year
    if region is None or year is None:
        raise ServiceError("任务缺少地区或年度。")
    rebuild = _ledger_rebuild()
    if rebuild is not None:
        counts = _with_ledger(job, region, year, rebuild, progress)
    else:
        counts = _with_compliance(region, year, progress)
    message = (
        f"{year} 年度{region.name}：{counts['people']} 人，有学时要求的 {counts['determined']} 人，"
        f"已达标 {counts['compliant']} 人，未达标 {counts['not_compliant']} 人"
        f"（达标率 {counts['rate']}）。"
    )
    return Outcome(message=message, result=counts)


@task()
def year_end_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _year_end)
