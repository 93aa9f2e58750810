"""Starting a job, reporting its progress, ending it.

``job_start`` writes the job and enqueues its task in one transaction: with the database
backend, the worker cannot see a task whose job is not committed, and a request that fails
leaves neither. The task's body runs through ``job_run``, which moves the job to running,
hands the body a ``progress`` function and records the outcome — a result, or an error in
Chinese — whatever happens. Each change of status is one transaction with its audit event.

A job's outcome is written in the transaction of its work (``job_complete``, called by the
body inside the transaction that commits what the job did, or by ``job_run`` around a body
that wrote nothing else): a job whose work committed is done, with its result, whatever
happens to the process afterwards; a job whose process died before that commit is still
running for lack of anything else, and ``jobs.recovery`` notices it by its heartbeat.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import File
from django.db import connection, transaction
from django.utils import timezone
from django_tasks.backends.immediate import ImmediateBackend

from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.jobs.faults import fault_point
from xueshi.jobs.heartbeat import Heartbeat
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
# The heartbeat of the job this process runs (``job_run`` in a worker): progress reported
# inside the work's transaction is written on its connection.
_heartbeat: contextvars.ContextVar[Heartbeat | None] = contextvars.ContextVar(
    "xueshi_job_heartbeat", default=None
)


class JobSuperseded(Exception):
    """Another run of the job recorded its outcome first (a run thought lost came back):
    this run's work is rolled back with its transaction, so the work lands once."""


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
    heartbeat = _heartbeat.get()
    if heartbeat is not None and heartbeat.job_id == job.pk and connection.in_atomic_block:
        heartbeat.report(changes)  # visible now, not at the work's commit
    else:
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


def job_fail(job: Job, error: str) -> bool:
    """End the job with ``error`` (Chinese, shown as it is), unless it has ended already (its
    work committed: it stays done). Whether it was failed now."""
    with transaction.atomic():
        locked = Job.objects.select_for_update().filter(pk=job.pk).first()
        if locked is None or locked.finished:
            if locked is not None:
                _copy(locked, job)
            return False
        job.status = locked.status
        _transition(
            job,
            JobStatus.FAILED,
            action="job_fail",
            error=error,
            message="失败",
            finished_at=timezone.now(),
        )
    return True


def _copy(source: Job, job: Job) -> None:
    for name in ("status", "message", "result", "result_url", "error", "done", "total"):
        setattr(job, name, getattr(source, name))
    job.finished_at = source.finished_at


def job_complete(job: Job, outcome: Outcome) -> None:
    """Record the job done with ``outcome``, in the caller's transaction: the one that
    commits the job's work, so that the work and the job's result commit together.

    Raises ``JobSuperseded`` (rolling the caller's work back) when another run of the job
    recorded its outcome first."""
    if not connection.in_atomic_block:
        raise RuntimeError("job_complete belongs inside the transaction of the job's work")
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.status == JobStatus.DONE:
        raise JobSuperseded(job.pk)
    job.status = locked.status
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
        error="",
    )
    fault_point(f"{job.kind}.before_commit")


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

    A body whose work writes rows calls ``job_complete`` inside the transaction that commits
    them; for any other body (its result is the job's only output) the outcome is recorded
    here. While the body runs, a heartbeat thread says the job is alive (in a worker, not
    inside a caller's transaction: the inline backend in tests).

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
    fault_point(f"{job.kind}.start")

    def progress(done: int, total: int | None = None, message: str | None = None) -> None:
        job_progress(job, done, total, message)

    interval = float(settings.XUESHI_JOB_HEARTBEAT_SECONDS)
    beating = not connection.in_atomic_block and interval > 0
    heartbeat = Heartbeat(job.pk, interval) if beating else None
    token = _heartbeat.set(heartbeat)
    try:
        with heartbeat or contextlib.nullcontext():
            outcome = _run_body(job, body, progress)
    except JobSuperseded:
        job.refresh_from_db()
        return {"status": job.status, "superseded": True}
    except ServiceError as exc:
        _failed(job, exc.message, on_failure)
        return {"status": job.status, "error": exc.message}
    except Exception as exc:
        _failed(job, internal_error(exc), on_failure)
        raise  # the task backend keeps the traceback for the operators
    finally:
        _heartbeat.reset(token)
    fault_point(f"{job.kind}.after_commit")
    return {"status": JobStatus.DONE, **outcome.result}


def _run_body(job: Job, body: Body, progress: Progress) -> Outcome:
    with _isolated():
        outcome = body(job, progress)
    if job.status != JobStatus.DONE:  # the body did not record it with its work
        with transaction.atomic():
            job_complete(job, outcome)
    return outcome


def _failed(job: Job, error: str, on_failure: Callable[[Job, str], None] | None) -> None:
    """The body raised: the job fails, unless its work committed before (it stays done)."""
    job.refresh_from_db()  # what the database says, not what a rolled-back write set
    if job.finished:
        return
    if on_failure is not None:
        on_failure(job, error)
    job_fail(job, error)
