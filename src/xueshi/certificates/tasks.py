"""Background tasks of certificates: the employer's batch print, the provider's batch of
proofs.

The employer's request is a ``PrintJob`` (``services.printing``); the work is a background
job (``xueshi.jobs``: a task of Django's tasks API, run by ``xueshi worker``). The task
keeps both rows' progress in step, so the print page and ``xueshi job watch`` agree.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from xueshi.accounts.access import ActiveRole
from xueshi.certificates.models import PrintJob, PrintJobStatus, Proof, ProofBatch
from xueshi.certificates.pdf import render
from xueshi.certificates.proof_pdf import proof_render
from xueshi.certificates.proof_selectors import proof_sheet
from xueshi.certificates.selectors import certificate_sheet, print_job_certificates
from xueshi.certificates.services.proofs import proofs_issue_for_class
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
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


# --- the provider's batch of proofs (继续教育证明) ---------------------------------------------


def proof_batch_make(
    batch_id: int,
    progress: Progress | None = None,
    finish: Callable[[ProofBatch], None] | None = None,
) -> ProofBatch:
    """Issue the class's missing proofs and make their file (one PDF, or a zip of one PDF a
    learner). The proofs, the file and the job's outcome commit together: a run killed before
    its commit leaves nothing, and its retry does it all again."""
    batch = ProofBatch.objects.select_related("class_plan", "requested_by").get(pk=batch_id)
    job = Job.objects.filter(kind=JobKind.PROOF_BATCH, subject_id=batch.pk).first()
    if job is None or job.role is None:
        raise ServiceError("批量出具任务缺少申请人的角色。")
    active = ActiveRole(job.role)
    with transaction.atomic():
        before = set(Proof.objects.filter(class_plan=batch.class_plan).values_list("pk", flat=True))
        proofs = proofs_issue_for_class(
            actor=batch.requested_by, active=active, class_plan_id=batch.class_plan_id
        )
        total = len(proofs)
        ProofBatch.objects.filter(pk=batch.pk).update(status=PrintJobStatus.RUNNING, total=total)

        def advance(done: int) -> None:
            ProofBatch.objects.filter(pk=batch.pk).update(done=done)
            if progress is not None:
                progress(done, total, f"已生成 {done} / {total} 份证明")

        advance(0)
        if batch.shape == ProofBatch.Shape.ZIP:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for count, proof in enumerate(proofs, start=1):
                    archive.writestr(
                        f"继续教育证明-{proof.number}-{proof.holder_name}.pdf",
                        proof_render([proof_sheet(proof)], signed=proof.payload),
                    )
                    if count % PROGRESS_EVERY == 0 or count == total:
                        advance(count)
            data, suffix = buffer.getvalue(), "zip"
        else:
            sheets = [proof_sheet(proof) for proof in proofs]
            data = proof_render(sheets, progress=advance, progress_every=PROGRESS_EVERY)
            suffix = "pdf"
        batch.refresh_from_db()
        batch.file.save(
            f"proofs-{batch.class_plan_id}-{batch.pk}.{suffix}", ContentFile(data), save=False
        )
        batch.done = total
        batch.issued = len({p.pk for p in proofs} - before)
        batch.status = PrintJobStatus.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=["file", "done", "issued", "status", "finished_at"])
        if finish is not None:
            finish(batch)
    return batch


def _proof_batch(job: Job, progress: Progress) -> Outcome:
    if job.subject_id is None:
        raise ServiceError("任务缺少要出具证明的批次。")

    def outcome_of(made: ProofBatch) -> Outcome:
        return Outcome(
            message=f"已生成 {made.done} 份继续教育证明（新出具 {made.issued} 份）。",
            result={"proof_batch": made.pk, "proofs": made.done, "issued": made.issued},
            url=reverse("certificates:proof_batch_download", args=[made.pk]),
        )

    made = proof_batch_make(
        job.subject_id, progress, finish=lambda made: job_complete(job, outcome_of(made))
    )
    return outcome_of(made)


def _proof_batch_failed(job: Job, error: str) -> None:
    if job.subject_id is not None:
        ProofBatch.objects.filter(pk=job.subject_id).update(
            status=PrintJobStatus.FAILED, error=error, finished_at=timezone.now()
        )


@task()
def proof_batch_task(job_id: int) -> dict[str, Any]:
    """Issue and make the file of the ``ProofBatch`` the job ``job_id`` is about."""
    return job_run(job_id, _proof_batch, on_failure=_proof_batch_failed)


def proof_batch_back(job: Job) -> tuple[str, str]:
    """The job page's way back: the class's proofs."""
    batch = ProofBatch.objects.filter(pk=job.subject_id or 0).first()
    if batch is None:
        return reverse("training:provider_classes"), "返回培训班"
    return reverse("certificates:proofs_class", args=[batch.class_plan_id]), "返回本班证明"
