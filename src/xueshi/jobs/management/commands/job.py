"""``xueshi job``: start a job a domain app registered (``jobs.registry.CommandStarter``;
the compliance app registers the year-end evaluation) and follow background jobs with
progress bars.

    xueshi job run-year-end --region 440500 --year 2020   enqueue, then follow it
    xueshi job run-year-end ... --here                    run it in this process
    xueshi job run-year-end ... --detach                  enqueue and print its number
    xueshi job watch ID                                   follow a job to its end
    xueshi job list                                       the latest jobs
    xueshi job reap                                       fail the jobs whose worker is gone

The jobs themselves run in ``xueshi worker``. ``watch`` exits 0 when the job is done and
1 when it failed, printing the result or the error.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobStatus
from xueshi.jobs.recovery import job_reconcile, jobs_reap
from xueshi.jobs.registry import CommandStarter, command_starters
from xueshi.jobs.services import job_listen


class Bars:
    """A rich progress bar that follows one job."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console,
            transient=False,
        )
        self.bar: TaskID | None = None

    def __enter__(self) -> Bars:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def show(self, job: Job) -> None:
        note = job.message if job.status == JobStatus.RUNNING else job.get_status_display()
        if job.status == JobStatus.QUEUED:
            note = "排队中：等待后台进程（xueshi worker）"
        total = job.total or None
        if self.bar is None:
            self.bar = self.progress.add_task(job.title, total=total, note=note)
        completed = (job.total or job.done) if job.status == JobStatus.DONE else job.done
        self.progress.update(self.bar, total=total, completed=completed, note=note)
        self.progress.refresh()


class Command(BaseCommand):
    help = (
        "Start registered jobs (e.g. run-year-end) and follow background jobs (rich progress bars)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        for starter in command_starters():
            start = actions.add_parser(starter.name, help=starter.help)
            for flags, settings in starter.arguments:
                start.add_argument(*flags, **settings)
            where = start.add_mutually_exclusive_group()
            where.add_argument("--here", action="store_true", help="run in this process")
            where.add_argument("--detach", action="store_true", help="enqueue and do not follow")
        watch = actions.add_parser("watch", help="follow a job until it ends")
        watch.add_argument("job_id", type=int, metavar="ID")
        watch.add_argument("--interval", type=float, default=0.5, help="seconds between looks")
        watch.add_argument("--timeout", type=float, default=None, help="give up after seconds")
        listing = actions.add_parser("list", help="the latest jobs")
        listing.add_argument("--limit", type=int, default=20)
        actions.add_parser(
            "reap",
            help="fail the running jobs with no progress for XUESHI_JOB_STALE_SECONDS "
            "(their worker was stopped); run it from cron or after restarting workers",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.console = Console(
            file=self.stdout,  # type: ignore[arg-type]
            width=None if self.stdout.isatty() else 120,
        )
        action = options["action"]
        starters = {starter.name: starter for starter in command_starters()}
        if action in starters:
            self.run_starter(starters[action], options)
        elif action == "watch":
            self.watch(options["job_id"], options["interval"], options["timeout"])
        elif action == "reap":
            self.reap()
        else:
            self.list(options["limit"])

    def run_starter(self, starter: CommandStarter, options: dict[str, Any]) -> None:
        try:
            if options["here"]:
                with Bars(self.console) as bars, job_listen(bars.show):
                    job = starter.start(options, True)
                self.finish(job)
                return
            job = starter.start(options, None)
        except ServiceError as exc:
            raise CommandError(exc.message) from None
        self.console.print(f"已提交后台任务 {job.pk}：{job.title}")
        if options["detach"]:
            self.console.print(f"查看进度：xueshi job watch {job.pk}")
            return
        self.watch(job.pk, 0.5, None)

    def watch(self, job_id: int, interval: float, timeout: float | None) -> None:
        job = Job.objects.filter(pk=job_id).first()
        if job is None:
            raise CommandError(f"没有编号为 {job_id} 的后台任务。")
        started = time.monotonic()
        with Bars(self.console) as bars:
            while True:
                job = job_reconcile(Job.objects.get(pk=job_id))
                bars.show(job)
                if job.finished:
                    break
                if timeout is not None and time.monotonic() - started > timeout:
                    raise CommandError(
                        f"等待超时：任务 {job_id} 仍为“{job.get_status_display()}”。"
                    )
                time.sleep(interval)
        self.finish(job)

    def finish(self, job: Job) -> None:
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error or "任务失败。", returncode=1)
        self.console.print(f"[green]完成[/green]：{job.message}")
        rows = job.result.get("by_region") if isinstance(job.result, dict) else None
        if rows:
            table = Table(title=job.title)
            for heading in ("地区", "人数", "有学时要求", "已达标", "未达标", "达标率"):
                table.add_column(heading, justify="left" if heading == "地区" else "right")
            for row in [*rows, {**job.result, "label": "合计"}]:
                table.add_row(
                    str(row["label"]),
                    str(row["people"]),
                    str(row["determined"]),
                    str(row["compliant"]),
                    str(row["not_compliant"]),
                    str(row["rate"]),
                )
            self.console.print(table)
        if job.result_url:
            self.console.print(f"结果：{job.result_url}")

    def reap(self) -> None:
        reaped = jobs_reap()
        for job in reaped.retried:
            self.console.print(f"任务 {job.pk}（{job.title}）：{job.message}")
        for job in reaped.failed:
            self.console.print(f"任务 {job.pk}（{job.title}）：{job.error}")
        self.console.print(
            f"已将 {len(reaped.failed)} 个中断的后台任务标记为失败，"
            f"{len(reaped.retried)} 个重新排队；"
            f"关闭任务队列中遗留的运行记录 {reaped.rows_closed} 条。"
        )

    def list(self, limit: int) -> None:
        table = Table(title="后台任务")
        for heading in ("编号", "任务", "状态", "进度", "提交时间"):
            table.add_column(heading)
        for job in Job.objects.all()[:limit]:
            table.add_row(
                str(job.pk),
                job.title,
                job.get_status_display(),
                f"{job.done}/{job.total}" if job.total else "",
                f"{job.created_at:%Y-%m-%d %H:%M}",
            )
        self.console.print(table)
