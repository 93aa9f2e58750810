"""``xueshi audit verify``, ``xueshi audit seal`` and ``xueshi audit rotate-key``: check the
audit chain, seal the rows not sealed yet, or go on with a new key (the old one kept for
verifying; docs/adr/0009-audit-chain.md).

verify exits 0 when the chain is intact, 1 when a row was edited, deleted or added, or the
end does not match (each problem on its own line)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from xueshi.audit.chain import audit_key_rotate, audit_seal, audit_verify


class Command(BaseCommand):
    help = (
        "审计链：verify 校验每一条审计记录（被改、被删即报告），seal 为尚未入链的记录封链，"
        "rotate-key 更换密钥（旧密钥保留用于校验）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal", "rotate-key"])
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="校验前先为尚未入链的记录封链",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate-key":
            try:
                old, new = audit_key_rotate()
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(
                f"审计链密钥已由 {old} 更换为 {new}；旧密钥保留在密钥目录中用于校验。"
            )
            return
        if options["action"] == "seal" or options["seal_first"]:
            sealed = audit_seal()
            self.stdout.write(f"已封链 {sealed} 条审计记录。")
            if options["action"] == "seal":
                return
        verdict = audit_verify()
        for problem in verdict.problems:
            self.stderr.write(problem)
        if verdict.intact:
            extra = f"，另有 {verdict.unsealed} 条刚写入、尚未入链" if verdict.unsealed else ""
            self.stdout.write(f"审计链完整：已校验 {verdict.checked} 条记录{extra}。")
            return
        self.stderr.write(f"审计链校验失败：发现 {len(verdict.problems)} 处问题。")
        sys.exit(1)
