"""Batch printing: all of an employer's certificates of a year as one PDF, with progress.

The employer's request is a ``PrintJob`` (what to print, the file once made); the work is a
background job (``xueshi.jobs``: a task of Django's tasks API, run by ``xueshi db_worker``).
The task keeps both rows' progress in step, so the print page and ``xueshi job watch`` agree.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from xueshi.certificates.models import Certificate, CertificateStatus, PrintJob, PrintJobStatus
from xueshi.certificates.pdf import render
from xueshi.certificates.selectors import certificate_sheet
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.services import Outcome, Progress, job_run, job_start

PROGRESS_EVERY = 20


def print_job_certificates(job: PrintJob) -> list[Certificate]:
    return list(
        Certificate.objects.filter(
            employer=job.employer, year=job.year, status=CertificateStatus.VALID
        )
        .select_related("professional", "region__parent__parent", "employer")
        .order_by("professional__full_name", "number")
    )


def print_job_make(job_id: int, progress: Progress | None = None) -> PrintJob:
    """Make the PDF of the print job ``job_id``: the PrintJob ends done, or this raises
    (ServiceError in Chinese when there is nothing to print). ``progress`` hears of every
    ``PROGRESS_EVERY`` pages."""
    job = PrintJob.objects.get(pk=job_id)
    certificates = print_job_certificates(job)
    total = len(certificates)
    PrintJob.objects.filter(pk=job.pk).update(status=PrintJobStatus.RUNNING, total=total)
    if not certificates:
        raise ServiceError(f"{job.year} 年度本单位没有有效的证书可打印。")

    def advance(done: int) -> None:
        PrintJob.objects.filter(pk=job.pk).update(done=done)
        if progress is not None:
            progress(done, total, f"已生成 {done} / {total} 页")

    advance(0)
    sheets = [certificate_sheet(certificate) for certificate in certificates]
    data = render(sheets, progress=advance, progress_every=PROGRESS_EVERY)
    with transaction.atomic():
        job.refresh_from_db()
        job.file.save(
            f"certificates-{job.employer_id}-{job.year}-{job.pk}.pdf",
            ContentFile(data),
            save=False,
        )
        job.done = total
        job.status = PrintJobStatus.DONE
        job.finished_at = timezone.now()
        job.save(update_fields=["file", "done", "status", "finished_at"])
    return job


def print_job_fail(job_id: int, error: str) -> None:
    PrintJob.objects.filter(pk=job_id).update(
        status=PrintJobStatus.FAILED, error=error, finished_at=timezone.now()
    )


def print_job_run(job_id: int) -> None:
    """Print now, in this process; a failure is recorded on the PrintJob, never raised."""
    try:
        print_job_make(job_id)
    except Exception as exc:  # the page must say what went wrong, whatever it was
        message = exc.message if isinstance(exc, ServiceError) else None
        print_job_fail(job_id, message or str(exc) or exc.__class__.__name__)


def _print(job: Job, progress: Progress) -> Outcome:
    if job.subject_id is None:
        raise ServiceError("任务缺少要打印的批次。")
    printed = print_job_make(job.subject_id, progress)
    return Outcome(
        message=f"已生成 {printed.done} 页证书 PDF。",
        result={"print_job": printed.pk, "pages": printed.done},
        url=reverse("certificates:print_download", args=[printed.pk]),
    )


def _print_failed(job: Job, error: str) -> None:
    if job.subject_id is not None:
        print_job_fail(job.subject_id, error)


@task()
def certificate_print_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _print, on_failure=_print_failed)


def print_job_start(job: PrintJob, *, role: Any = None) -> Job:
    """Start the background job that prints ``job``."""
    return job_start(
        kind=JobKind.CERTIFICATE_PRINT,
        title=f"{job.year} 年度证书批量打印",
        requested_by=job.requested_by,
        role=role,
        year=job.year,
        subject_id=job.pk,
        params={"employer": job.employer_id},
    )


def print_job_task(job: PrintJob) -> Job | None:
    """The background job printing ``job``."""
    return (
        Job.objects.filter(kind=JobKind.CERTIFICATE_PRINT, subject_id=job.pk)
        .order_by("-id")
        .first()
    )
