"""Certificate PDFs: A4 landscape, Chinese, the font embedded, a QR code with the signed
payload. Pure ReportLab + segno; no Django.

The CJK font must be *embedded*: a CID font that is not (ReportLab's STSong-Light) prints
blank boxes on a machine without Chinese fonts. ReportLab embeds TrueType outlines (not
Noto's CFF), so the font is WenQuanYi Zen Hei or AR PL UMing from Debian's packages; where
neither is installed, the PDF falls back to the CID font and ``FontStatus.embedded`` says so.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import segno
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_CANDIDATES = [
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
]
FONT_NAME = "XueshiCJK"
FALLBACK_FONT = "STSong-Light"


@dataclass(frozen=True)
class FontStatus:
    name: str
    embedded: bool
    path: str | None


_font: FontStatus | None = None


def cjk_font() -> FontStatus:
    """Register the embedded CJK font once; warn and fall back if none is installed."""
    global _font
    if _font is None:
        for path, index in FONT_CANDIDATES:
            if path.exists():
                pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=index))
                _font = FontStatus(FONT_NAME, True, str(path))
                break
        else:
            warnings.warn(
                "未找到可嵌入的中文字体（fonts-wqy-zenhei 或 fonts-arphic-uming）："
                "证书改用未嵌入的 STSong-Light，在没有中文字体的电脑上可能显示为空白。",
                RuntimeWarning,
                stacklevel=2,
            )
            pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
            _font = FontStatus(FALLBACK_FONT, False, None)
    return _font


@dataclass(frozen=True)
class HoursLine:
    label: str  # 公需科目 / 专业科目 / 选修科目 / 合计 / 学分
    figure: str  # "20 学时"


@dataclass(frozen=True)
class CertificateSheet:
    """What one certificate page shows."""

    number: str
    name: str
    masked_id: str
    year_label: str  # "2014 年度" or "2013–2017 周期"
    employer: str
    region: str
    issuer: str
    issued_on: str
    lines: Sequence[HoursLine]
    verdict: str  # "已完成年度继续教育任务"
    stamp: str  # "已验证盖章（汕头市人力资源和社会保障局，2014-06-16）" / "尚未验证盖章"
    verify_url: str  # what the QR code carries: the verification URL with the signed payload
    verify_site: str  # the short address printed under it
    policy_version: str
    notes: Sequence[str] = field(default_factory=tuple)


def _qr(canvas: Canvas, data: str, x: float, y: float, size: float) -> None:
    # A fixed mask skips segno's mask evaluation (~4 ms per code, see STACK_NOTES).
    qr = segno.make(data, error="m", mask=3, micro=False, boost_error=False)
    matrix = list(qr.matrix)
    count = len(matrix) + 8  # quiet zone of 4 modules each side
    module = size / count
    canvas.setFillColorRGB(0, 0, 0)
    path = canvas.beginPath()
    for row, cells in enumerate(matrix):
        col = 0
        width = len(cells)
        while col < width:
            if cells[col]:
                start = col
                while col < width and cells[col]:
                    col += 1
                path.rect(
                    x + (start + 4) * module,
                    y + size - (row + 5) * module,
                    (col - start) * module,
                    module,
                )
            else:
                col += 1
    canvas.drawPath(path, stroke=0, fill=1)


def _page(canvas: Canvas, sheet: CertificateSheet, font: str) -> None:
    width, height = landscape(A4)
    canvas.setStrokeColorRGB(0.7, 0.1, 0.1)
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, width - 24 * mm, height - 24 * mm)
    canvas.setLineWidth(0.5)
    canvas.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    canvas.setFillColorRGB(0.55, 0.05, 0.05)
    canvas.setFont(font, 26)
    canvas.drawCentredString(width / 2, height - 38 * mm, "专业技术人员继续教育证书")
    canvas.setFont(font, 14)
    canvas.drawCentredString(width / 2, height - 47 * mm, sheet.year_label)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 11)
    canvas.drawRightString(width - 22 * mm, height - 24 * mm, f"证书编号：{sheet.number}")

    left = 30 * mm
    top = height - 64 * mm
    canvas.setFont(font, 13)
    rows = [
        ("姓　　名", sheet.name),
        ("公民身份号码", sheet.masked_id),
        ("工作单位", sheet.employer),
        ("所在地区", sheet.region),
    ]
    for index, (label, value) in enumerate(rows):
        y = top - index * 9 * mm
        canvas.drawString(left, y, f"{label}：")
        canvas.drawString(left + 32 * mm, y, value)

    table_top = top - len(rows) * 9 * mm - 4 * mm
    canvas.setFont(font, 12)
    canvas.drawString(left, table_top, "学时（学分）认定情况：")
    col_w = 34 * mm
    for index, line in enumerate(sheet.lines):
        x = left + index * col_w
        canvas.rect(x, table_top - 20 * mm, col_w, 14 * mm, stroke=1, fill=0)
        canvas.drawCentredString(x + col_w / 2, table_top - 11 * mm, line.label)
        canvas.drawCentredString(x + col_w / 2, table_top - 17.5 * mm, line.figure)

    canvas.setFont(font, 13)
    canvas.drawString(left, table_top - 30 * mm, f"结论：{sheet.verdict}")
    canvas.setFont(font, 11)
    canvas.drawString(left, table_top - 38 * mm, f"验证盖章：{sheet.stamp}")
    for index, note in enumerate(sheet.notes[:3]):
        canvas.drawString(left, table_top - (45 + 6 * index) * mm, note)

    canvas.drawString(left, 24 * mm, f"发证机关：{sheet.issuer}    发证日期：{sheet.issued_on}")
    canvas.setFont(font, 8)
    canvas.drawString(
        left, 19 * mm, f"政策版本 {sheet.policy_version} · 扫描二维码或访问 {sheet.verify_url} 核验"
    )

    qr_size = 52 * mm
    _qr(canvas, sheet.verify_url, width - 22 * mm - qr_size, 22 * mm, qr_size)
    canvas.setFont(font, 9)
    canvas.drawCentredString(width - 22 * mm - qr_size / 2, 20 * mm, "扫码核验真伪")


def render(sheets: Iterable[CertificateSheet], out: BinaryIO | None = None) -> bytes:
    """One PDF with a page per certificate. Returns the bytes (also written to ``out``)."""
    font = cjk_font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), pageCompression=1)
    canvas.setTitle("专业技术人员继续教育证书")
    canvas.setAuthor("学时 · 专业技术人员继续教育管理系统")
    count = 0
    for sheet in sheets:
        _page(canvas, sheet, font.name)
        canvas.showPage()
        count += 1
    if count == 0:
        raise ValueError("no certificate to render")
    canvas.save()
    data = buffer.getvalue()
    if out is not None:
        out.write(data)
    return data
