"""Checks an uploaded .xlsx before any spreadsheet library reads it (issue 14, item 1).

A spreadsheet from outside is hostile until shown otherwise. The Excel reader allocates
the whole rectangle a sheet's cells span: a 1.5 KB file with cells at A1 and XFD1048576
asks for ~550 GB and aborts the process (SIGABRT, which no ``except`` catches), and a zip
bomb or an XML entity expansion ("billion laughs") costs memory the same way. So the file's
structure is read here with the standard library only, streaming, within fixed limits, and
refused with a Chinese reason before the reader sees it:

- a zip at all (.xlsx), with a bounded number of members;
- every member's declared uncompressed size, their sum, and its compression ratio (a bomb
  declares gigabytes in a few kilobytes; ``zipfile`` never inflates past the declared size
  and checks the CRC, so the declared sizes are the real ones);
- every XML member parsed by expat with document type declarations refused (no DTD, so no
  entity can be declared, let alone expanded);
- every worksheet's declared dimension (``<dimension ref="A1:C101"/>``) and its actual
  cells: the rows, columns and cells counted, the rectangle they span bounded, and content
  outside the declared dimension refused.

Even a file that passes is read in a separate process with memory and time limits
(``xlsx_sandbox``): these checks bound what a well-behaved reader does, the sandbox what a
misbehaving one can break.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from xml.parsers import expat

from xueshi.errors import ServiceError

# A real batch has 3 columns; the template's notes sheet 1. Generous, far below XFD (16,384).
MAX_COLUMNS = 64
# Members of a workbook: a handful of parts per sheet.
MAX_MEMBERS = 1_000
# Excel's own ratios on a batch are ~5–15 (bench/batch_xlsx.py, 100k rows: ~9).
MAX_RATIO = 100
# Below this a member's ratio does not matter (a tiny part of repeated tags compresses well).
RATIO_FLOOR = 1024 * 1024
# Blank rows tolerated beyond the data rows (the reader skips them, the reader's loop does not).
SPARE_ROWS = 1_000

NOT_XLSX = "无法读取该文件，请上传 Excel 文件（.xlsx）。"

_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")


@dataclass(frozen=True, slots=True)
class Limits:
    """What a batch file may hold. ``max_rows``: data rows (settings.XUESHI_BATCH_MAX_ROWS)."""

    max_bytes: int
    max_rows: int
    max_columns: int = MAX_COLUMNS
    max_members: int = MAX_MEMBERS
    max_ratio: int = MAX_RATIO

    @property
    def max_row_index(self) -> int:
        return self.max_rows + 1 + SPARE_ROWS

    @property
    def max_cells(self) -> int:
        # The data, the header and spare columns: what the reader may allocate as a rectangle.
        return self.max_row_index * 16

    @property
    def max_uncompressed(self) -> int:
        # ~150 bytes of XML a cell at most (a cell with a shared string is ~40).
        return max(self.max_cells * 150, 64 * 1024 * 1024)


def column_number(letters: str) -> int:
    """A1-style column letters as a number (A = 1, XFD = 16,384)."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _cell(ref: str) -> tuple[int, int] | None:
    """(row, column) of an A1 reference, or None if it is not one."""
    match = _CELL.match(ref.strip().upper())
    if not match:
        return None
    return int(match.group(2)), column_number(match.group(1))


class _Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _refuse(reason: str) -> ServiceError:
    return ServiceError(f"文件未通过安全检查，未读取：{reason}", field="file")


def spreadsheet_check(data: bytes, limits: Limits) -> None:
    """Refuse (ServiceError, in Chinese) a file that is not a well-bounded .xlsx; return
    None for one a reader may open. Reads at most the declared sizes, streaming."""
    if not data:
        raise ServiceError("文件是空的。", field="file")
    if len(data) > limits.max_bytes:
        raise _refuse(f"文件超过 {limits.max_bytes // (1024 * 1024)} MB，请拆分后上传。")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ServiceError(NOT_XLSX, field="file") from None
    try:
        with archive:
            _check_archive(archive, limits)
    except _Refused as exc:
        raise _refuse(exc.reason) from None
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError):
        # Corrupt members, a CRC that does not match, an encrypted or unknown compression.
        raise ServiceError(NOT_XLSX, field="file") from None


