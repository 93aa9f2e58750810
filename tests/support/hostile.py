"""Hostile spreadsheets, made at test time (issue 14): each a file that a naive reader
would let take down the process reading it."""

from __future__ import annotations

import io
import zipfile

_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006/relationships"

_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
    ),
    "_rels/.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    ),
    "xl/workbook.xml": (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{_NS}" xmlns:r="{_REL}">'
        '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{_PKG}">'
        f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
        "</Relationships>"
    ),
}


def workbook(sheet_data: str, *, dimension: str = "", extra: dict[str, str] | None = None) -> bytes:
    """A minimal .xlsx whose first sheet holds ``sheet_data`` (the <row> elements)."""
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = (
        f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_NS}">{dim}'
        f"<sheetData>{sheet_data}</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in {**_PARTS, **(extra or {})}.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


def _text(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def far_corner() -> bytes:
    """~1.5 KB: cells only at A1 and XFD1048576; python-calamine asks for ~550 GB and aborts."""
    return workbook(
        f'<row r="1">{_text("A1", "姓名")}</row><row r="1048576">{_text("XFD1048576", "x")}</row>'
    )


def declared_smaller_than_content() -> bytes:
    """A dimension that claims A1:C2 over a cell at F9: declared and actual disagree."""
    return workbook(
        f'<row r="1">{_text("A1", "姓名")}</row><row r="9">{_text("F9", "x")}</row>',
        dimension="A1:C2",
    )


def zip_bomb(megabytes: int = 200) -> bytes:
    """A worksheet of ``megabytes`` MB of blanks that deflates to a few hundred KB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _PARTS.items():
            archive.writestr(name, text)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            member.write(f'<?xml version="1.0"?><worksheet xmlns="{_NS}"><sheetData>'.encode())
            blanks = b" " * (1024 * 1024)
            for _ in range(megabytes):
                member.write(blanks)
            member.write(b"</sheetData></worksheet>")
    return out.getvalue()


def billion_laughs() -> bytes:
    """Shared strings declaring entities that expand to 10^9 "lol"s."""
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 10)
    )
    shared = (
        f'<?xml version="1.0"?><!DOCTYPE sst [{entities}]>'
        f'<sst xmlns="{_NS}" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
    )
    return workbook(
        '<row r="1"><c r="A1" t="s"><v>0</v></c></row>', extra={"xl/sharedStrings.xml": shared}
    )


def million_rows() -> bytes:
    """1,048,576 rows of one number each (no dimension declared)."""
    rows = "".join(f'<row r="{i}"><c r="A{i}"><v>{i}</v></c></row>' for i in range(1, 1_048_577))
    return workbook(rows)


def positional(columns: int) -> bytes:
    """A header and one row whose cells name no reference (their place follows from order),
    ``columns`` cells wide."""
    header = "".join(
        f'<c t="inlineStr"><is><t>{t}</t></is></c>' for t in ("姓名", "公民身份号码", "考核成绩")
    )
    cells = '<c t="inlineStr"><is><t>张三</t></is></c>' + "<c><v>1</v></c>" * (columns - 1)
    return workbook(f"<row>{header}</row><row>{cells}</row>")
