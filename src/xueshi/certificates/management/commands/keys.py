"""``xueshi keys``: the certificate signing keys of this installation.

    xueshi keys list      every key: id, signs or only verifies, algorithm, fingerprint
    xueshi keys rotate [--algorithm ed25519|sm2]
                          a new signing key from today; the old ones keep verifying

Keys live in ``XUESHI_KEYS_DIR`` (``<kid>.private.pem`` / ``<kid>.public.pem``). Every app
server reads the same folder and picks a rotated key up on its next signature or
verification. Hand the public keys (``*.public.pem``) to anyone who verifies offline
(``xueshi certificate verify --keys DIR``).
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from xueshi.audit.services import audit_event_write
from xueshi.certificates.algorithms import ALGORITHMS, algorithm_of
from xueshi.certificates.keys import key_rotate, keys_dir
from xueshi.certificates.signing import KeyRing, kid_order


def fingerprint(ring: KeyRing, kid: str) -> str:
    return hashlib.sha256(ring.public[kid].raw()).hexdigest()[:16]


class Command(BaseCommand):
    help = "List or rotate the certificate signing keys (Ed25519 or SM2)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="every key, the one that signs first")
        rotate = actions.add_parser(
            "rotate", help="make a new signing key; old keys keep verifying"
        )
        rotate.add_argument(
            "--algorithm",
            choices=ALGORITHMS,
            help="ed25519 or sm2 (国密); by default XUESHI_SIGNING_ALGORITHM",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate":
            before = KeyRing.load(keys_dir()).active
            kid = key_rotate(options.get("algorithm"))
            audit_event_write(
                actor=None,
                role="system",
                action="signing_key_rotate",
                target=("certificates.signingkey", kid),
                data={"kid": kid, "previous": before, "algorithm": algorithm_of(kid)},
            )
            self.stdout.write(f"新的签名密钥：{kid}（此前：{before or '无'}）。")
            self.stdout.write(f"请把 {keys_dir() / (kid + '.public.pem')} 发给离线核验证书的单位。")
            return
        ring = KeyRing.load(keys_dir())
        if not ring.public:
            self.stdout.write(f"{keys_dir()} 中没有密钥（首次签发证书时自动生成）。")
            return
        for kid in sorted(ring.public, key=kid_order, reverse=True):
            use = "签名" if kid == ring.active else ("可签名" if kid in ring.private else "仅核验")
            algorithm = algorithm_of(kid).upper()
            self.stdout.write(f"{kid}\t{use}\t{algorithm}\tSHA-256 {fingerprint(ring, kid)}")
