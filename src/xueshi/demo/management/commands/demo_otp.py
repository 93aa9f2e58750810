"""``xueshi demo_otp USERNAME``: the current second-factor code of a demo account.

The demo's bureau, authority and administrator logins ask for a TOTP code after the password
(accounts.second_factor). So that the demo stays usable without a phone, this command gives
such an account a confirmed device whose key is derived from its username (published, as the
demo password is) and prints the code valid now; an authenticator app given the same key
(printed too) shows the same codes. Refused in production (XUESHI_PRODUCTION)."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.accounts.models import User


def demo_key(username: str) -> bytes:
    return hashlib.sha256(f"xueshi-demo-otp:{username}".encode()).digest()[:20]


class Command(BaseCommand):
    help = "打印演示账户当前的二次验证码（仅限演示环境）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("生产环境不提供演示验证码。")
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']}。")
        key = demo_key(user.username)
        device = TOTPDevice.objects.filter(user=user, name="演示身份验证器").first()
        if device is None:
            TOTPDevice.objects.filter(user=user).delete()
            device = TOTPDevice.objects.create(
                user=user, name="演示身份验证器", key=key.hex(), confirmed=True
            )
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        self.stdout.write(f"{user.username} 当前验证码：{code:06d}（30 秒内有效）")
        self.stdout.write(f"身份验证器密钥：{base64.b32encode(key).decode()}")
