"""Offline verification of a certificate PDF or QR content (``xueshi certificate verify``).

A PDF is checked by what its QR codes say, not by its text: each page is rendered
(pypdfium2) and its QR decoded (zxing-cpp), then the signature is verified with the public
keys. An altered PDF keeps its original QR, whose content the verifier prints.

A valid signature proves the certificate was issued; it cannot say whether it has been
revoked or replaced since. Without a revocation list the verifier says so and exits 3
(``SIGNED_ONLY``); with ``--revocations FILE`` (a list the bureau signs, ``xueshi revocations``)
it checks the number against it: 0 in force as of the list's date, 4 revoked or replaced.
1: not a valid certificate; 2: the revocation list itself is not valid.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from xueshi.certificates.signing import (
    KeyRing,
    PayloadInvalid,
    Verified,
    document_verify,
    verify,
)
from xueshi.certificates.token import Token, token_from_text, token_verify

VALID, INVALID, BAD_LIST, SIGNED_ONLY, REVOKED = 0, 1, 2, 3, 4
REVOCATIONS = "XSR1"  # the signed revocation list's prefix
PROOF_SIGNED = "XSP1"  # a proof's signed content (proof_pdf.py)
PROOF_NUMBER = "ZM"  # a proof's number starts with it
SIGNED_ONLY_NOTE = "签名有效——是否撤销只能在线核验"


def payload_from_text(text: str) -> str:
    """The payload inside a QR text: the ``c`` parameter of a verification URL, or itself."""
    text = text.strip()
    if "://" in text:
        values = parse_qs(urlsplit(text).query).get("c")
        if not values:
            raise PayloadInvalid("二维码中的网址不含证书内容。")
        return values[0]
    return text


def qr_texts_from_pdf(path: Path) -> list[str]:
    return [text for texts, _ in pdf_pages_read(path.read_bytes()) for text in texts]


def pdf_pages_read(data: bytes, *, max_pages: int = 500) -> list[tuple[list[str], str]]:
    """Each page's QR texts and printed text (pypdfium2 renders, zxing-cpp decodes)."""
    import pypdfium2 as pdfium
    import zxingcpp

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PayloadInvalid(f"无法读取 PDF 文件：{exc}") from None
    if len(document) > max_pages:
        raise PayloadInvalid(f"PDF 超过 {max_pages} 页。")
    pages = []
    for page in document:
        image = page.render(scale=2).to_pil()
        texts = [result.text for result in zxingcpp.read_barcodes(image)]
        pages.append((texts, page.get_textpage().get_text_range()))
    return pages


def signed_subject(path: Path) -> str:
    """The signed content a single proof's PDF keeps in its Subject (``proof_pdf.py``), or ""."""
    import pypdfium2 as pdfium

    try:
        subject = pdfium.PdfDocument(str(path)).get_metadata_dict().get("Subject", "")
    except pdfium.PdfiumError:
        return ""
    return subject if subject.startswith(PROOF_SIGNED + ".") else ""


def _as_file(target: str) -> Path | None:
    """``target`` as an existing file, or None when it is a payload (or names nothing)."""
    try:
        path = Path(target)
        return path if path.is_file() else None
    except (OSError, ValueError):  # a payload is no file name: too long, NUL…
        return None


def verify_text(text: str, ring: KeyRing) -> Verified | Token:
    """A QR's text: the short address with a signed token, or an older QR's signed content."""
    token = token_from_text(text)
    if token is not None:
        return token_verify(token, ring)
    return verify(payload_from_text(text), ring)


def check(target: str, ring: KeyRing) -> list[Verified | Token]:
    path = _as_file(target)
    if path is None and target.lower().endswith(".pdf"):
        raise PayloadInvalid(f"找不到文件 {target}")
    if path is not None and path.read_bytes()[:5] == b"%PDF-":
        texts = qr_texts_from_pdf(path)
        if not texts:
            raise PayloadInvalid("PDF 中没有可识别的证书二维码。")
        return [verify_text(text, ring) for text in texts]
    if path is not None:
        target = path.read_text(encoding="utf-8", errors="replace")
    return [verify_text(target, ring)]