def _check_archive(archive: zipfile.ZipFile, limits: Limits) -> None:
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise _Refused(f"压缩包内有 {len(members):,} 个部件，超过 {limits.max_members:,} 个。")
    total = sum(m.file_size for m in members)
    if total > limits.max_uncompressed:
        raise _Refused(
            f"解压后共 {total // (1024 * 1024):,} MB，超过 "
            f"{limits.max_uncompressed // (1024 * 1024):,} MB（疑似压缩炸弹）。"
        )
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
            raise _Refused(
                f"部件 {member.filename[:60]} 的压缩比为 {ratio:,.0f} 倍，"
                f"超过 {limits.max_ratio} 倍（疑似压缩炸弹）。"
            )
    names = {m.filename for m in members}
    if "xl/workbook.xml" not in names:
        raise _Refused(NOT_XLSX)
    for member in members:
        name = member.filename
        if not name.endswith((".xml", ".rels", ".vml")):
            continue
        sheet = name.startswith("xl/worksheets/") and name.count("/") == 2
        _check_xml(archive, member, limits, worksheet=sheet)


class _SheetScan:
    """Counts a worksheet's rows and cells and where they reach, as expat reads it."""

    def __init__(self, name: str, limits: Limits) -> None:
        self.name = name.removeprefix("xl/worksheets/")
        self.limits = limits
        self.declared: tuple[int, int] | None = None  # (last row, last column)
        self.declared_ref = ""
        self.rows = 0
        self.cells = 0
        self.row = 0  # the current row's number
        self.column = 0  # the last cell's column in the current row
        self.max_row = 0
        self.max_column = 0

    def start(self, tag: str, attributes: dict[str, str]) -> None:
        local = tag.rpartition("}")[2].rpartition(":")[2]
        if local == "dimension":
            self._dimension(attributes.get("ref", ""))
        elif local == "row":
            self.rows += 1
            number = attributes.get("r", "")
            self.row = int(number) if number.isdigit() else self.row + 1
            self.column = 0
            if self.rows > self.limits.max_row_index:
                raise _Refused(
                    f"工作表 {self.name} 超过 {self.limits.max_rows:,} 行数据，请分成多个文件上传。"
                )
            self._reach(self.row, 0)
        elif local == "c":
            self.cells += 1
            at = _cell(attributes.get("r", ""))
            if at is not None:
                self.row, self.column = at
            else:
                self.column += 1
            self._reach(self.row, self.column)
            if self.cells > self.limits.max_cells:
                raise _Refused(f"工作表 {self.name} 超过 {self.limits.max_cells:,} 个单元格。")

    def _dimension(self, ref: str) -> None:
        first, _, last = ref.partition(":")
        end = _cell(last or first)
        if end is None or (not last and end == (1, 1)):
            return  # none, or the "A1" some writers put for "unknown"
        self.declared, self.declared_ref = end, ref
        self._bounds(*end, what=f"声明的范围 {ref[:30]}")

    def _reach(self, row: int, column: int) -> None:
        self.max_row = max(self.max_row, row)
        self.max_column = max(self.max_column, column)
        self._bounds(row, column, what="内容")
        if self.declared and (row > self.declared[0] or column > self.declared[1]):
            raise _Refused(
                f"工作表 {self.name} 声明的范围为 {self.declared_ref[:30]}，"
                f"实际内容却延伸到第 {row:,} 行第 {column:,} 列：文件结构不一致。"
            )

    def _bounds(self, row: int, column: int, *, what: str) -> None:
        limits = self.limits
        if row > limits.max_row_index:
            raise _Refused(
                f"工作表 {self.name} 的{what}延伸到第 {row:,} 行，"
                f"超过 {limits.max_rows:,} 行数据，请分成多个文件上传。"
            )
        if column > limits.max_columns:
            raise _Refused(
                f"工作表 {self.name} 的{what}延伸到第 {column:,} 列，超过 {limits.max_columns} 列。"
            )
        if row * max(column, 1) > limits.max_cells:
            raise _Refused(
                f"工作表 {self.name} 的{what}跨越 {row:,} 行、{column:,} 列，"
                f"超过 {limits.max_cells:,} 个单元格。"
            )


