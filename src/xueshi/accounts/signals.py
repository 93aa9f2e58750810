"""Audit rows for sign-in events (等保 8.1.4.3 a): a login, a failed login, a lockout, a
logout or an ended session, each with the client address, the account and the result.

Connected in ``AccountsConfig.ready``. A failed login names the account typed (cut to 150
characters) and, if it exists, the user; the password is never written."""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.http import HttpRequest

from xueshi.accounts.models import User
from xueshi.accounts.network import client_address
from xueshi.audit.services import audit_event_write

TARGET = "accounts.user"


def _address(request: HttpRequest | None) -> str:
    return client_address(request) if request is not None else ""


def _user_named(username: str) -> User | None:
    return User.objects.filter(username__iexact=username).first() if username else None


def _role(request: HttpRequest | None) -> str:
    active = getattr(request, "active_role", None) if request is not None else None
    return active.role.value if active is not None else ""


def on_logged_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        from xueshi.accounts.middleware import LOGIN_AT, SEEN_AT

        request.session[LOGIN_AT] = request.session[SEEN_AT] = time.time()
    audit_event_write(
        actor=user,
        role="",
        action="login",
        target=(TARGET, str(user.pk)),
        client_address=_address(request),
        data={"username": user.username},
    )


def on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if getattr(request, "axes_locked_out", False):
        return  # refused because the account is locked: on_locked_out writes that row
    username = str(credentials.get("username") or "")[:150]
    user = _user_named(username)
    audit_event_write(
        actor=None,
        role="",
        action="login_failed",
        target=(TARGET, str(user.pk) if user else ""),
        client_address=_address(request),
        result="failure",
        data={"username": username},
    )


def on_locked_out(
    sender: Any, request: HttpRequest | None, username: str, ip_address: str, **kwargs: Any
) -> None:
    user = _user_named(username or "")
    audit_event_write(
        actor=None,
        role="",
        action="account_locked",
        target=(TARGET, str(user.pk) if user else ""),
        client_address=_address(request) or (ip_address or ""),
        result="locked",
        data={"username": (username or "")[:150]},
    )


def on_logged_out(
    sender: Any, request: HttpRequest | None, user: User | None, **kwargs: Any
) -> None:
    if user is None:
        return
    from xueshi.accounts.middleware import LOGOUT_REASON

    reason = getattr(request, LOGOUT_REASON, "")
    audit_event_write(
        actor=user,
        role=_role(request),
        action=f"session_ended_{reason}" if reason else "logout",
        target=(TARGET, str(user.pk)),
        client_address=_address(request),
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(on_logged_in, dispatch_uid="xueshi_audit_login")
    user_login_failed.connect(on_login_failed, dispatch_uid="xueshi_audit_login_failed")
    user_logged_out.connect(on_logged_out, dispatch_uid="xueshi_audit_logout")
    user_locked_out.connect(on_locked_out, dispatch_uid="xueshi_audit_locked_out")
