"""``xueshi cleanup``: delete expired sessions and the uploaded files of background jobs
finished more than ``XUESHI_TEMPORARY_FILE_DAYS`` days ago (xueshi.operations.cleanup)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.operations.cleanup import residual_clear


class Command(BaseCommand):
    help = "清除剩余信息：过期会话，以及完成超过规定天数的后台任务的上传文件（记入审计）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, help="任务完成后保留上传文件的天数")

    def handle(self, *args: Any, **options: Any) -> None:
        cleared = residual_clear(days=options["days"])
        self.stdout.write(
            f"已清除过期会话 {cleared.sessions} 个、已完成任务的上传文件 {cleared.job_files} 个、"
            f"导出文件 {cleared.export_files} 个。"
        )
