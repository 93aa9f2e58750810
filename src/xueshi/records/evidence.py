"""Evidence files: type checked by content (not by name), size limited, hashed."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from xueshi.errors import ServiceError

# What an evidence file may be, recognised by its first bytes.
SIGNATURES: list[tuple[bytes, str, str]] = [
    (b"%PDF-", "application/pdf", "PDF"),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG"),
]
ALLOWED = "、".join(name for _, _, name in SIGNATURES)


def sniff(head: bytes) -> str | None:
    for magic, content_type, _ in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def size_text(size: int) -> str:
    """A byte count as people read it: 10 MB, 1.5 MB, 800 KB."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"
    if size >= 1024:
        return f"{size / 1024:.1f}".removesuffix(".0") + " KB"
    return f"{size} 字节"


def evidence_check(upload: UploadedFile) -> tuple[str, str, int]:
    """(content type, sha256, size) of an acceptable upload; ServiceError otherwise."""
    limit = int(settings.XUESHI_EVIDENCE_MAX_BYTES)
    size = int(upload.size or 0)
    name = upload.name or "附件"
    if size == 0:
        raise ServiceError(f"文件“{name}”是空文件。", field="evidence")
    if size > limit:
        raise ServiceError(
            f"文件“{name}”大小为 {size_text(size)}，超过 {size_text(limit)} 的大小限制。",
            field="evidence",
        )
    upload.seek(0)
    head = upload.read(16)
    content_type = sniff(head)
    if content_type is None:
        raise ServiceError(
            f"文件“{name}”不是可接受的证明材料格式（仅限 {ALLOWED}，按文件内容识别）。",
            field="evidence",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest(), size
