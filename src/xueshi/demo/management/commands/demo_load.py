"""``xueshi demo_load``: load the demo data of the five seed regions and print the logins."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from xueshi.demo.load import demo_counts, demo_load
from xueshi.demo.spec import read

LABELS = {
    "users": "用户",
    "roles": "角色授权",
    "employers": "用人单位",
    "providers": "施教机构",
    "authorities": "行业主管部门",
    "professionals": "专业技术人员",
    "employments": "任职记录",
    "subjects": "公需科目",
    "guides": "专业科目指南",
    "classes": "培训班",
    "records": "学时记录",
    "pending_requests": "待确认的加入申请",
}


class Command(BaseCommand):
    help = "Load the demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quiet", action="store_true", help="do not print the table of logins")

    def handle(self, *args: Any, **options: Any) -> None:
        data = read()
        before = demo_counts()
        logins = demo_load(data)
        after = demo_counts()
        if options["quiet"]:
            return
        # Piped output (a log, CI) gets a wide table rather than an 80-column one.
        console = Console(file=self.stdout, width=None if self.stdout.isatty() else 170)  # type: ignore[arg-type]
        added = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        if added:
            summary = "，".join(f"{LABELS.get(k, k)} +{v}" for k, v in added.items())
            console.print(f"演示数据已载入：{summary}")
        else:
            console.print("演示数据已存在，未作改动。")
        table = Table(title=f"演示账户（密码均为 {data.password}）", show_lines=False)
        table.add_column("用户名", no_wrap=True, style="bold")
        table.add_column("角色", no_wrap=True)
        table.add_column("范围")
        table.add_column("可以试试", overflow="fold")
        for login in logins:
            table.add_row(login.username, login.role, login.scope, login.hint)
        console.print(table)
        console.print(f"登录页面：{settings.XUESHI_PUBLIC_URL.rstrip('/')}/accounts/login/")
