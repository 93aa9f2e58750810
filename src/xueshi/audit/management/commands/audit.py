"""``xueshi audit verify`` and ``xueshi audit seal``: check the audit chain, or seal the rows
not sealed yet (docs/adr/0009-audit-chain.md).

verify exits 0 when the chain is intact, 1 when a row was edited, deleted or added, or the
end does not match (each problem on its own line)."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.audit.chain import audit_seal, audit_verify


class Command(BaseCommand):
    help = "审计链：verify 校验每一条审计记录（被改、被删即报告），seal 为尚未入链的记录封链。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal"])
        parser.add_argument(
            "--seal-first",
            action="store_true",
            help="校验前先为尚未入链的记录封链",
        )

    def handle(self, *args: Any, **options: Any) -> None:
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
