"""A running job's sign of life, written by a thread of the process that runs it.

The thread writes ``Job.heartbeat_at`` every ``XUESHI_JOB_HEARTBEAT_SECONDS`` on its own
database connection, whatever the job's body is doing (reading a file in a sandbox,
rendering PDFs, holding the transaction of its work), so a job whose heartbeat is older
than ``XUESHI_JOB_STALE_SECONDS`` lost its process (``jobs.recovery``). Progress that the
body reports inside its work's transaction would be invisible until the commit; the body
hands it to this thread, which writes it at once on its connection.

Only a running job is touched (``status=running`` in the UPDATE): once the job is done or
failed, a late beat changes nothing. A beat that fails (the database restarting, SQLite's
write lock held longer than its timeout) is logged and tried again at the next one.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from django.db import DatabaseError, connection
from django.utils import timezone

from xueshi.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, job_id: int, interval: float) -> None:
        self.job_id = job_id
        self.interval = max(float(interval), 0.05)
        self._pending: dict[str, Any] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"xueshi-job-{job_id}-heartbeat", daemon=True
        )

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        self._wake.set()
        self._thread.join(timeout=self.interval + 30)

    def report(self, changes: dict[str, Any]) -> None:
        """Progress to write now, on the heartbeat's connection."""
        with self._lock:
            self._pending.update(changes)
        self._wake.set()

    def _run(self) -> None:
        try:
            while not self._stopped.is_set():
                self._beat()
                self._wake.wait(self.interval)
                self._wake.clear()
        finally:
            connection.close()  # this thread's own connection

    def _beat(self) -> None:
        with self._lock:
            changes, self._pending = self._pending, {}
        try:
            Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                **{**changes, "heartbeat_at": timezone.now()}
            )
        except DatabaseError as exc:
            logger.warning("job %s: heartbeat not written (%s)", self.job_id, exc)
            with self._lock:
                self._pending = {**changes, **self._pending}
            connection.close()  # a broken connection is opened again at the next beat
