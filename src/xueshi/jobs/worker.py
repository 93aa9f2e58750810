"""The task worker that survives its database: ``xueshi worker``.

django-tasks' database worker (``db_worker``) exits on the first database error it does not
expect — a restart of PostgreSQL while it polls, or while it records a task's end — and the
job it was running stays "running". This worker runs the same loop and, on a database
error, closes its connections and starts again after a backoff (1 s doubling to 30 s), for
as long as it takes; a job whose end could not be recorded is then noticed by its stale
heartbeat and retried or failed (``jobs.recovery``).

Beside the loop a watcher thread runs ``jobs_reap`` every ``XUESHI_JOB_WATCH_SECONDS``: a
job whose process died (this worker's before a restart, or another machine's) is noticed
by the workers themselves, not only by a page view or a cron.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from django.db import Error as DatabaseError
from django.db import connections
from django_tasks_db.management.commands.db_worker import Worker

from xueshi.jobs.recovery import jobs_reap

logger = logging.getLogger("xueshi.jobs.worker")

BACKOFF_FIRST = 1.0
BACKOFF_MAX = 30.0
# A failure this long after the previous one starts the backoff again from its first step.
BACKOFF_RESET = 120.0


def connections_drop() -> None:
    """Close this thread's connections, broken ones included (closing them may fail too)."""
    for conn in connections.all(initialized_only=True):
        try:
            conn.close()
        except DatabaseError:
            conn.connection = None


class ResilientWorker(Worker):
    """django-tasks-db's worker, run again after any database error instead of exiting."""

    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def run_resilient(self) -> None:
        delay = BACKOFF_FIRST
        last_failure = 0.0
        while self.running:
            try:
                self.run()
                return  # --batch done, or --max-tasks reached
            except DatabaseError as exc:
                now = time.monotonic()
                if now - last_failure > BACKOFF_RESET:
                    delay = BACKOFF_FIRST
                last_failure = now
                self.running_task = False
                logger.warning(
                    "worker %s: database error (%s: %s); trying again in %.0f s",
                    self.worker_id,
                    type(exc).__name__,
                    str(exc).strip().splitlines()[0] if str(exc).strip() else "",
                    delay,
                )
                connections_drop()
                self.sleep(delay)
                delay = min(delay * 2, BACKOFF_MAX)
            # After the first start, no thundering-herd delay.
            self.startup_delay = False


class Watcher:
    """A thread that runs ``jobs_reap`` every ``interval`` seconds on its own connection."""

    def __init__(self, interval: float) -> None:
        self.interval = max(float(interval), 0.05)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="xueshi-job-watcher", daemon=True)

    def __enter__(self) -> Watcher:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._thread.join(timeout=self.interval + 30)

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                self.look()
                self._stopped.wait(self.interval)
        finally:
            connections_drop()

    def look(self) -> None:
        try:
            reaped = jobs_reap()
        except DatabaseError as exc:
            logger.warning("job watcher: database error (%s); looking again later", exc)
            connections_drop()
            return
        for job in reaped.retried:
            logger.warning("job %s: its process was lost; queued again once", job.pk)
        for job in reaped.failed:
            logger.warning("job %s: its process was lost; failed: %s", job.pk, job.error)
        if reaped.rows_closed:
            logger.info("job watcher: closed %s queue rows of lost processes", reaped.rows_closed)
