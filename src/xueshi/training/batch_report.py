"""A batch's check report, readable however long: its rows filtered by result and by kind of
error (the message without the row's own particulars), paged, and written to Excel with the
rows to fix."""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

import xlsxwriter

ERROR = "error"
PAGE_SIZE = 100
# What differs between two rows' messages of one kind: the quoted value, a parenthesis, a
# row number ("与第 12 行重复").
_PARTICULARS = (
    (re.compile(r"“[^”]*”"), ""),
    (re.compile(r"（[^）]*）"), ""),
    (re.compile(r"第 \d+ 行"), "第 N 行"),
)
RESULT_LABELS = {
    "error": "错误",
    "created": "新登记",
    "unchanged": "此前已登记",
    "failed": "未合格",
    "passed": "格式正确",
}


def kinds_of(message: str) -> list[str]:
    """The kinds of error a row's message names (one per "；"-separated part)."""
    kinds = []
    for part in message.split("；"):
        kind = part.strip()
        for pattern, replacement in _PARTICULARS:
            kind = pattern.sub(replacement, kind)
        kind = kind.strip("：: ")
        if kind and kind not in kinds:
            kinds.append(kind)
    return kinds


def error_kinds(report: Iterable[dict[str, Any]]) -> list[tuple[str, int]]:
    """Each kind of error with the number of rows that have it, the most frequent first."""
    counts: Counter[str] = Counter()
    for row in report:
        if row.get("result") == ERROR:
            counts.update(kinds_of(str(row.get("message", ""))))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def report_rows(
    report: Iterable[dict[str, Any]], *, errors_only: bool = False, kind: str = ""
) -> list[dict[str, Any]]:
    """The rows shown: all, or the error rows, or those with one kind of error."""
    rows = []
    for row in report:
        is_error = row.get("result") == ERROR
        if (errors_only or kind) and not is_error:
            continue
        if kind and kind not in kinds_of(str(row.get("message", ""))):
            continue
        rows.append(row)
    return rows


def report_write(rows: Iterable[dict[str, Any]], *, title: str) -> bytes:
    """The rows as an Excel sheet: row number, name, ID number, score, result and message.
    Values are written as text (a name starting with "=" stays text, not a formula)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "constant_memory": True, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet("校验报告")
    bold = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet.write_string(0, 0, f"校验报告：{title}")
    sheet.write_row(1, 0, ["行号", "姓名", "公民身份号码", "考核成绩", "结果", "说明"], bold)
    sheet.set_column(0, 0, 8)
    sheet.set_column(1, 1, 12)
    sheet.set_column(2, 2, 22)
    sheet.set_column(3, 4, 10)
    sheet.set_column(5, 5, 60)
    for number, row in enumerate(rows, start=2):
        sheet.write_number(number, 0, int(row.get("row") or 0))
        sheet.write_string(number, 1, str(row.get("name") or ""))
        sheet.write_string(number, 2, str(row.get("id") or ""))
        sheet.write_string(number, 3, str(row.get("score") or ""))
        result = str(row.get("result") or "")
        sheet.write_string(number, 4, RESULT_LABELS.get(result, result))
        sheet.write_string(number, 5, str(row.get("message") or ""))
    book.close()
    return out.getvalue()
