"""The second factor (等保 8.1.4.1 d): a TOTP code (django-otp) after the password, for every
account holding a bureau, industry-authority or administrator role.

The login page checks the password and, for such an account, does not sign in: it keeps the
account as *pending* in the session for five minutes and sends the browser to 二次验证, which
signs in only with a right code (``login`` then ``django_otp.login``). An account without a
confirmed device enrols there first: a new key, shown as a QR (segno) and in base32, confirmed
by its first code. Enrolment, each wrong code and a refused pending login are audited."""

from __future__ import annotations

import base64
import time
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from xueshi.accounts.access import public
from xueshi.accounts.models import SECOND_FACTOR_ROLES, User
from xueshi.audit.services import audit_event_write

PENDING = "xueshi_second_factor"
PENDING_SECONDS = 300
MAX_WRONG = 5


def needs_second_factor(user: User) -> bool:
    return user.role_assignments.filter(role__in=SECOND_FACTOR_ROLES).exists()


def start(request: HttpRequest, user: User, next_url: str) -> HttpResponse:
    """After a right password: remember the account as pending and ask for the code."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[-1]),
        "at": time.time(),
        "next": next_url,
        "wrong": 0,
    }
    return HttpResponseRedirect(reverse("accounts:second_factor"))


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("id").first()


def _enrolling_device(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("id").first()
    return device or TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def _qr(device: TOTPDevice) -> str:
    return str(segno.make(device.config_url, error="m").png_data_uri(scale=4, border=2))


def _audit(user: User, action: str, result: str = "success") -> None:
    with transaction.atomic():
        audit_event_write(
            actor=user,
            role="",
            action=action,
            target=("accounts.user", str(user.pk)),
            result=result,
        )


@public
@require_http_methods(["GET", "POST"])
def second_factor(request: HttpRequest) -> HttpResponse:
    """二次验证: the code of the account's authenticator (or its enrolment)."""
    pending: dict[str, Any] | None = request.session.get(PENDING)
    user = User.objects.filter(pk=pending["user"]).first() if pending else None
    if pending is None or user is None or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.error(request, "请先输入用户名和密码（二次验证须在 5 分钟内完成）。")
        return HttpResponseRedirect(reverse("accounts:login"))
    device = confirmed_device(user)
    enrolling = device is None
    if device is None:
        device = _enrolling_device(user)
    error = ""
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        if token.isdigit() and len(token) == 6 and device.verify_token(token):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                _audit(user, "second_factor_enrol")
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            otp_login(request, device)
            return HttpResponseRedirect(pending["next"] or reverse(settings.LOGIN_REDIRECT_URL))
        pending["wrong"] += 1
        _audit(user, "second_factor_failed", result="failure")
        if pending["wrong"] >= MAX_WRONG:
            request.session.pop(PENDING, None)
            messages.error(request, f"验证码连续 {MAX_WRONG} 次错误，请重新登录。")
            return HttpResponseRedirect(reverse("accounts:login"))
        request.session[PENDING] = pending
        error = "验证码不正确或已过期，请输入身份验证器当前显示的 6 位数字。"
    context: dict[str, Any] = {"enrolling": enrolling, "error": error, "username": user.username}
    if enrolling:
        context["qr"] = _qr(device)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/second_factor.html", context)
