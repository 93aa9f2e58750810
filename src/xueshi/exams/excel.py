"""题库导入 from Excel: the template a course's publisher fills, and reading it back into
checked questions, every row with its errors in Chinese.

An uploaded file is hostile until proven otherwise: it passes training's structure checks
(``xlsx_guard``: a real .xlsx, bounded sizes and declared dimensions) and is read by
python-calamine only in training's limited child process (``xlsx_sandbox``), the path the
batch entry of hours takes (issue 14). A formula cell is read by its saved value; written
templates keep "=…" as text (XlsxWriter with ``strings_to_formulas`` off).
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass, field
from typing import Any

import xlsxwriter
from django.conf import settings

from xueshi.errors import ServiceError
from xueshi.exams.models import QuestionKind
from xueshi.training.xlsx_guard import NOT_XLSX, Limits, spreadsheet_check
from xueshi.training.xlsx_sandbox import FORMULA, SandboxLimits, SandboxRefused, sheet_rows

LETTERS = "ABCDEF"
OPTION_COLUMNS = tuple(f"选项{letter}" for letter in LETTERS)
COLUMNS = ("题型", "题干", *OPTION_COLUMNS, "答案", "解析")
REQUIRED = ("题型", "题干", "答案")
KINDS = {
    "单选": QuestionKind.SINGLE,
    "单选题": QuestionKind.SINGLE,
    "单项选择题": QuestionKind.SINGLE,
    "多选": QuestionKind.MULTIPLE,
    "多选题": QuestionKind.MULTIPLE,
    "多项选择题": QuestionKind.MULTIPLE,
    "判断": QuestionKind.TRUE_FALSE,
    "判断题": QuestionKind.TRUE_FALSE,
}
TRUE_FALSE_OPTIONS = ["正确", "错误"]
TRUE_WORDS = {"正确", "对", "是", "√", "T", "TRUE", "A"}
# "\u00d7": the multiplication sign, as a false answer is often written.
FALSE_WORDS = {"错误", "错", "否", "\u00d7", "X", "F", "FALSE", "B"}
MAX_TEXT = 2000
MAX_OPTION = 500
MAX_ROWS = 5000  # a course's bank; a province's is a few hundred questions


@dataclass
class QuestionRow:
    """One data row as read and checked: ``number`` is the row Excel shows."""

    number: int
    kind: str = ""
    text: str = ""
    options: list[str] = field(default_factory=list)
    answer: str = ""
    explanation: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        """What identifies the question: its kind, text and options (not the explanation)."""
        content = json.dumps([self.kind, self.text, self.options], ensure_ascii=False)
        return hashlib.sha256(content.encode()).hexdigest()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict) and FORMULA in value:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def _header(number: int, cells: list[Any]) -> dict[str, int]:
    at: dict[str, int] = {}
    for index, cell in enumerate(cells):
        name = "".join(str(cell or "").split())
        if name in COLUMNS and name not in at:
            at[name] = index
    missing = [c for c in REQUIRED if c not in at]
    if missing:
        raise ServiceError(
            f"第 {number} 行应为表头（{'、'.join(COLUMNS)}），缺少：{'、'.join(missing)}。"
            "请使用下载的模板填写。",
            field="file",
        )
    if not any(c in at for c in OPTION_COLUMNS):
        raise ServiceError(f"第 {number} 行的表头没有“选项A”等选项列。", field="file")
    return at


def check_row(row: QuestionRow, kind_text: str) -> QuestionRow:
    """The row's errors, in Chinese; its options and answer normalised."""
    kind = KINDS.get(kind_text)
    if kind is None:
        row.errors.append(f"题型“{kind_text[:10]}”无效，应为单选题、多选题或判断题")
    else:
        row.kind = kind.value
    if not row.text:
        row.errors.append("题干为空")
    elif len(row.text) > MAX_TEXT:
        row.errors.append(f"题干超过 {MAX_TEXT} 字")
    if len(row.explanation) > MAX_TEXT:
        row.errors.append(f"解析超过 {MAX_TEXT} 字")
    if kind is QuestionKind.TRUE_FALSE:
        answer = row.answer.upper()
        row.options = list(TRUE_FALSE_OPTIONS)
        if answer in TRUE_WORDS:
            row.answer = "A"
        elif answer in FALSE_WORDS:
            row.answer = "B"
        else:
            row.errors.append(f"判断题答案“{row.answer[:10]}”无效，应为“正确”或“错误”")
        return row
    if kind is None:
        return row
    if len(row.options) < 2:
        row.errors.append("选择题至少需要两个选项（选项A、选项B）")
    if any(len(o) > MAX_OPTION for o in row.options):
        row.errors.append(f"选项超过 {MAX_OPTION} 字")
    if len(set(row.options)) != len(row.options):
        row.errors.append("选项有重复")
    answer = "".join(c for c in row.answer.upper() if not c.isspace() and c not in ",，、")
    valid = LETTERS[: len(row.options)]
    if not answer:
        row.errors.append("答案为空")
    elif any(c not in valid for c in answer) or len(set(answer)) != len(answer):
        row.errors.append(f"答案“{row.answer[:10]}”无效，应为 {valid[0]}–{valid[-1]} 中的字母")
    elif kind is QuestionKind.SINGLE and len(answer) != 1:
        row.errors.append("单选题只能有一个正确答案")
    elif kind is QuestionKind.MULTIPLE and len(answer) < 2:
        row.errors.append("多选题至少应有两个正确答案")
    else:
        row.answer = "".join(sorted(answer))
    return row


