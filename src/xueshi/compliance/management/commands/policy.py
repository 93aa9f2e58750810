"""``xueshi policy``: the policy in force against the ledger built from it.

    xueshi policy status        each open ledger year: the policy version it was built under
    xueshi policy sync          queue a ledger rebuild of every year not built under the
                                policy in force (once per year and version)
    xueshi policy sync --here   rebuild them in this process (no task worker: the demo)

Run ``sync`` after every deploy, once every app server and task worker runs the new code
(docs/deploy.md; ``scripts/start.sh`` runs it with ``--here``). Both read every row of the
open years (a rebuild's ``policy_version``, and each row's: a process still on the old
policy during a rolling restart writes rows with it), so they take a few seconds for a
province.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from xueshi.compliance.ledger_selectors import StaleLedgerYear, stale_years
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.tasks import ledger_rebuild_stale
from xueshi.jobs.models import Job, JobStatus
from xueshi.policy_store import current_policy


def _rows(stale: StaleLedgerYear | None) -> str:
    if stale is None or not stale.rows:
        return "—"
    return f"{sum(n for _, n in stale.rows)} 行（{len(stale.rows)} 个地区）"


def _job(job: Job, new: bool) -> str:
    if job.status == JobStatus.DONE:
        return f"已重建（任务 {job.pk}）"
    if job.status == JobStatus.FAILED:
        return f"失败（任务 {job.pk}）：{job.error}"
    if job.status == JobStatus.RUNNING:
        return f"正在重建（任务 {job.pk}）"
    return f"{'已排队' if new else '已在排队中'}（任务 {job.pk}）"


class Command(BaseCommand):
    help = "Compare the ledger with the policy in force; queue the rebuilds it needs."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("status", help="each open ledger year and its policy version")
        sync = actions.add_parser(
            "sync", help="queue a rebuild of every ledger year built under another version"
        )
        sync.add_argument("--here", action="store_true", help="rebuild in this process")

    def handle(self, *args: Any, **options: Any) -> None:
        self.console = Console(
            file=self.stdout,  # type: ignore[arg-type]
            width=None if self.stdout.isatty() else 120,
        )
        in_force = current_policy().version
        if options["action"] == "status":
            self.status(in_force)
        else:
            self.sync(in_force, here=options["here"])

    def _table(self, title: str) -> Table:
        table = Table(title=title)
        for heading in ("年度", "最近重建时的政策版本", "按旧版本计算的行", "重建任务"):
            table.add_column(heading)
        return table

    def status(self, in_force: str) -> None:
        stale = {s.year: s for s in stale_years(rows=True)}
        table = self._table(f"达标台账（现行政策版本 {in_force}）")
        for year, built_under in LedgerYear.objects.order_by("year").values_list(
            "year", "policy_version"
        ):
            found = stale.get(year)
            job = "—"
            if found is not None:
                job = f"已排队（任务 {found.rebuild_job}）" if found.rebuild_job else "未排队"
                job = f"正在重建（任务 {found.rebuild_job}）" if found.rebuild_running else job
            table.add_row(str(year), built_under, _rows(found), job)
        self.console.print(table)
        self.console.print(
            f"{len(stale)} 个年度需要重建（xueshi policy sync）。"
            if stale
            else "台账与现行政策一致。"
        )

    def sync(self, in_force: str, *, here: bool) -> None:
        queued = ledger_rebuild_stale(inline=True if here else None)
        if not queued:
            self.console.print(f"台账与现行政策（版本 {in_force}）一致，无需重建。")
            return
        table = self._table(f"重建达标台账（现行政策版本 {in_force}）")
        for stale, job, new in queued:
            table.add_row(str(stale.year), stale.built_under, _rows(stale), _job(job, new))
        self.console.print(table)
        failed = [job for _, job, _ in queued if job.status == JobStatus.FAILED]
        if failed:
            raise CommandError(f"{len(failed)} 个年度的台账重建失败。", returncode=1)
        if not here and any(job.status == JobStatus.QUEUED for _, job, _ in queued):
            self.console.print(
                "重建由后台进程（xueshi worker）执行；进度：xueshi job watch 任务编号。"
            )
