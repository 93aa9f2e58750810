"""``xueshi exams_expire``: close every open attempt past its deadline (超时自动交卷).

Pages close their own attempt when it is next read; this sweep (run by cron or a timer
every minute) closes the ones nobody reads again, so that a pass is scored and its hours
entered without the learner coming back.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from xueshi.exams.services import attempts_expire


class Command(BaseCommand):
    help = "关闭已超过截止时间的在线考试（按服务器保存的答案自动交卷）"

    def handle(self, *args: Any, **options: Any) -> None:
        closed = attempts_expire()
        self.stdout.write(f"已自动交卷 {closed} 份答卷。")
