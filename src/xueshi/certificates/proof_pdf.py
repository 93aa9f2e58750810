"""The proof's PDF, A4 portrait, the CJK font embedded, the QR with the signed token of its
number and code. Its title is the form the notice of the provider's region names (Shantou 2014
§四(四): 《广东省专业技术人员继续教育证明》, Attachment 1), or a neutral one said to be this
system's own where no notice names a form (``rules.proofs``).

The page is the notice's form: the learner (name, ID number, employer), the training (the
provider, the class, its filing number, dates, form, category, hours) and its result, the
provider's name where its stamp goes, the proof's number and verification code. The same
drawing helpers as the certificate (``pdf.py``): the font, the QR (``qr.py``).

The signed content (``XSP1.…``, ``signing.document_sign``) of a single proof goes in the
document's Subject: the offline verifier reads it and shows what was issued.
Pure ReportLab; no Django.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from xueshi.certificates.pdf import cjk_font, draw_qr
from xueshi.certificates.qr import qr_matrix, qr_mode, qr_version

WIDTH, HEIGHT = A4
LEFT = 22 * mm
RIGHT = WIDTH - 22 * mm
LABEL_WIDTH = 38 * mm
ROW = 11 * mm
QR_SIZE = 40 * mm


@dataclass(frozen=True)
class ProofSheet:
    """What one proof page shows (every value as printed)."""

    number: str
    code: str
    name: str
    masked_id: str
    employer: str
    provider: str
    class_title: str
    filing_number: str
    dates: str  # "2014-06-20 至 2014-06-22"
    form: str  # 面授 / 网络
    category: str  # 专业科目
    hours: str  # "20 学时"
    result: str  # "合格（86 分）"
    issued_on: str
    verify_url: str
    verify_site: str
    title: str  # the form's name: the notice's, or the system's neutral one (rules.proofs)
    basis: str  # 本证明依据《…》第四(四)项出具。 / that the form is the system's own
    status_note: str = ""  # "（换发自 …）"


def rows_of(sheet: ProofSheet) -> Sequence[tuple[str, str]]:
    """The form's rows, label and value: what the page prints and what an uploaded copy's
    text is read against (``proof_selectors``)."""
    return (
        ("姓名", sheet.name),
        ("公民身份号码", sheet.masked_id),
        ("工作单位", sheet.employer),
        ("培训项目", sheet.class_title),
        ("施教机构", sheet.provider),
        ("备案编号", sheet.filing_number),
        ("培训时间", sheet.dates),
        ("培训形式", sheet.form),
        ("科目类别", sheet.category),
        ("学时", sheet.hours),
        ("考核结果", sheet.result),
    )


def _page(canvas: Canvas, sheet: ProofSheet, font: str, version: int) -> None:
    width_of = pdfmetrics.stringWidth
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 20)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 32 * mm, sheet.title)
    canvas.setFont(font, 10)
    canvas.drawRightString(RIGHT, HEIGHT - 42 * mm, f"证明编号：{sheet.number}")
    canvas.drawRightString(RIGHT, HEIGHT - 47 * mm, f"核验码：{sheet.code}")
    rows = rows_of(sheet)
    top = HEIGHT - 54 * mm
    canvas.setLineWidth(0.6)
    canvas.rect(LEFT, top - len(rows) * ROW, RIGHT - LEFT, len(rows) * ROW)
    canvas.line(LEFT + LABEL_WIDTH, top, LEFT + LABEL_WIDTH, top - len(rows) * ROW)
    for index, (label, value) in enumerate(rows):
        y = top - (index + 1) * ROW
        if index:
            canvas.line(LEFT, y + ROW, RIGHT, y + ROW)
        canvas.setFont(font, 12)
        canvas.drawString(LEFT + 4 * mm, y + 4 * mm, label)
        size = 12.0
        room = RIGHT - LEFT - LABEL_WIDTH - 8 * mm
        while size > 7 and width_of(value, font, size) > room:
            size -= 0.5
        canvas.setFont(font, size)
        canvas.drawString(LEFT + LABEL_WIDTH + 4 * mm, y + 4 * mm, value)
    y = top - len(rows) * ROW - 12 * mm
    canvas.setFont(font, 12)
    canvas.drawString(
        LEFT, y, f"兹证明该同志参加上述培训，考核{sheet.result.split('（')[0]}，特此证明。"
    )
    if sheet.status_note:
        canvas.setFont(font, 10)
        canvas.drawString(LEFT, y - 7 * mm, sheet.status_note)
    canvas.setFont(font, 12)
    canvas.drawRightString(RIGHT, y - 22 * mm, f"施教机构：{sheet.provider}（盖章）")
    canvas.drawRightString(RIGHT, y - 30 * mm, f"出具日期：{sheet.issued_on}")
    qr_y = 22 * mm
    draw_qr(canvas, qr_matrix(sheet.verify_url, version), LEFT, qr_y, QR_SIZE)
    canvas.setFont(font, 8)
    footer = f"扫描二维码，或访问 {sheet.verify_site} 输入证明编号和核验码核验真伪。{sheet.basis}"
    text = canvas.beginText(LEFT + QR_SIZE + 4 * mm, qr_y + QR_SIZE - 8 * mm)
    text.setFont(font, 8)
    line, room = "", RIGHT - LEFT - QR_SIZE - 4 * mm
    for char in footer:
        if width_of(line + char, font, 8) > room:
            text.textLine(line)
            line = ""
        line += char
    text.textLine(line)
    canvas.drawText(text)


def proof_render(
    sheets: Iterable[ProofSheet],
    out: BinaryIO | None = None,
    *,
    signed: str = "",
    progress: Callable[[int], None] | None = None,
    progress_every: int = 20,
) -> bytes:
    """One PDF with a page per proof. ``signed``: the signed content of a single proof, kept
    in the document's Subject for the offline verifier."""
    pages = list(sheets)
    if not pages:
        raise ValueError("no proof to render")
    font = cjk_font()
    mode = "alphanumeric" if all(qr_mode(s.verify_url) == "alphanumeric" for s in pages) else "byte"
    version = qr_version(max(len(s.verify_url.encode()) for s in pages), mode)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(pages[0].title if len({s.title for s in pages}) == 1 else "继续教育证明")
    canvas.setAuthor("学时 · 专业技术人员继续教育管理系统")
    if signed:
        canvas.setSubject(signed)
    for count, sheet in enumerate(pages, start=1):
        _page(canvas, sheet, font.name, version)
        canvas.showPage()
        if progress is not None and count % progress_every == 0:
            progress(count)
    canvas.save()
    if progress is not None and len(pages) % progress_every:
        progress(len(pages))
    data = buffer.getvalue()
    if out is not None:
        out.write(data)
    return data
