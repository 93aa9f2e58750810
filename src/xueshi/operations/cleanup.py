"""Residual information cleared (等保 8.1.4.10): what the system keeps only for a while.

- sessions past their expiry (a signed-out session is deleted at once by Django; one left by
  a closed browser stays in the table until its expiry, then is deleted here);
- the uploaded files of finished background jobs (a provider's Excel batch, a bureau's
  import), ``XUESHI_TEMPORARY_FILE_DAYS`` (30) days after the job ended: what they held is
  in the records they made, and the job keeps its result and row-level report;
- the files of finished exports (``XUESHI_EXPORTS_DIR``), as long after: an export is made
  again from the page in a minute.

One run is one audit row with the counts. ``xueshi cleanup`` runs it (daily, from cron or a
systemd timer: docs/deploy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from xueshi.audit.services import audit_event_write
from xueshi.jobs.exports import export_path
from xueshi.jobs.models import Job, JobKind


@dataclass(frozen=True)
class Cleared:
    sessions: int
    job_files: int
    export_files: int = 0


def _sessions_clear() -> int:
    from django.contrib.sessions.models import Session

    engine = import_module(settings.SESSION_ENGINE)
    before = Session.objects.count() if "db" in settings.SESSION_ENGINE else 0
    engine.SessionStore.clear_expired()
    return before - Session.objects.count() if "db" in settings.SESSION_ENGINE else 0


def _job_files_clear(days: int) -> int:
    cutoff = timezone.now() - timedelta(days=days)
    cleared = 0
    finished = Job.objects.filter(finished_at__lt=cutoff).exclude(input="")
    for job in finished.only("pk", "input").iterator(chunk_size=500):
        job.input.delete(save=False)  # a file already gone is not an error
        Job.objects.filter(pk=job.pk).update(input="")
        cleared += 1
    return cleared


def _export_files_clear(days: int) -> int:
    cutoff = timezone.now() - timedelta(days=days)
    cleared = 0
    finished = Job.objects.filter(kind=JobKind.EXPORT, finished_at__lt=cutoff)
    for result in finished.values_list("result", flat=True).iterator(chunk_size=500):
        path = export_path(result)
        if path is not None and path.is_file():
            path.unlink()
            cleared += 1
    return cleared


def residual_clear(*, days: int | None = None) -> Cleared:
    """Delete expired sessions and the inputs of jobs finished more than ``days`` ago."""
    keep = settings.XUESHI_TEMPORARY_FILE_DAYS if days is None else days
    cleared = Cleared(
        sessions=_sessions_clear(),
        job_files=_job_files_clear(keep),
        export_files=_export_files_clear(keep),
    )
    with transaction.atomic():
        audit_event_write(
            actor=None,
            role="",
            action="residual_clear",
            target=("operations.cleanup", timezone.now().strftime("%Y-%m-%d")),
            data={
                "sessions": cleared.sessions,
                "job_files": cleared.job_files,
                "export_files": cleared.export_files,
                "days": keep,
            },
        )
    return cleared