def _options(cells: list[Any], at: dict[str, int], errors: list[str]) -> list[str]:
    """The options in order; a gap (选项C empty but 选项D filled) is an error."""
    texts = [_text(cells[at[c]]) if c in at and at[c] < len(cells) else "" for c in OPTION_COLUMNS]
    while texts and not texts[-1]:
        texts.pop()
    if "" in texts:
        errors.append(f"选项{LETTERS[texts.index('')]}为空，但后面还有选项")
    return [t for t in texts if t]


def rows_from_cells(raw: list[list[Any]]) -> list[QuestionRow]:
    """Every data row under the header, checked (blank rows skipped, numbering kept)."""
    at: dict[str, int] | None = None
    header_row = 0
    rows: list[QuestionRow] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(raw, start=1):
        if all(not _text(c) for c in cells):
            continue
        if at is None:
            at, header_row = _header(number, cells), number
            continue

        columns = at

        def cell(name: str, cells: list[Any] = cells, columns: dict[str, int] = columns) -> str:
            index = columns.get(name)
            return _text(cells[index]) if index is not None and index < len(cells) else ""

        row = QuestionRow(
            number=number, text=cell("题干"), answer=cell("答案"), explanation=cell("解析")
        )
        for name in ("题型", "题干", "答案"):
            index = at[name]
            if index < len(cells) and isinstance(cells[index], dict):
                row.errors.append(f"“{name}”是没有保存计算结果的公式，请改填文字")
        row.options = _options(cells, at, row.errors)
        check_row(row, "".join(cell("题型").split()))
        if not row.errors:
            if row.digest in seen:
                row.errors.append(f"与第 {seen[row.digest]} 行是同一道题")
            else:
                seen[row.digest] = number
        rows.append(row)
        if len(rows) > MAX_ROWS:
            raise ServiceError(f"文件超过 {MAX_ROWS:,} 道题，请分成多个文件上传。", field="file")
    if at is None:
        raise ServiceError("工作表是空的：第一张工作表中没有任何内容。", field="file")
    if not rows:
        raise ServiceError(f"表头（第 {header_row} 行）下面没有试题。", field="file")
    return rows


def read_questions(data: bytes) -> list[QuestionRow]:
    """The checked rows of the file's first sheet; ServiceError for a file that is not a
    well-bounded .xlsx, that the limited reader could not read, or that has no questions."""
    spreadsheet_check(
        data, Limits(max_bytes=int(settings.XUESHI_BATCH_MAX_BYTES), max_rows=MAX_ROWS)
    )
    limits = SandboxLimits(
        memory_bytes=int(settings.XUESHI_BATCH_READ_MEMORY_MB) * 1024 * 1024,
        cpu_seconds=int(settings.XUESHI_BATCH_READ_SECONDS),
        wall_seconds=2 * int(settings.XUESHI_BATCH_READ_SECONDS),
    )
    try:
        raw = sheet_rows(data, limits)
    except SandboxRefused as exc:
        raise ServiceError(NOT_XLSX if exc.unreadable else exc.reason, field="file") from None
    if raw is None:
        raise ServiceError("文件中没有工作表。", field="file")
    return rows_from_cells(raw)


def template_write() -> bytes:
    """The question template: the header, one example of each kind, and how to fill it in."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = workbook.add_worksheet("试题")
    bold = workbook.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sheet.write_row(0, 0, COLUMNS, bold)
    examples = (
        (
            "单选题",
            "专业技术人员继续教育的公需科目由谁确定？",
            "人社部门",
            "用人单位",
            "",
            "",
            "",
            "",
            "A",
            "公需科目由人社部门确定。",
        ),
        (
            "多选题",
            "继续教育的科目类别包括哪些？",
            "公需科目",
            "专业科目",
            "选修科目",
            "",
            "",
            "",
            "ABC",
            "",
        ),
        ("判断题", "学时由服务器按实际学习时间认定。", "", "", "", "", "", "", "正确", ""),
    )
    for row, values in enumerate(examples, start=1):
        for column, value in enumerate(values):
            sheet.write_string(row, column, value)
    sheet.set_column(0, 0, 10)
    sheet.set_column(1, 1, 50)
    sheet.set_column(2, 7, 16)
    sheet.set_column(9, 9, 40)
    sheet.freeze_panes(1, 0)
    notes = workbook.add_worksheet("填写说明")
    for row, line in enumerate(
        (
            "只读取第一张工作表；第一行为表头，请勿修改。",
            "题型：单选题、多选题或判断题。选择题至少两个选项，最多六个（选项A–选项F），依次填写。",
            "答案：选择题填字母（多选题如 ABD）；判断题填“正确”或“错误”。解析可不填。",
            "任一行有错误时整份文件都不导入，请按校验报告修改后重新上传；重复上传不会重复导入。",
        )
    ):
        notes.write_string(row, 0, line)
    notes.set_column(0, 0, 90)
    workbook.close()
    return out.getvalue()
