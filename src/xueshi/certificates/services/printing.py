"""The employer's batch print (批量打印): all its valid certificates of a year as one PDF.

The request is a ``PrintJob`` (what to print, the file once made); the printing is a
background job (``xueshi.jobs``) whose task is ``certificates.tasks.certificate_print_task``.
"""

from __future__ import annotations

from django.db import transaction

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.models import PrintJob
from xueshi.certificates.selectors import print_job_task, print_jobs_visible
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.recovery import job_reconcile
from xueshi.jobs.services import job_start

YEARS = range(2010, 2031)


def print_job_request(*, actor: User, active: ActiveRole, year: int) -> PrintJob:
    """An employer asks for its staff's certificates of ``year`` as one PDF.

    The request and its audit event are one transaction; the background job is started
    once they are committed (``job_start`` is its own transaction, and when the job runs
    at once, in this process, a long print must not hold the database's write lock)."""
    employer = active.assignment.employer
    if active.role not in EMPLOYER_ROLES or employer is None:
        raise ServiceError("证书批量打印由用人单位办理。")
    if year not in YEARS:
        raise ServiceError("年度无效。", field="year")
    with transaction.atomic():
        printing = PrintJob.objects.create(employer=employer, year=year, requested_by=actor)
        audit_event_write(
            actor=actor,
            role=active.role,
            action="print_job_request",
            target=printing,
            to_status=printing.status,
            data={"employer": employer.pk, "year": year},
        )
    job_start(
        kind=JobKind.CERTIFICATE_PRINT,
        title=f"{year} 年度证书批量打印",
        requested_by=actor,
        role=active.assignment,
        year=year,
        subject_id=printing.pk,
        params={"employer": employer.pk},
    )
    printing.refresh_from_db()
    return printing


def print_job_status(*, active: ActiveRole, print_job_id: int) -> tuple[PrintJob, Job | None]:
    """A batch print and its background job as they stand now: a job whose task can no
    longer finish it is failed first (``job_reconcile``), so the page stops waiting."""
    try:
        printing = print_jobs_visible(active).get(pk=print_job_id)
    except PrintJob.DoesNotExist:
        raise ServiceError("批量打印任务不存在。") from None
    job = print_job_task(printing)
    if job is not None and not job.finished:
        job_reconcile(job)
        printing.refresh_from_db()
    return printing, job
