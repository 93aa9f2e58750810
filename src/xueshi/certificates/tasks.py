"""Background tasks of certificates: the employer's batch print.

The employer's request is a ``PrintJob`` (``services.printing``); the work is a background
job (``xueshi.jobs``: a task of Django's tasks API, run by ``xueshi worker``). The task
keeps both rows' progress in step, so the print page and ``xueshi job watch`` agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from xueshi.certificates.models import PrintJob, PrintJobStatus
from xueshi.certificates.pdf import render
from xueshi.certificates.selectors import certificate_sheet, print_job_certificates
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job
from xueshi.jobs.services import Outcome, Progress, job_complete, job_run

PROGRESS_EVERY = 20


def print_job_make(
    job_id: int,
    progress: Progress | None = None,
    finish: Callable[[PrintJob], None] | None = None,
) -> PrintJob:
    """Make the PDF of the print job ``job_id``: the PrintJob ends done, or this raises
    (ServiceError in Chinese when there is nothing to print). ``progress`` hears of every
    ``PROGRESS_EVERY`` pages; ``finish(print_job)`` runs inside the transaction that records
    the PrintJob done (the background job records its own outcome there)."""
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
        if finish is not None:
            finish(job)
    return job


def print_job_fail(job_id: int, error: str) -> None:
    PrintJob.objects.filter(pk=job_id).update(
        status=PrintJobStatus.FAILED, error=error, finished_at=timezone.now()
    )


def _print(job: Job, progress: Progress) -> Outcome:
    if job.subject_id is None:
        raise ServiceError("任务缺少要打印的批次。")

    def outcome_of(printed: PrintJob) -> Outcome:
        return Outcome(
            message=f"已生成 {printed.done} 页证书 PDF。",
            result={"print_job": printed.pk, "pages": printed.done},
            url=reverse("certificates:print_download", args=[printed.pk]),
        )

    # The PDF's PrintJob and the job's result commit together.
    printed = print_job_make(
        job.subject_id, progress, finish=lambda printed: job_complete(job, outcome_of(printed))
    )
    return outcome_of(printed)


def _print_failed(job: Job, error: str) -> None:
    if job.subject_id is not None:
        print_job_fail(job.subject_id, error)


@task()
def certificate_print_task(job_id: int) -> dict[str, Any]:
    """Print the ``PrintJob`` that the job ``job_id`` is about (its ``subject_id``)."""
    return job_run(job_id, _print, on_failure=_print_failed)


def print_job_back(job: Job) -> tuple[str, str]:
    """The job page's way back: the employer's certificates of the year."""
    return f"{reverse('certificates:employer')}?year={job.year}", "返回证书管理"
