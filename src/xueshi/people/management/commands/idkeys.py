"""``xueshi idkeys``: the keys of the ID numbers at rest (people/identity.py).

    xueshi idkeys list         every encryption key, the one that encrypts first, and how
                               many rows each holds
    xueshi idkeys rotate       a new encryption key from today (the index key is made once)
    xueshi idkeys reencrypt    every row under the newest key (chunks, resumable, audited)

Keys live in ``XUESHI_ID_KEYS`` (``id-<kid>.key``, ``index.key``; 0600), never in the
database or its backups. After ``reencrypt`` reports 0 rows left under a key, that key's file
may be archived (keep it with the backups of the time it was in use: an old backup needs it).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db.models import Count
from django.db.models.functions import Substr

from xueshi.audit.services import audit_event_write
from xueshi.people.identity import id_key_rotate, id_keys, id_keys_describe, id_numbers_reencrypt
from xueshi.people.models import Professional


class Command(BaseCommand):
    help = "List, rotate or re-encrypt under the keys of the ID numbers (SM4-GCM, HMAC-SM3)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every key and how many rows it encrypts")
        actions.add_parser("rotate", help="a new encryption key; old ones keep decrypting")
        actions.add_parser("reencrypt", help="every row under the newest key")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "rotate":
            before = id_keys().active
            kid = id_key_rotate()
            audit_event_write(
                actor=None,
                role="system",
                action="id_key_rotate",
                target=("people.idkey", kid),
                data={"kid": kid, "previous": before},
            )
            self.stdout.write(
                f"新的身份号码密钥：{kid}（此前：{before}）。新写入的号码用它加密；"
                "运行 xueshi idkeys reencrypt 把已有号码改用新密钥。"
            )
            return
        if action == "reencrypt":
            done = id_numbers_reencrypt()
            self.stdout.write(f"已改用密钥 {id_keys().active} 重新加密 {done} 条身份号码。")
            return
        held: dict[str, int] = {}
        counted = (
            Professional.objects.annotate(kid=Substr("id_number_encrypted", 1, 14))
            .values("kid")
            .annotate(rows=Count("pk"))
        )
        for row in counted:
            kid = str(row["kid"]).split(".", 1)[0]
            held[kid] = held.get(kid, 0) + int(row["rows"])
        for key in id_keys_describe():
            use = "加密" if key["active"] else "仅解密"
            self.stdout.write(f"{key['kid']}\t{use}\t{held.get(key['kid'], 0)} 条")
