"""Jobs whose process is gone: noticed, failed with a reason in Chinese or retried once, and
the task queue's own rows closed to match.

A running job whose heartbeat (``jobs.heartbeat``) is older than ``XUESHI_JOB_STALE_SECONDS``
lost its process (killed, out of memory, the machine or the database restarted under it).
Its work did not commit — a job whose work committed is done, in the same transaction — so:

- a kind whose work is idempotent (``KindSpec.retry``: imports, year-end, printing) is queued
  again, once (``Job.retried``), with a new task;
- otherwise, or when the retry was lost too, it fails: 后台任务中断……请重新提交.

Either way the queue's row of the lost run (django-tasks' result row, left RUNNING by a
process that died) is closed as FAILED, and a queue row left RUNNING by a process that died
after its job ended is closed as the job ended. Who looks: the watcher thread of every
``xueshi worker`` (``jobs_reap`` every few seconds), a job's page, ``xueshi job watch`` and
``xueshi job reap``.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db.models import DBTaskResult

from xueshi.audit.services import audit_event_write
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.registry import kind_spec, task_for
from xueshi.jobs.services import _role_name, job_fail

logger = logging.getLogger(__name__)


class WorkerLost(Exception):
    """Recorded on a queue row whose process died while running it."""


def stale_limit() -> dt.timedelta:
    return dt.timedelta(seconds=int(settings.XUESHI_JOB_STALE_SECONDS))


def limit_text(seconds: int) -> str:
    """The stale limit as a person reads it: 45 秒, 90 秒, 15 分钟, 1 小时."""
    if seconds < 120 or seconds % 60:
        return f"{seconds} 秒"
    if seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    return f"{seconds // 60} 分钟"


def job_stale(job: Job, now: dt.datetime | None = None) -> bool:
    """Running, with no heartbeat for longer than ``XUESHI_JOB_STALE_SECONDS``: the process
    that ran it is gone."""
    if job.status != JobStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at
    if last is None:
        return False
    return (now or timezone.now()) - last > stale_limit()


def _queue_row_close(task_id: str, *, done: bool, reason: str = "") -> bool:
    """Close a queue row left RUNNING (or READY: a retried job's old task): SUCCESSFUL when
    its job is done, FAILED otherwise. Whether a row was closed."""
    try:
        uuid.UUID(task_id)
    except ValueError:  # none, or another backend's (the inline backend's)
        return False
    row = (
        DBTaskResult.objects.select_for_update()
        .filter(id=task_id, status__in=[TaskResultStatus.RUNNING, TaskResultStatus.READY])
        .first()
    )
    if row is None:
        return False
    if done:
        row.set_successful({"status": JobStatus.DONE, "closed_by": "xueshi.jobs.recovery"})
    else:
        row.set_failed(WorkerLost(reason or "the process running this task was lost"))
    return True


def _retryable(job: Job) -> bool:
    if job.retried or not kind_spec(job.kind).retry:
        return False
    try:
        backend = task_backends[job.task_backend or "default"]
    except Exception:
        return False
    # An inline job ran in a request or a command that is gone: nobody to run it again here.
    return not isinstance(backend, ImmediateBackend)


def _job_retry(job: Job) -> None:
    """Queue the job again with a new task (it is locked by the caller)."""
    limit = limit_text(int(settings.XUESHI_JOB_STALE_SECONDS))
    before = job.status
    old_task = job.task_id
    _queue_row_close(old_task, done=False, reason="worker lost; the job was queued again")
    task = task_for(JobKind(job.kind)).using(backend=job.task_backend or "default")
    new_task = str(task.enqueue(job.pk).id)
    message = f"处理它的后台进程中断（超过 {limit}没有进展），已自动重新排队，重试一次"
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.QUEUED,
        retried=True,
        task_id=new_task,
        message=message,
        started_at=None,
        heartbeat_at=None,
        done=0,
    )
    audit_event_write(
        actor=job.requested_by,
        role=_role_name(job),
        action="job_retry",
        target=job,
        from_status=before,
        to_status=JobStatus.QUEUED,
        comment=message,
        data={"task_lost": old_task, "task": new_task},
    )


def job_reconcile(job: Job) -> Job:
    """Bring a job that still says queued or running in line with what can still happen:

    - running with no heartbeat for ``XUESHI_JOB_STALE_SECONDS``: retried once when its kind
      allows (a new task), else failed; the lost run's queue row is closed;
    - queued or running while the backend reports its task failed (e.g. its code would not
      import): failed.

    Returns the job as it stands afterwards."""
    if job_stale(job):
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            if job_stale(locked):
                if _retryable(locked):
                    _job_retry(locked)
                else:
                    limit = limit_text(int(settings.XUESHI_JOB_STALE_SECONDS))
                    again = "，自动重试后仍未完成" if locked.retried else ""
                    job_fail(
                        locked,
                        f"后台任务中断：超过 {limit}没有进展"
                        f"（处理它的后台进程可能已停止）{again}，已停止等待。请重新提交。",
                    )
                    _queue_row_close(locked.task_id, done=False)
        job.refresh_from_db()
        return job
    if job.finished or not job.task_id:
        return job
    try:
        backend = task_backends[job.task_backend or "default"]
    except Exception:
        return job
    if not backend.supports_get_result:
        return job
    try:
        result = backend.get_result(job.task_id)
    except TaskResultDoesNotExist:
        return job
    if result.status == TaskResultStatus.FAILED:
        job.refresh_from_db()
        if not job.finished:
            errors = getattr(result, "errors", None) or []
            name = errors[-1].exception_class_path.rsplit(".", 1)[-1] if errors else ""
            job_fail(job, f"后台任务异常终止{f'（{name}）' if name else ''}，请重新提交。")
    return job


@dataclass
class Reaped:
    """What one look at every job found and did."""

    failed: list[Job] = field(default_factory=list)
    retried: list[Job] = field(default_factory=list)
    rows_closed: int = 0


def jobs_reap(now: dt.datetime | None = None) -> Reaped:
    """Every running job without a heartbeat for ``XUESHI_JOB_STALE_SECONDS``: retried once or
    failed (``job_reconcile``); then every queue row still RUNNING whose job has ended since
    at least two heartbeats (its process died between the job's commit and the row's): closed
    as the job ended. Safe to run from any number of processes at once."""
    now = now or timezone.now()
    reaped = Reaped()
    cutoff = now - stale_limit()
    for job in Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff).order_by("pk"):
        job = job_reconcile(job)
        if job.status == JobStatus.FAILED:
            reaped.failed.append(job)
        elif job.status == JobStatus.QUEUED:
            reaped.retried.append(job)
    grace = now - dt.timedelta(seconds=2 * float(settings.XUESHI_JOB_HEARTBEAT_SECONDS))
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list(
        "id", flat=True
    )
    ids = [str(task_id) for task_id in running]
    ended = Job.objects.filter(
        task_id__in=ids,
        status__in=[JobStatus.DONE, JobStatus.FAILED],
        finished_at__lt=grace,
    ).values_list("task_id", "status")
    for task_id, status in ended:
        with transaction.atomic():
            if _queue_row_close(task_id, done=status == JobStatus.DONE):
                reaped.rows_closed += 1
    return reaped
