"""Batch printing: all of an employer's certificates of a year as one PDF, with progress.

The job runs after its request returns (a thread here; issue 5 moves long work to the tasks
framework); the page polls the job and shows how many pages are done.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import close_old_connections, transaction
from django.utils import timezone

from xueshi.certificates.models import Certificate, CertificateStatus, PrintJob, PrintJobStatus
from xueshi.certificates.pdf import CertificateSheet, render
from xueshi.certificates.selectors import certificate_sheet

PROGRESS_EVERY = 20


def print_job_certificates(job: PrintJob) -> list[Certificate]:
    return list(
        Certificate.objects.filter(
            employer=job.employer, year=job.year, status=CertificateStatus.VALID
        )
        .select_related("professional", "region__parent__parent", "employer")
        .order_by("professional__full_name", "number")
    )


def print_job_run(job_id: int) -> None:
    job = PrintJob.objects.get(pk=job_id)
    try:
        certificates = print_job_certificates(job)
        PrintJob.objects.filter(pk=job.pk).update(
            status=PrintJobStatus.RUNNING, total=len(certificates)
        )
        if not certificates:
            raise ValueError(f"{job.year} 年度本单位没有有效的证书可打印。")

        def sheets() -> Iterator[CertificateSheet]:
            for index, certificate in enumerate(certificates, start=1):
                yield certificate_sheet(certificate)
                if index % PROGRESS_EVERY == 0:
                    PrintJob.objects.filter(pk=job.pk).update(done=index)

        data = render(sheets())
        job.refresh_from_db()
        job.file.save(
            f"certificates-{job.employer_id}-{job.year}-{job.pk}.pdf", ContentFile(data), save=False
        )
        job.done = len(certificates)
        job.status = PrintJobStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "done", "status", "finished_at"])
    except Exception as exc:  # the page must say what went wrong, whatever it was
        PrintJob.objects.filter(pk=job.pk).update(
            status=PrintJobStatus.FAILED,
            error=str(exc) or exc.__class__.__name__,
            finished_at=timezone.now(),
        )


def print_job_start(job: PrintJob) -> None:
    """Run the job: inline where settings say so (tests), else in a thread once the
    request's transaction has committed."""
    if getattr(settings, "XUESHI_JOBS_INLINE", False):
        print_job_run(job.pk)
        return

    def target() -> None:
        try:
            print_job_run(job.pk)
        finally:
            close_old_connections()

    transaction.on_commit(
        lambda: threading.Thread(target=target, daemon=True, name=f"print-job-{job.pk}").start()
    )
