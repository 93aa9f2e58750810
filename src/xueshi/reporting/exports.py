"""Excel exports of the compliance reports (XlsxWriter).

Text that starts with "=" (a name, a unit typed by someone) must stay text: XlsxWriter would
otherwise write it as a live formula (STACK_NOTES: Excel). ``constant_memory`` writes row by
row to temporary files, so a bureau's export of many people does not build them all in memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from xueshi.compliance.ledger_selectors import StaleLedgerYear
from xueshi.compliance.live import PersonCompliance, Tally
from xueshi.reporting.reports import BureauReport, EmployerReport

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "constant_memory": True,
}

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

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


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


def workbook(sheets: Sequence[Sheet]) -> IO[bytes]:
    """An .xlsx file of ``sheets`` (name, header, rows), rewound for reading."""
    out = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    book = xlsxwriter.Workbook(out, WORKBOOK_OPTIONS)
    bold = book.add_format({"bold": True})
    for name, header, rows in sheets:
        sheet = book.add_worksheet(name)
        sheet.freeze_panes(1, 0)
        for col, title in enumerate(header):
            sheet.write_string(0, col, title, bold)
            sheet.set_column(col, col, 14)
        for row_number, row in enumerate(rows, start=1):
            for col, value in enumerate(row):
                if isinstance(value, str):
                    sheet.write_string(row_number, col, value)
                else:
                    sheet.write(row_number, col, value)
    book.close()
    out.seek(0)
    return out


def notice_sheets(stale: StaleLedgerYear | None) -> list[Sheet]:
    """A first sheet saying the figures come from a ledger built under an older policy."""
    return [("注意", ["注意"], [[stale.notice]])] if stale is not None else []


def employer_workbook(report: EmployerReport) -> IO[bytes]:
    return workbook(
        [
            *notice_sheets(report.stale),
            (f"{report.year}年度达标情况", PEOPLE_HEADER, people_rows(report.rows)),
            ("汇总", TALLY_HEADER, tally_rows([report.summary])),
        ]
    )


def bureau_workbook(report: BureauReport) -> IO[bytes]:
    sheets: list[Sheet] = [
        *notice_sheets(report.stale),
        ("汇总", TALLY_HEADER, tally_rows([report.summary])),
        ("按单位", TALLY_HEADER, tally_rows(report.by_unit)),
        ("按系列", TALLY_HEADER, tally_rows(report.by_series)),
        ("按职称级别", TALLY_HEADER, tally_rows(report.by_title)),
        ("按地区", TALLY_HEADER, tally_rows(report.by_region)),
    ]
    if report.drilled:
        sheets.append(("人员明细", PEOPLE_HEADER, people_rows(report.rows)))
    return workbook(sheets)


def charts_workbook(context: dict[str, Any]) -> IO[bytes]:
    """统计图表's tables, a sheet a chart."""
    tally_header = ["分组", "有要求人数", "已达标", "未达标", "达标率（%）"]

    def bars(rows: Iterable[Any]) -> Iterable[list[Any]]:
        for b in rows:
            rate = float(b.rate) if b.rate is not None else ""
            yield [b.label, b.people, b.compliant, b.not_compliant, rate]

    time_header = ["审核决定数", "中位数（工作日）", "90%分位数（工作日）"]

    def times(rows: Iterable[Any]) -> Iterable[list[Any]]:
        for t in rows:
            blank = ("" if v is None else v for v in (t.median, t.p90))
            yield [t.label, t.decisions, *blank]

    year = context["year"]
    sheets: list[Sheet] = [
        ("历年达标趋势", ["年度", *tally_header[1:]], bars(context["trend"])),
        (f"{year}按地区", tally_header, bars(context["by_region"])),
        (f"{year}按系列", tally_header, bars(context["by_series"])),
        (f"{year}按职称", tally_header, bars(context["by_title"])),
        (
            "待审核积压",
            ["审核层级", *context["backlog_buckets"], "合计"],
            ([b.label, *b.counts, b.records] for b in context["backlog"]),
        ),
        (
            f"{year}审核用时按月",
            ["月份", *time_header],
            times(context["review_time"].by_month),
        ),
        (
            f"{year}审核用时按层级",
            ["审核层级", *time_header],
            times(context["review_time"].by_level),
        ),
        (
            f"{year}网络学习",
            ["月份", "完成课时数", "完成学习的人数"],
            ([c.label, c.lessons, c.learners] for c in context["online"]),
        ),
    ]
    return workbook(sheets)
