"""``xueshi restore DIR --database URL [--uploads DIR]``: a backup into a fresh database.

The target must be empty (a new SQLite file, or a PostgreSQL database just made with
``createdb``); every file is checked against the manifest's SHA-256 first and every table's
row count after. Then point ``DATABASE_URL`` (and ``XUESHI_VAR_DIR``'s uploads) at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.operations.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Restore a backup (xueshi backup) into a fresh database and uploads folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folder", type=Path, help="the backup's folder")
        parser.add_argument(
            "--database", required=True, help="the fresh database's URL (as DATABASE_URL)"
        )
        parser.add_argument("--uploads", type=Path, help="an empty folder for the uploads")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            counts = backup_restore(
                folder=options["folder"],
                database_url=options["database"],
                uploads=options["uploads"],
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"恢复完成：{len(counts)} 张表，{sum(counts.values())} 行，与备份清单一致。"
        )
