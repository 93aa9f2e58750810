"""``xueshi backup``: a backup of the database and the uploads into a new folder.

    xueshi backup [--out DIR]

SQLite: the online backup API (the system keeps running); PostgreSQL: ``pg_dump`` of an
exported snapshot. The folder's ``manifest.json`` lists every table's row count and each
file's SHA-256. Keys are not included: back ``XUESHI_KEYS_DIR`` and ``XUESHI_ID_KEYS`` up
separately. Restore with ``xueshi restore DIR --database URL`` (docs/deploy.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from xueshi.audit.services import audit_event_write
from xueshi.operations.backup import BackupError, backup_create


class Command(BaseCommand):
    help = "Back the database and the uploaded files up into a new folder (with a manifest)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--out",
            type=Path,
            help="a new or empty folder (default var/backups/<date-time>)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        out = options["out"] or (
            Path(settings.VAR_DIR) / "backups" / f"{timezone.localtime():%Y%m%d-%H%M%S}"
        )
        try:
            backup = backup_create(out=out)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        tables = backup.manifest["tables"]
        audit_event_write(
            actor=None,
            role="system",
            action="backup_create",
            target=("operations.backup", str(out)[-64:]),
            data={
                "engine": backup.manifest["engine"],
                "rows": sum(tables.values()),
                "files": backup.manifest["files"],
            },
        )
        self.stdout.write(
            f"备份完成：{out}（{backup.manifest['engine']}，{len(tables)} 张表，"
            f"{sum(tables.values())} 行，上传文件 {backup.manifest['uploads']['files']} 个）。"
        )
        self.stdout.write("注意：密钥不在备份中，请另行保管 XUESHI_KEYS_DIR 与 XUESHI_ID_KEYS。")
