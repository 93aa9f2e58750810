"""xueshi ledger_rebuild [--year YEAR]: rebuild the compliance ledger set-based."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.compliance.services import ledger_rebuild


class Command(BaseCommand):
    help = "重建达标台账：指定年度（首次重建即建立该年度台账），或全部已建立及有记录的年度。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, default=None, help="年度（省略则重建全部年度）")

    def handle(self, *args: Any, year: int | None = None, **options: Any) -> None:
        started = time.perf_counter()
        written = ledger_rebuild(year=year)
        for each, rows in written.items():
            self.stdout.write(f"{each} 年度：{rows} 行")
        self.stdout.write(
            f"共 {sum(written.values())} 行，用时 {time.perf_counter() - started:.1f} 秒"
        )