def _refuse_doctype(*_args: object) -> int:
    raise _Refused("文件中含有 XML 文档类型定义（DTD/实体声明），Excel 文件不会有，已拒绝。")


def _parser() -> expat.XMLParserType:
    parser = expat.ParserCreate()
    # No DTD at all: an entity cannot be declared, so none can be expanded.
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_doctype
    parser.ExternalEntityRefHandler = _refuse_doctype
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    return parser


class _Root(Exception):
    """The root element has started: the prolog, where a DTD would be, is behind."""


def _stop_at_root(*_args: object) -> None:
    raise _Root


def _check_prolog(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> None:
    """No document type declaration: it can stand only in the prolog, before the root
    element, so expat reads up to there (in any encoding the XML declares)."""
    parser = _parser()
    parser.StartElementHandler = _stop_at_root
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(64 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _Root:
        return
    except expat.ExpatError:
        raise _Refused(f"部件 {member.filename[:60]} 不是格式正确的 XML。") from None


def _check_xml(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits, *, worksheet: bool
) -> None:
    """No DTD; for a worksheet, its rows and cells within bounds.

    A worksheet is counted with byte counts and regular expressions over the inflated text
    (expat calling Python for each of 100,000 rows' elements took ~1.3 s; this ~0.2 s),
    which needs every row and cell to be an unprefixed tag naming its place first
    (``<c r="B7"``, as every spreadsheet program writes it). A sheet with any other is
    counted again element by element (``_SheetScan``), where a cell's place follows from
    the cells before it."""
    _check_prolog(archive, member)
    if not worksheet:
        return
    tally = _SheetTally(member.filename, limits)
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(1024 * 1024):
            # Only whole tags are counted: the text after the last "<" waits for the next.
            text = tail + chunk
            cut = text.rfind(b"<")
            cut = len(text) if cut <= 0 else cut
            tally.add(text[:cut])
            tail = text[cut:]
        tally.add(tail)
    if tally.irregular:
        _scan(archive, member, limits)


def _scan(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limits: Limits) -> None:
    parser = _parser()
    parser.StartElementHandler = _SheetScan(member.filename, limits).start
    try:
        with archive.open(member) as handle:
            while chunk := handle.read(1024 * 1024):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except expat.ExpatError:
        raise _Refused(f"部件 {member.filename[:60]} 不是格式正确的 XML。") from None


_ROW_NUMBER = re.compile(rb'<row r="([0-9]{1,9})"')
_CELL_REF = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,9})"')
_DIMENSION = re.compile(rb'<dimension ref="([^"]{1,40})"')
# A row or cell written otherwise: with a namespace prefix, or without its place first.
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:(?:row|c)[\s/>]")


class _SheetTally(_SheetScan):
    """A worksheet's rows and cells counted from its text, a chunk of whole tags at a time."""

    def __init__(self, name: str, limits: Limits) -> None:
        super().__init__(name, limits)
        self.irregular = False  # rows or cells this cannot place: counted by _SheetScan

    def add(self, text: bytes) -> None:
        if self.declared is None and (dimension := _DIMENSION.search(text)):
            self._dimension(dimension.group(1).decode("ascii", "replace"))
        row_tags = text.count(b"<row ") + text.count(b"<row>")
        cells = text.count(b"<c ") + text.count(b"<c>") + text.count(b"<c/>")
        numbers = _ROW_NUMBER.findall(text)
        refs = _CELL_REF.findall(text)
        if len(numbers) != row_tags or len(refs) != cells or _PREFIXED.search(text):
            self.irregular = True
        self.rows += row_tags
        self.cells += cells
        if self.rows > self.limits.max_row_index:
            raise _Refused(
                f"工作表 {self.name} 超过 {self.limits.max_rows:,} 行数据，请分成多个文件上传。"
            )
        if self.cells > self.limits.max_cells:
            raise _Refused(f"工作表 {self.name} 超过 {self.limits.max_cells:,} 个单元格。")
        row = max(map(int, numbers), default=0)
        if refs:
            letters = max({letters for letters, _ in refs}, key=lambda t: (len(t), t))
            row = max(row, *map(int, {number for _, number in refs}))
            self._reach(row, column_number(letters.decode("ascii")))
        elif row:
            self._reach(row, 0)
