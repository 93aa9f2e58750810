"""Certificate PDFs: A4 landscape, Chinese, the font embedded, a QR code with the signed
payload. Pure ReportLab, segno and NumPy; no Django.

The CJK font must be *embedded*: a CID font that is not (ReportLab's STSong-Light) prints
blank boxes on a machine without Chinese fonts. ReportLab embeds TrueType outlines (not
Noto's CFF), so the font is WenQuanYi Zen Hei or AR PL UMing from Debian's packages; where
neither is installed, the PDF falls back to the CID font and ``FontStatus.embedded`` says so.

Speed (bench/pdf.py, goal ≥100 pages/s): what every page shares — the frame, the title, the
field labels — is drawn once per document as a Form XObject and placed on each page; each
page's own text goes out in one text object; the QR code's version is chosen once per
document for its longest address and its mask is fixed, and the symbol is computed with
NumPy (``qr.py``: segno's symbol, bit for bit, ten times faster); the code is drawn as one path
of rectangles in module units (runs of dark modules merged across rows); ReportLab's C
accelerator (rl_accel) formats the numbers, and streams are compressed without ASCII85.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import numpy as np
from reportlab import rl_config
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

from xueshi.certificates.qr import qr_matrix, qr_mode, qr_version

FONT_CANDIDATES = [
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"), 0),
]
FONT_NAME = "XueshiCJK"
FALLBACK_FONT = "STSong-Light"

# Binary (Flate only) streams: ASCII85 on top makes files 25 % larger and costs time. Read
# by ReportLab when a document is saved; this module is the project's only ReportLab user.
rl_config.useA85 = 0


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
            _font = _cid_font()
    return _font


@lru_cache(maxsize=1)
def _cid_font() -> FontStatus:
    """ReportLab's CID font: no file, nothing embedded (the benchmark's baseline)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FontStatus(FALLBACK_FONT, False, None)


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
    verify_url: str  # what the QR code carries: the short address with the signed token
    verify_site: str  # the verification page's address, printed in the footer
    policy_version: str
    code: str = ""  # the verification code (核验码), printed beside the number
    notes: Sequence[str] = field(default_factory=tuple)


# --- the QR code --------------------------------------------------------------------------

QR_QUIET = 4  # modules of light margin on each side


