"""Offline verification of a certificate PDF or payload (``xueshi certificate verify``).

A PDF is checked by what its QR codes say, not by its text: each page is rendered
(pypdfium2) and its QR decoded (zxing-cpp), then the payload's signature is verified with
the public keys. An altered PDF keeps its original QR, whose content the verifier prints.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from xueshi.certificates.signing import KeyRing, PayloadInvalid, Verified, verify


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
    import pypdfium2 as pdfium
    import zxingcpp

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        raise PayloadInvalid(f"无法读取 PDF 文件：{exc}") from None
    texts = []
    for page in document:
        image = page.render(scale=2).to_pil()
        texts += [result.text for result in zxingcpp.read_barcodes(image)]
    return texts


def _as_file(target: str) -> Path | None:
    """``target`` as an existing file, or None when it is a payload (or names nothing)."""
    try:
        path = Path(target)
        return path if path.is_file() else None
    except (OSError, ValueError):  # a payload is no file name: too long, NUL…
        return None


def check(target: str, ring: KeyRing) -> list[Verified]:
    path = _as_file(target)
    if path is None and target.lower().endswith(".pdf"):
        raise PayloadInvalid(f"找不到文件 {target}")
    if path is not None and path.read_bytes()[:5] == b"%PDF-":
        texts = qr_texts_from_pdf(path)
        if not texts:
            raise PayloadInvalid("PDF 中没有可识别的证书二维码。")
        return [verify(payload_from_text(text), ring) for text in texts]
    if path is not None:
        target = path.read_text(encoding="utf-8", errors="replace")
    return [verify(payload_from_text(target), ring)]


def main(argv: list[str] | None = None, *, default_keys: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xueshi certificate verify", description="离线核验继续教育证书（PDF 或二维码内容）"
    )
    parser.add_argument("target", help="证书 PDF 文件、含二维码内容的文件，或二维码内容本身")
    parser.add_argument(
        "--keys", type=Path, default=default_keys, help="公钥目录（<kid>.public.pem）"
    )
    args = parser.parse_args(argv)
    ring = KeyRing.load(args.keys) if args.keys else KeyRing()
    try:
        results = check(args.target, ring)
    except PayloadInvalid as exc:
        print(f"无效：{exc}", file=sys.stderr)
        return 1
    for result in results:
        c = result.content
        hours = "、".join(f"{k} {v}" for k, v in (c.get("h") or {}).items())
        print(
            f"有效：证书 {c['no']} · {c['nm']}（{c['id']}）· {c['y']} · {c.get('rn', c['rg'])}"
            f" · {hours} · 发证 {c['iss']} {c['dt']} · 密钥 {result.kid}"
        )
    return 0
