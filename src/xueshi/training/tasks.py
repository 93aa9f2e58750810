"""A provider's Excel batch of learners' hours, validated and entered by a background job.

The upload is kept with the job; the task runs ``training.services.hour_batch_upload`` (the
file read, then ``hour_batch_enter``: every row checked, all or nothing) as the provider who
uploaded it, on the day it was uploaded (the entry deadline is judged on that day, not on
the day a worker picks the job up). The job's result points at the batch's row-by-row report.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import RoleAssignment, User
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.services import Outcome, Progress, job_complete, job_run, job_start
from xueshi.training.batch import LearnerScore
from xueshi.training.excel import file_check, read_rows
from xueshi.training.models import ClassPlan
from xueshi.training.services import hour_batch_upload


def hour_batch_import_start(
    *, plan: ClassPlan, upload: UploadedFile, actor: User, active: ActiveRole
) -> Job:
    """Keep the file and start the job that checks and enters it."""
    limit = settings.XUESHI_BATCH_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ServiceError(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后上传。", field="file")
    # The structure checks before the file is kept: a hostile file is refused at once, with
    # its reason, and never reaches a worker (which checks again, and reads it in a sandbox).
    data = upload.read()
    upload.seek(0)
    file_check(data)
    name = (upload.name or "未命名.xlsx")[:200]
    return job_start(
        kind=JobKind.HOUR_BATCH_IMPORT,
        title=f"批量登记学时：{plan.title}（{name}）",
        requested_by=actor,
        role=active.assignment,
        subject_id=plan.pk,
        params={"file_name": name, "today": clock.today().isoformat()},
        upload=upload,
    )


def _import(job: Job, progress: Progress) -> Outcome:
    assignment = (
        RoleAssignment.objects.select_related("region", "employer", "provider", "authority")
        .filter(pk=job.role_id or 0)
        .first()
    )
    if assignment is None or job.requested_by is None or job.subject_id is None:
        raise ServiceError("提交该文件时所用的角色已不存在，未登记。请重新上传。")
    if not job.input:
        raise ServiceError("上传的文件已不存在，未登记。请重新上传。")
    with job.input.open("rb") as handle:
        data = handle.read()
    progress(0, None, "正在读取文件…")
    # Read before the entry's transaction, so that the page can say how many rows are being
    # checked while it runs. A file that cannot be read is reported by the entry itself,
    # after the class's own checks (the order the provider sees on every path).
    rows: list[LearnerScore] | None
    try:
        rows = read_rows(data)
    except ServiceError:
        rows = None
    else:
        progress(0, len(rows), f"已读取 {len(rows):,} 行，正在校验并登记…")
    # The batch, its hours and the job's result commit together: a job whose batch is in is
    # done with its report, whatever happens to this process after the commit.
    with transaction.atomic():
        batch = hour_batch_upload(
            class_plan_id=job.subject_id,
            upload=SimpleUploadedFile(job.params.get("file_name") or "未命名.xlsx", data),
            actor=job.requested_by,
            active=ActiveRole(assignment),
            today=dt.date.fromisoformat(job.params["today"]),
            rows=rows,
        )
        errors = sum(1 for row in batch.report if row.get("result") == "error")
        progress(batch.rows, batch.rows)
        if batch.accepted:
            message = f"已登记：新登记 {batch.created} 人，此前已登记 {batch.unchanged} 人。"
        else:
            message = f"{errors} 行有错误，整份文件未登记。请按校验报告修改后重新上传。"
        outcome = Outcome(
            message=message,
            result={
                "batch": batch.pk,
                "accepted": batch.accepted,
                "rows": batch.rows,
                "errors": errors,
                "created": batch.created,
                "unchanged": batch.unchanged,
            },
            url=reverse("training:batch_detail", args=[batch.pk]),
        )
        job_complete(job, outcome)
    return outcome


@task()
def hour_batch_import_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _import)


def batch_import_back(job: Job) -> tuple[str, str] | None:
    """The job page's way back: the class's batch upload page."""
    if not job.subject_id:
        return None
    return reverse("training:batch_upload", args=[job.subject_id]), "返回批量登记"