def qr_rectangles(matrix: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The dark modules as rectangles ``(column, row, width, height)``: each row's runs of
    dark modules, a run merged with the same run on the rows right below it."""
    size = matrix.shape[0]
    padded = np.zeros((size, size + 2), dtype=np.int8)
    padded[:, 1:-1] = matrix
    edges = np.diff(padded, axis=1)
    rows, starts = np.nonzero(edges == 1)  # row-major: the n-th start and end pair up
    ends = np.nonzero(edges == -1)[1]
    key = starts * (size + 1) + ends
    order = np.lexsort((rows, key))
    key, rows, starts, ends = key[order], rows[order], starts[order], ends[order]
    first = np.flatnonzero(np.r_[True, (key[1:] != key[:-1]) | (rows[1:] != rows[:-1] + 1)])
    heights = np.diff(np.r_[first, key.size])
    return list(
        zip(
            starts[first].tolist(),
            rows[first].tolist(),
            (ends - starts)[first].tolist(),
            heights.tolist(),
            strict=True,
        )
    )


def draw_qr(canvas: Canvas, matrix: np.ndarray, x: float, y: float, size: float) -> None:
    """Draw the code in the square of side ``size`` whose lower left corner is (x, y): one
    filled path of rectangles in module units (integers), origin at the symbol's top left,
    rows downwards."""
    module = size / (matrix.shape[0] + 2 * QR_QUIET)
    left, top = x + QR_QUIET * module, y + size - QR_QUIET * module
    path = "\n".join(f"{c} {r} {w} {h} re" for c, r, w, h in qr_rectangles(matrix))
    canvas.addLiteral(f"q 0 g {module:.6f} 0 0 {-module:.6f} {left:.4f} {top:.4f} cm\n{path}\nf Q")


# --- the page -----------------------------------------------------------------------------

WIDTH, HEIGHT = landscape(A4)
LEFT = 30 * mm
TOP = HEIGHT - 64 * mm
ROW_LABELS = ("姓　　名", "公民身份号码", "工作单位", "所在地区")
TABLE_TOP = TOP - len(ROW_LABELS) * 9 * mm - 4 * mm
COLUMN_WIDTH = 34 * mm
QR_SIZE = 52 * mm
QR_X = WIDTH - 22 * mm - QR_SIZE
QR_Y = 22 * mm
# The footer line ends this far before the QR and its caption.
FOOTER_WIDTH = QR_X - LEFT - 6 * mm
RED = (0.7, 0.1, 0.1)
TITLE_RED = (0.55, 0.05, 0.05)
VERDICT_LABEL = "结论："
STAMP_LABEL = "验证盖章："
ISSUER_LABEL = "发证机关："


def _frame(canvas: Canvas, font: str) -> str:
    """The part every page shares, as a Form XObject drawn once per document."""
    name = f"frame{font.replace('-', '')}"
    canvas.beginForm(name)
    canvas.setStrokeColorRGB(*RED)
    canvas.setLineWidth(2)
    canvas.rect(12 * mm, 12 * mm, WIDTH - 24 * mm, HEIGHT - 24 * mm)
    canvas.setLineWidth(0.5)
    canvas.rect(15 * mm, 15 * mm, WIDTH - 30 * mm, HEIGHT - 30 * mm)
    canvas.setFillColorRGB(*TITLE_RED)
    canvas.setFont(font, 26)
    canvas.drawCentredString(WIDTH / 2, HEIGHT - 38 * mm, "专业技术人员继续教育证书")
    canvas.setFillColorRGB(0, 0, 0)
    text = canvas.beginText()
    text.setFont(font, 13)
    for index, label in enumerate(ROW_LABELS):
        text.setTextOrigin(LEFT, TOP - index * 9 * mm)
        text.textOut(f"{label}：")
    text.setTextOrigin(LEFT, TABLE_TOP - 30 * mm)
    text.textOut(VERDICT_LABEL)
    text.setFont(font, 12)
    text.setTextOrigin(LEFT, TABLE_TOP)
    text.textOut("学时（学分）认定情况：")
    text.setFont(font, 11)
    text.setTextOrigin(LEFT, TABLE_TOP - 38 * mm)
    text.textOut(STAMP_LABEL)
    text.setTextOrigin(LEFT, 24 * mm)
    text.textOut(ISSUER_LABEL)
    label = "扫码核验真伪"
    text.setFont(font, 9)
    text.setTextOrigin(QR_X + QR_SIZE / 2 - pdfmetrics.stringWidth(label, font, 9) / 2, 20 * mm)
    text.textOut(label)
    canvas.drawText(text)
    canvas.endForm()
    return name


class _Text:
    """One text object for all of a page's own strings."""

    def __init__(self, canvas: Canvas, font: str) -> None:
        self.object: PDFTextObject = canvas.beginText()
        self.font = font
        self.size = 0.0

    def size_to(self, size: float) -> None:
        if size != self.size:
            self.object.setFont(self.font, size)
            self.size = size

    def at(self, x: float, y: float, value: str, size: float, align: str = "left") -> None:
        self.size_to(size)
        if align != "left":
            width = pdfmetrics.stringWidth(value, self.font, size)
            x -= width if align == "right" else width / 2
        self.object.setTextOrigin(x, y)
        self.object.textOut(value)


def _page(canvas: Canvas, sheet: CertificateSheet, font: str, frame: str, version: int) -> None:
    canvas.doForm(frame)
    width_of = pdfmetrics.stringWidth

    # The hours table's cells (their number varies).
    canvas.setStrokeColorRGB(*RED)
    canvas.setLineWidth(0.5)
    for index in range(len(sheet.lines)):
        canvas.rect(LEFT + index * COLUMN_WIDTH, TABLE_TOP - 20 * mm, COLUMN_WIDTH, 14 * mm)

    canvas.setFillColorRGB(*TITLE_RED)
    text = _Text(canvas, font)
    text.at(WIDTH / 2, HEIGHT - 47 * mm, sheet.year_label, 14, "centre")
    text.object.setFillColorRGB(0, 0, 0)
    text.at(WIDTH - 22 * mm, HEIGHT - 24 * mm, f"证书编号：{sheet.number}", 11, "right")
    if sheet.code:
        text.at(WIDTH - 22 * mm, HEIGHT - 30 * mm, f"核验码：{sheet.code}", 11, "right")
    values = (sheet.name, sheet.masked_id, sheet.employer, sheet.region)
    for index, value in enumerate(values):
        text.at(LEFT + 32 * mm, TOP - index * 9 * mm, value, 13)
    for index, line in enumerate(sheet.lines):
        middle = LEFT + index * COLUMN_WIDTH + COLUMN_WIDTH / 2
        text.at(middle, TABLE_TOP - 11 * mm, line.label, 12, "centre")
        text.at(middle, TABLE_TOP - 17.5 * mm, line.figure, 12, "centre")
    text.at(LEFT + width_of(VERDICT_LABEL, font, 13), TABLE_TOP - 30 * mm, sheet.verdict, 13)
    text.at(LEFT + width_of(STAMP_LABEL, font, 11), TABLE_TOP - 38 * mm, sheet.stamp, 11)
    for index, note in enumerate(sheet.notes[:3]):
        text.at(LEFT, TABLE_TOP - (45 + 6 * index) * mm, note, 11)
    text.at(
        LEFT + width_of(ISSUER_LABEL, font, 11),
        24 * mm,
        f"{sheet.issuer}    发证日期：{sheet.issued_on}",
        11,
    )
    # The footer names the page to type the number and code into, not the QR's long address:
    # it must end before the QR's caption (FOOTER_WIDTH), whatever the site's address.
    footer = (
        f"政策版本 {sheet.policy_version} · 扫描二维码，"
        f"或访问 {sheet.verify_site} 输入证书编号和核验码"
    )
    size = 8.0
    while size > 5 and width_of(footer, font, size) > FOOTER_WIDTH:
        size -= 0.5
    text.at(LEFT, 19 * mm, footer, size)
    canvas.drawText(text.object)

    draw_qr(canvas, qr_matrix(sheet.verify_url, version), QR_X, QR_Y, QR_SIZE)


def render(
    sheets: Iterable[CertificateSheet],
    out: BinaryIO | None = None,
    *,
    embed_font: bool = True,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 20,
) -> bytes:
    """One PDF with a page per certificate. Returns the bytes (also written to ``out``).

    ``embed_font=False`` uses the CID font (nothing embedded: for comparison only).
    ``progress(pages_done)`` is called every ``progress_every`` pages and at the end.
    """
    pages = list(sheets)
    if not pages:
        raise ValueError("no certificate to render")
    font = cjk_font() if embed_font else _cid_font()
    # One QR version for the document, chosen for its longest address (alphanumeric mode when
    # every address allows it: the short upper-case token addresses do).
    mode = (
        "alphanumeric"
        if all(qr_mode(sheet.verify_url) == "alphanumeric" for sheet in pages)
        else "byte"
    )
    version = qr_version(max(len(sheet.verify_url.encode()) for sheet in pages), mode)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=landscape(A4), pageCompression=1)
    canvas.setTitle("专业技术人员继续教育证书")
    canvas.setAuthor("学时 · 专业技术人员继续教育管理系统")
    frame = _frame(canvas, font.name)
    for count, sheet in enumerate(pages, start=1):
        _page(canvas, sheet, font.name, frame, version)
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
