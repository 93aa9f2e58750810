"""The exports of the compliance reports: what each sheet holds, for ``xueshi.jobs.exports``
(a background job that streams the rows into .xlsx or CSV; ADR 0022).

Each builder runs in the worker under the role the export was asked in and reads the page's
own filters from the job: the file holds the rows the page lists (a drill-down's people read
from the ledger in chunks, ``LedgerPeople``). Text that starts with "=" stays text
(STACK_NOTES: Excel): the writer never makes a formula.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import QueryDict

from xueshi.accounts.access import ActiveRole
from xueshi.compliance.ledger_selectors import StaleLedgerYear
from xueshi.compliance.live import PersonCompliance, Tally
from xueshi.jobs.exports import Export, Sheet, export_query
from xueshi.jobs.models import Job
from xueshi.reporting import charts
from xueshi.reporting.forms import ComplianceFilterForm
from xueshi.reporting.reports import (
    BureauReport,
    EmployerReport,
    bureau_filter_form,
    bureau_report,
    employer_report,
)

PEOPLE_HEADER = [
    "姓名",
    "公民身份号码",
    "工作单位",
    "专业技术系列",
    "职称级别",
    "核查期间",
    "是否达标",
    "公需科目",
    "专业科目",
    "选修科目",
    "总学时",
    "学分",
    "尚缺",
    "待审核记录",
]
TALLY_HEADER = ["分组", "人数", "有要求人数", "已达标", "未达标", "达标率"]


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def people_rows(rows: Iterable[PersonCompliance]) -> Iterable[list[Any]]:
    for r in rows:
        yield [
            r.full_name,
            r.masked_id,
            r.employer_name,
            r.series_label,
            r.title_label,
            r.period,
            r.status_label,
            _number(r.counted["public"]),
            _number(r.counted["professional"]),
            _number(r.counted["elective"]),
            _number(r.counted["total"]),
            _number(r.counted["credits"]),
            r.shortfall_text,
            r.pending,
        ]


def tally_rows(tallies: Iterable[Tally]) -> Iterable[list[Any]]:
    for t in tallies:
        yield [t.label, t.people, t.determined, t.compliant, t.not_compliant, t.rate]


def notice_sheets(stale: StaleLedgerYear | None) -> list[Sheet]:
    """A first sheet saying the figures come from a ledger built under an older policy."""
    return [Sheet("注意", ["注意"], [[stale.notice]], total=1)] if stale is not None else []


def _tallies(name: str, tallies: Sequence[Tally]) -> Sheet:
    return Sheet(name, TALLY_HEADER, tally_rows(tallies), total=len(tallies))


def _people(name: str, rows: Sequence[PersonCompliance]) -> Sheet:
    return Sheet(name, PEOPLE_HEADER, people_rows(rows), total=len(rows))


def employer_export_of(report: EmployerReport) -> Export:
    return Export(
        filename=f"{report.employer.name}-{report.year}年度继续教育达标情况",
        sheets=[
            *notice_sheets(report.stale),
            _people(f"{report.year}年度达标情况", report.rows),
            _tallies("汇总", [report.summary]),
        ],
    )


def employer_export(job: Job, active: ActiveRole) -> Export:
    """本单位达标情况's staff by the page's filters (source ``employer_compliance``)."""
    filters = ComplianceFilterForm(export_query(job) or None).filters()
    return employer_export_of(employer_report(active, filters))


def bureau_export_of(report: BureauReport) -> Export:
    sheets: list[Sheet] = [
        *notice_sheets(report.stale),
        _tallies("汇总", [report.summary]),
        _tallies("按单位", report.by_unit),
        _tallies("按系列", report.by_series),
        _tallies("按职称级别", report.by_title),
        _tallies("按地区", report.by_region),
    ]
    if report.drilled:
        sheets.append(_people("人员明细", report.rows))
    return Export(filename=f"{report.region.name}-{report.year}年度继续教育达标统计", sheets=sheets)


def bureau_export(job: Job, active: ActiveRole) -> Export:
    """达标统计's tallies, and a drill-down's people, by the page's filters (source
    ``bureau_compliance``)."""
    filters = bureau_filter_form(active, export_query(job) or None).filters()
    return bureau_export_of(bureau_report(active, filters))


def charts_export_of(context: dict[str, Any]) -> Export:
    """统计图表's tables, a sheet a chart."""
    tally_header = ["分组", "有要求人数", "已达标", "未达标", "达标率（%）"]

    def bars(rows: Sequence[Any]) -> list[list[Any]]:
        return [
            [
                b.label,
                b.people,
                b.compliant,
                b.not_compliant,
                float(b.rate) if b.rate is not None else "",
            ]
            for b in rows
        ]

    time_header = ["审核决定数", "中位数（工作日）", "90%分位数（工作日）"]

    def times(rows: Iterable[Any]) -> Iterable[list[Any]]:
        for t in rows:
            blank = ("" if v is None else v for v in (t.median, t.p90))
            yield [t.label, t.decisions, *blank]

    year = context["year"]
    sheets = [
        Sheet("历年达标趋势", ["年度", *tally_header[1:]], bars(context["trend"])),
        Sheet(f"{year}按地区", tally_header, bars(context["by_region"])),
        Sheet(f"{year}按系列", tally_header, bars(context["by_series"])),
        Sheet(f"{year}按职称", tally_header, bars(context["by_title"])),
        Sheet(
            "待审核积压",
            ["审核层级", *context["backlog_buckets"], "合计"],
            [[b.label, *b.counts, b.records] for b in context["backlog"]],
        ),
        Sheet(
            f"{year}审核用时按月",
            ["月份", *time_header],
            list(times(context["review_time"].by_month)),
        ),
        Sheet(
            f"{year}审核用时按层级",
            ["审核层级", *time_header],
            list(times(context["review_time"].by_level)),
        ),
        Sheet(
            f"{year}网络学习",
            ["月份", "完成课时数", "完成学习的人数"],
            [[c.label, c.lessons, c.learners] for c in context["online"]],
        ),
    ]
    return Export(filename=f"{context['region'].name}-{year}年度统计图表", sheets=sheets)


def charts_export(job: Job, active: ActiveRole) -> Export:
    """统计图表's tables for the page's year (source ``bureau_charts``)."""
    region = active.assignment.region
    assert region is not None, "a bureau role is held in a region"
    query: QueryDict = export_query(job)
    return charts_export_of(charts.charts_context(region, query.get("year", "")))
