"""``xueshi regions sync``: mirror the regions of the policy in force (``policy/regions``,
``XUESHI_POLICY_DIR``) into the database. Idempotent: run it after every ``migrate``
(``scripts/start.sh`` and docs/deploy.md do); a second run changes nothing.

    xueshi regions sync         the regions created or changed, and a summary
    xueshi regions sync --all   every region of the policy
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.table import Table

from xueshi.organisations.models import Region
from xueshi.organisations.services import regions_sync_from_policy
from xueshi.rules import load_policy

STATUS = {
    "created": "新增",
    "updated": "已更新",
    "unchanged": "无变化",
    "not_in_policy": "不在政策中",
}


class Command(BaseCommand):
    help = "Mirror the regions of the policy into the database (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        sync = actions.add_parser(
            "sync", help="create or update the regions of the policy in force"
        )
        sync.add_argument("--all", action="store_true", help="list every region, changed or not")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(
            file=self.stdout,  # type: ignore[arg-type]
            width=None if self.stdout.isatty() else 120,
        )
        # Loaded here, not through xueshi.policy_store: regions sit below it in the layers.
        policy = load_policy(settings.XUESHI_POLICY_DIR)
        synced = regions_sync_from_policy(policy=policy)
        shown = ["created", "updated", "not_in_policy"]
        if options["all"]:
            shown.insert(2, "unchanged")
        rows = [(code, status) for status in shown for code in getattr(synced, status)]
        if rows:
            names = dict(Region.objects.values_list("code", "name"))
            table = Table(title="行政区划")
            for heading in ("代码", "名称", "结果"):
                table.add_column(heading)
            for code, status in sorted(rows):
                table.add_row(code, names.get(code, ""), STATUS[status])
            console.print(table)
        extra = (
            f"，{len(synced.not_in_policy)} 个不在政策中（保留）" if synced.not_in_policy else ""
        )
        console.print(
            f"行政区划已与政策（版本 {policy.version}）同步：新增 {len(synced.created)} 个，"
            f"更新 {len(synced.updated)} 个，无变化 {len(synced.unchanged)} 个{extra}。"
        )
