"""``xueshi revocations --out FILE``: the signed list of revoked and replaced certificates.

For offline verifiers (``xueshi certificate verify PDF --revocations FILE``): the numbers of
every certificate no longer in force, with the date of the list, signed with the active key.
A verifier trusts it as far as it trusts the list's date.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Certificate, CertificateStatus
from xueshi.certificates.offline import REVOCATIONS
from xueshi.certificates.signing import document_sign


def revocation_list() -> str:
    """The signed list as text (one line)."""
    ended = Certificate.objects.filter(
        status__in=[CertificateStatus.REVOKED, CertificateStatus.SUPERSEDED]
    ).order_by("number")
    labels = dict(CertificateStatus.choices)
    listed = {
        number: str(labels[status]) for number, status in ended.values_list("number", "status")
    }
    content = {"dt": timezone.localdate().isoformat(), "rv": listed}
    return document_sign(REVOCATIONS, content, keyring())


class Command(BaseCommand):
    help = "Write the signed list of revoked and replaced certificates (for offline verifiers)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", type=Path, required=True, help="the file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        text = revocation_list()
        options["out"].write_text(text + "\n", encoding="utf-8")
        self.stdout.write(f"已写入撤销名单：{options['out']}")