def revocations_load(path: Path, ring: KeyRing) -> tuple[str, dict[str, str]]:
    """The list's date and its numbers (number → 已撤销 / 已换发)."""
    document = document_verify(REVOCATIONS, path.read_text(encoding="utf-8"), ring)
    listed = document.content.get("rv")
    if not isinstance(listed, dict):
        raise PayloadInvalid("撤销名单格式不正确。")
    return str(document.content.get("dt", "")), {str(k): str(v) for k, v in listed.items()}


def _describe(result: Verified | Token) -> tuple[str, str]:
    """(number, what the signature vouches for)."""
    if isinstance(result, Token):
        what = "继续教育证明" if result.number.startswith(PROOF_NUMBER) else "证书"
        return result.number, f"{what} {result.number} · 核验码 {result.code} · 密钥 {result.kid}"
    c = result.content
    hours = "、".join(f"{k} {v}" for k, v in (c.get("h") or {}).items())
    return result.number, (
        f"证书 {c['no']} · {c['nm']}（{c['id']}）· {c['y']} · {c.get('rn', c['rg'])}"
        f" · {hours} · 发证 {c['iss']} {c['dt']} · 密钥 {result.kid}"
    )


def main(argv: list[str] | None = None, *, default_keys: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xueshi certificate verify",
        description="离线核验继续教育证书（PDF 或二维码内容）。退出码：0 有效且不在撤销名单中；"
        "1 无效；2 撤销名单无效；3 签名有效但未核对撤销（只能在线核验）；4 已撤销或已换发。",
    )
    parser.add_argument("target", help="证书 PDF 文件、含二维码内容的文件，或二维码内容本身")
    parser.add_argument(
        "--keys", type=Path, default=default_keys, help="公钥目录（<kid>.public.pem）"
    )
    parser.add_argument(
        "--revocations", type=Path, help="人社部门签发的撤销名单（xueshi revocations 生成）"
    )
    args = parser.parse_args(argv)
    ring = KeyRing.load(args.keys) if args.keys else KeyRing()
    listed: dict[str, str] | None = None
    if args.revocations is not None:
        try:
            as_of, listed = revocations_load(args.revocations, ring)
        except (OSError, ValueError) as exc:  # PayloadInvalid is a ValueError
            print(f"撤销名单无效：{exc}", file=sys.stderr)
            return BAD_LIST
    try:
        results = check(args.target, ring)
    except PayloadInvalid as exc:
        print(f"无效：{exc}", file=sys.stderr)
        return INVALID
    outcome = VALID
    path = _as_file(args.target)
    signed = signed_subject(path) if path is not None and path.suffix.lower() == ".pdf" else ""
    if signed:
        try:
            content = document_verify(PROOF_SIGNED, signed, ring).content
        except PayloadInvalid as exc:
            print(f"无效：证明的签名内容 {exc}", file=sys.stderr)
            return INVALID
        if all(content.get("no") != _describe(r)[0] for r in results):
            print("无效：证明的签名内容与二维码的编号不符。", file=sys.stderr)
            return INVALID
        print(
            f"签名内容：{content.get('nm')}（{content.get('id')}）· {content.get('pn')}"
            f"「{content.get('ct')}」{content.get('sd')} 至 {content.get('ed')} · "
            f"{content.get('cl')} {content.get('h')} 学时 · {content.get('rs')} · "
            f"备案编号 {content.get('fn')}"
        )
    for result in results:
        number, described = _describe(result)
        if listed is None:
            print(f"{SIGNED_ONLY_NOTE}：{described}")
            outcome = max(outcome, SIGNED_ONLY)
        elif number in listed:
            print(f"{listed[number]}：{described}（撤销名单 {as_of}）")
            outcome = REVOKED
        else:
            print(f"有效：{described}（不在 {as_of} 的撤销名单中）")
    return outcome
