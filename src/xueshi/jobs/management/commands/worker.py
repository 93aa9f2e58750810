"""``xueshi worker``: run background jobs (django-tasks' database worker, with the options of
``db_worker``) so that a database restart never stops it, and watch every job's heartbeat.

    xueshi worker --queue-name default --worker-id "$(hostname)-1"

See ``xueshi.jobs.worker`` and docs/deploy.md (后台任务出故障时).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from xueshi.jobs.worker import ResilientWorker, Watcher


class Command(DbWorkerCommand):
    help = (
        "Run background jobs; reconnect with backoff after a database error instead of "
        "exiting, and retry or fail the jobs whose process was lost (heartbeat watcher)."
    )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options: Any,
    ) -> None:
        self.configure_logging(verbosity)
        worker = ResilientWorker(
            queue_names=queue_name.split(","),
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        worker.configure_signals()
        with Watcher(settings.XUESHI_JOB_WATCH_SECONDS):
            worker.run_resilient()
