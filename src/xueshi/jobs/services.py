"""Starting a job, reporting its progress, ending it.

``job_start`` writes the job and enqueues its task in one transaction: with the database
backend, the worker cannot see a task whose job is not committed, and a request that fails
leaves neither. The task's body runs through ``job_run``, which moves the job to running,
hands the body a ``progress`` function and records the outcome — a result, or an error in
Chinese — whatever happens. Each change of status is one transaction with its audit event.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task_backends
from django_tasks.backends.immediate import ImmediateBackend
from django_tasks.exceptions import TaskResultDoesNotExist

from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.registry import task_for
from xueshi.policy_store import policy_check_due

# The TASKS alias that runs a task at once, in the caller's process (settings.TASKS).
INLINE_BACKEND = "inline"
SYSTEM_ROLE = "system"  # the role recorded for jobs started from the command line


class Progress(Protocol):
    def __call__(self, done: int, total: int | None = None, message: str | None = None) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What a finished job shows: a sentence, figures, and where to see the result."""

    message: str
    result: dict[str, Any] = field(default_factory=dict)
    url: str = ""


Body = Callable[[Job, Progress], Outcome]

# An in-process listener of progress (``xueshi job run-year-end --here`` draws its bars).
_listener: contextvars.ContextVar[Callable[[Job], None] | None] = contextvars.ContextVar(
    "xueshi_job_listener", default=None
)


@contextlib.contextmanager
def job_listen(listener: Callable[[Job], None]) -> Iterator[None]:
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)


def _role_name(job: Job) -> str:
    return job.role.role if job.role is not None else SYSTEM_ROLE


def job_start(
    *,
    kind: JobKind,
    title: str,
    requested_by: User | None = None,
    role: Any = None,
    region_id: str | None = None,
    year: int | None = None,
    subject_id: int | None = None,
    params: dict[str, Any] | None = None,
    upload: File[Any] | None = None,
    inline: bool | None = None,
) -> Job:
    """Record a job and enqueue its task; returns the job as it stands afterwards (already
    finished when the task ran at once: the inline backend, tests).

    The job and its task (database backend) are written in one transaction. ``inline``
    (default ``settings.XUESHI_JOBS_INLINE``) runs the task here, once the job is committed.
    """
    task = task_for(kind)
    if settings.XUESHI_JOBS_INLINE if inline is None else inline:
        task = task.using(backend=INLINE_BACKEND)
    at_once = isinstance(task.get_backend(), ImmediateBackend)
    with transaction.atomic():
        job = Job(
            kind=kind,
            title=title[:200],
            requested_by=requested_by if getattr(requested_by, "pk", None) else None,
            role=role,
            region_id=region_id,
            year=year,
            subject_id=subject_id,
            params=params or {},
            task_backend=task.backend,
        )
        if upload is not None:
            job.input.save(upload.name or "upload.bin", upload, save=False)
        job.save()
        audit_event_write(
            actor=job.requested_by,
            role=_role_name(job),
            action="job_start",
            target=job,
            to_status=JobStatus.QUEUED,
            data={"kind": kind, "title": job.title, "params": job.params},
        )
        if not at_once:
            Job.objects.filter(pk=job.pk).update(task_id=str(task.enqueue(job.pk).id))
    if at_once:
        # After the job is committed, outside any transaction of ours: a long job must not
        # hold SQLite's write lock, and its progress must be visible as it goes.
        Job.objects.filter(pk=job.pk).update(task_id=str(task.enqueue(job.pk).id))
    job.refresh_from_db()
    return job


def job_progress(job: Job, done: int, total: int | None = None, message: str | None = None) -> None:
    """How far the job has got: ``done`` of ``total`` (unchanged if None), and what it is
    doing now. One UPDATE, no audit: progress is not a change of state."""
    changes: dict[str, Any] = {"done": max(done, 0), "heartbeat_at": timezone.now()}
    if total is not None:
        changes["total"] = max(total, 0)
    if message is not None:
        changes["message"] = message[:200]
    if changes.get("total", job.total) and changes["done"] > changes.get("total", job.total):
        changes["done"] = changes.get("total", job.total)
    Job.objects.filter(pk=job.pk).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)
    listener = _listener.get()
    if listener is not None:
        listener(job)


