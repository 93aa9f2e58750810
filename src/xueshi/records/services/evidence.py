"""Evidence files (证明材料) attached to a record, and their removal when the service that
wrote them fails (a database rollback cannot take a file back)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.files.uploadedfile import UploadedFile

from xueshi.accounts.models import User
from xueshi.errors import ServiceError
from xueshi.records.evidence import evidence_check
from xueshi.records.models import Evidence, HourRecord

# Files written to storage inside the current service call. A database rollback cannot take
# a file back, so the services that write evidence delete these when they fail.
_files_written: ContextVar[list[str] | None] = ContextVar("xueshi_evidence_written", default=None)


@contextmanager
def evidence_files_removed_on_failure() -> Iterator[None]:
    """Delete the evidence files written inside the block if the block raises.

    Use it *around* the ``transaction.atomic`` block of a service: when the exception leaves
    the block the rows are rolled back, and the files go with them. Files kept by a block that
    succeeded are handed to an enclosing block, which removes them if it fails in turn.
    (An outer transaction that rolls back *after* the service returned is not seen here:
    views call these services outside any transaction of their own.)
    """
    outer = _files_written.get()
    written: list[str] = []
    token = _files_written.set(written)
    try:
        yield
    except BaseException:
        storage = Evidence._meta.get_field("file").storage
        for name in written:
            storage.delete(name)
        raise
    else:
        if outer is not None:
            outer.extend(written)
    finally:
        _files_written.reset(token)


def evidence_attach(*, record: HourRecord, upload: UploadedFile, actor: User) -> Evidence:
    content_type, sha256, size = evidence_check(upload)
    if record.evidence.filter(sha256=sha256).exists():
        raise ServiceError(f"文件“{upload.name}”已上传过。", field="evidence")
    evidence = Evidence(
        record=record,
        original_name=(upload.name or "附件")[:200],
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    evidence.file.save(f"{sha256[:16]}{_suffix(content_type)}", upload, save=False)
    written = _files_written.get()
    if written is not None:
        written.append(evidence.file.name)
    evidence.save()
    return evidence


def evidence_precheck(uploads: list[UploadedFile]) -> None:
    """Check every upload (type, size, duplicates among them) before anything is written."""
    seen: dict[str, str] = {}
    for upload in uploads:
        _, sha256, _ = evidence_check(upload)
        if sha256 in seen:
            raise ServiceError(
                f"文件“{upload.name}”与“{seen[sha256]}”内容相同，请勿重复上传。",
                field="evidence",
            )
        seen[sha256] = upload.name or "附件"


def evidence_hashes(uploads: list[UploadedFile]) -> list[str]:
    """The SHA-256 of each upload (checked: type and size)."""
    return [evidence_check(upload)[1] for upload in uploads]


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[content_type]
