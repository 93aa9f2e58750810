"""The Excel side of batch entry: the template a provider fills, and reading it back into
the rows batch entry takes (``batch.LearnerScore``), each cell as what it says: text, or a
number. Checking the rows is batch entry's, whatever their source.

Reading uses python-calamine (ten times faster than openpyxl on large sheets,
../shared/STACK_NOTES.md), but never on a file that has not passed ``xlsx_guard`` and never
in this process: ``xlsx_sandbox`` runs it in a child with memory and time limits (a hostile
file can abort the reader, issue 14). Only .xlsx is accepted: its structure can be checked
before it is read. Writing uses XlsxWriter with ``strings_to_formulas`` off,
so a name such as "=HYPERLINK(…)" stays text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.conf import settings

from xueshi.errors import ServiceError
from xueshi.training.batch import LearnerScore
from xueshi.training.xlsx_guard import NOT_XLSX, Limits, spreadsheet_check
from xueshi.training.xlsx_sandbox import FORMULA, SandboxLimits, SandboxRefused, sheet_rows

COLUMNS = ("姓名", "公民身份号码", "考核成绩")
# Header spellings accepted for each column (a provider's own sheet may say 身份证号).
HEADER_ALIASES = {
    "姓名": "name",
    "学员姓名": "name",
    "公民身份号码": "id_number",
    "身份证号码": "id_number",
    "身份证号": "id_number",
    "考核成绩": "score",
    "成绩": "score",
    "考试成绩": "score",
}

UNREADABLE = NOT_XLSX
# Added to the reason an ID number read from a number cell is refused.
NUMBER_CELL = "该单元格是数字格式，Excel 已丢失末几位：请将此列设为文本后重新填写"


def _text(value: Any) -> str:
    if type(value) is str:  # the usual cell: no conversion to decide
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _score(value: Any) -> Decimal | str | None:
    """A score cell: a number as a Decimal (a whole number without a decimal point, as Excel
    shows it), anything else as its text; None if empty."""
    if type(value) is float:  # the usual cell
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    if type(value) is int:
        return Decimal(value)
    return _text(value) or None


def _row(number: int, name: Any, id_number: Any, score: Any) -> LearnerScore:
    """One data row: ``number`` is the row number Excel shows. A formula is read by the
    value it was saved with; one saved without a value is named as such."""
    number_cell = isinstance(id_number, int | float) and not isinstance(id_number, bool)
    note = ""
    if isinstance(score, dict) and FORMULA in score:
        note = (
            f"考核成绩是公式（={str(score[FORMULA])[:40]}），文件中没有保存它的计算结果："
            "请在 Excel 中打开并保存后重新上传，或改填数值"
        )
        score = None
    return LearnerScore(
        number,
        _text(name),
        _text(id_number),
        _score(score),
        NUMBER_CELL if number_cell else "",
        note,
    )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _header_key(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return HEADER_ALIASES.get("".join(value.split()))


def batch_limits() -> Limits:
    """What a batch file may hold (settings: XUESHI_BATCH_MAX_BYTES, XUESHI_BATCH_MAX_ROWS)."""
    return Limits(
        max_bytes=int(settings.XUESHI_BATCH_MAX_BYTES),
        max_rows=int(settings.XUESHI_BATCH_MAX_ROWS),
    )


def file_check(data: bytes) -> None:
    """Refuse (ServiceError, in Chinese) a file whose structure no reader should open: the
    checks every upload passes before it is kept or read (``xlsx_guard``)."""
    spreadsheet_check(data, batch_limits())


def read_rows(data: bytes) -> list[LearnerScore]:
    """The data rows of the first sheet, under a header naming the three columns.

    Blank rows are skipped but numbering follows the sheet, so the report's row numbers are
    the ones the provider sees in Excel. Raises ServiceError for a file that fails the
    structure checks (``file_check``), that the limited reader cannot read, an empty sheet,
    a missing header or more than ``settings.XUESHI_BATCH_MAX_ROWS`` rows.
    """
    file_check(data)
    limits = SandboxLimits(
        memory_bytes=int(settings.XUESHI_BATCH_READ_MEMORY_MB) * 1024 * 1024,
        cpu_seconds=int(settings.XUESHI_BATCH_READ_SECONDS),
        wall_seconds=2 * int(settings.XUESHI_BATCH_READ_SECONDS),
    )
    try:
        raw = sheet_rows(data, limits)
    except SandboxRefused as exc:
        raise ServiceError(UNREADABLE if exc.unreadable else exc.reason, field="file") from None
    if raw is None:
        raise ServiceError("文件中没有工作表。", field="file")
    return _data_rows(enumerate(raw, start=1), int(settings.XUESHI_BATCH_MAX_ROWS))


def _header(number: int, cells: list[Any]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = _header_key(cell)
        if key and key not in columns:
            columns[key] = index
    missing = [c for c in COLUMNS if HEADER_ALIASES[c] not in columns]
    if missing:
        raise ServiceError(
            f"第 {number} 行应为表头，须包含“姓名”“公民身份号码”“考核成绩”三列，"
            f"缺少：{'、'.join(missing)}。请使用下载的模板填写。",
            field="file",
        )
    return columns


def _data_rows(numbered: Iterable[tuple[int, list[Any]]], max_rows: int) -> list[LearnerScore]:
    columns: dict[str, int] | None = None
    at: tuple[int, int, int] | None = None  # the name, ID number and score columns
    header_row = 0
    rows: list[LearnerScore] = []
    for number, cells in numbered:
        if all(_blank(c) for c in cells):
            continue
        if columns is None:
            columns, header_row = _header(number, cells), number
            continue
        if at is None:
            at = (columns["name"], columns["id_number"], columns["score"])
        n = len(cells)
        rows.append(_row(number, *(cells[i] if i < n else None for i in at)))
        if len(rows) > max_rows:
            raise ServiceError(f"文件超过 {max_rows:,} 行数据，请分成多个文件上传。", field="file")
    if columns is None:
        raise ServiceError("工作表是空的：第一张工作表中没有任何内容。", field="file")
    if not rows:
        raise ServiceError(f"表头（第 {header_row} 行）下面没有学员数据。", field="file")
    return rows


def template_write(*, title: str, learners: Iterable[tuple[str, str, Any]]) -> bytes:
    """The batch template: one row per enrolled learner (name, ID number, score if known)."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("学员成绩")
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    text = workbook.add_format({"num_format": "@"})
    sheet.write_row(0, 0, COLUMNS, bold)
    sheet.set_column(0, 0, 14)
    sheet.set_column(1, 1, 24, text)  # text: Excel would turn 18 digits into 4.4E+17
    sheet.set_column(2, 2, 12)
    sheet.freeze_panes(1, 0)
    for row, (name, id_number, score) in enumerate(learners, start=1):
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, id_number, text)
        if score is not None:
            sheet.write_number(row, 2, float(score))
    notes = workbook.add_worksheet("填写说明")
    for row, line in enumerate(
        (
            f"培训班：{title}",
            "只读取第一张工作表；第一行为表头（姓名、公民身份号码、考核成绩），请勿修改。",
            "考核成绩填 0–100 的数字，可保留一位小数；未达合格分数的学员不登记学时。",
            "公民身份号码一列须为文本格式，否则 Excel 会丢失末几位。",
            "任一行有错误时整份文件都不登记，请按校验报告修改后重新上传；重复上传不会重复登记。",
        )
    ):
        notes.write_string(row, 0, line)
    notes.set_column(0, 0, 90)
    workbook.close()
    return out.getvalue()