def _transition(
    job: Job, status: JobStatus, *, action: str, data: dict[str, Any] | None = None, **changes: Any
) -> None:
    with transaction.atomic():
        before = job.status
        Job.objects.filter(pk=job.pk).update(status=status, **changes)
        job.status = status
        for name, value in changes.items():
            setattr(job, name, value)
        audit_event_write(
            actor=job.requested_by,
            role=_role_name(job),
            action=action,
            target=job,
            from_status=before,
            to_status=status,
            comment=job.error,
            data=data,
        )
    listener = _listener.get()
    if listener is not None:
        listener(job)


def job_fail(job: Job, error: str) -> None:
    """End the job with ``error`` (Chinese, shown as it is)."""
    _transition(
        job,
        JobStatus.FAILED,
        action="job_fail",
        error=error,
        message="失败",
        finished_at=timezone.now(),
    )


def internal_error(exc: BaseException) -> str:
    detail = str(exc).strip()[:300]
    name = type(exc).__name__
    return f"处理时出现内部错误（{name}{'：' + detail if detail else ''}），请联系系统管理员。"


@contextlib.contextmanager
def _isolated() -> Iterator[None]:
    """Run inline inside a caller's transaction (the inline backend), a failing body rolls
    back to a savepoint so the failure can still be recorded. In a worker (autocommit) the
    body manages its own transactions, and its progress is visible as it goes."""
    if connection.in_atomic_block:
        with transaction.atomic():
            yield
    else:
        yield


def job_run(
    job_id: int, body: Body, on_failure: Callable[[Job, str], None] | None = None
) -> dict[str, Any]:
    """Run ``body`` for the job and record its outcome; what the task returns.

    ``on_failure(job, error)`` records a failure in the body's own rows: it runs after the
    body's writes are rolled back (inline in a transaction), so what it writes stays."""
    policy_check_due()  # a job runs under the policy in force when it starts, to the end
    job = Job.objects.select_related("role", "requested_by", "region").get(pk=job_id)
    if job.finished:  # run twice (a retried task): the outcome is already recorded
        return {"status": job.status}
    now = timezone.now()
    _transition(
        job,
        JobStatus.RUNNING,
        action="job_run",
        started_at=now,
        heartbeat_at=now,
        message="开始处理…",
    )

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        job_progress(job, done, total, message)

    try:
        with _isolated():
            outcome = body(job, progress)
    except ServiceError as exc:
        _failed(job, exc.message, on_failure)
        return {"status": JobStatus.FAILED, "error": exc.message}
    except Exception as exc:
        _failed(job, internal_error(exc), on_failure)
        raise  # the task backend keeps the traceback for the operators
    _transition(
        job,
        JobStatus.DONE,
        action="job_done",
        data=outcome.result,
        message=outcome.message[:200],
        result=outcome.result,
        result_url=outcome.url,
        done=max(job.done, job.total),
        finished_at=timezone.now(),
    )
    return {"status": JobStatus.DONE, **outcome.result}


def _failed(job: Job, error: str, on_failure: Callable[[Job, str], None] | None) -> None:
    if on_failure is not None:
        on_failure(job, error)
    job_fail(job, error)


def job_stale(job: Job, now: dt.datetime | None = None) -> bool:
    """Running, with no sign of life for longer than ``XUESHI_JOB_STALE_SECONDS``: the
    worker that ran it was stopped (killed, restarted, the machine went down)."""
    if job.status != JobStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at
    if last is None:
        return False
    limit = dt.timedelta(seconds=int(settings.XUESHI_JOB_STALE_SECONDS))
    return (now or timezone.now()) - last > limit


def job_reconcile(job: Job) -> Job:
    """A job that still says queued or running is failed when its task cannot finish it:
    the backend reports the task failed (it could not even start, e.g. its code failed to
    import), or the job has made no progress for longer than ``XUESHI_JOB_STALE_SECONDS``
    (``job_stale``: its worker is gone, and a task a worker has claimed is not run again)."""
    if job_stale(job):
        with transaction.atomic():
            locked = Job.objects.select_for_update().get(pk=job.pk)
            if job_stale(locked):
                minutes = max(1, int(settings.XUESHI_JOB_STALE_SECONDS) // 60)
                job_fail(
                    locked,
                    f"后台任务中断：超过 {minutes} 分钟没有进展（处理它的后台进程可能已停止），"
                    "已停止等待。请重新提交。",
                )
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
