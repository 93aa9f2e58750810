"""Session limits and forced password changes, for every signed-in request.

- idle: a session unused for ``XUESHI_SESSION_IDLE_SECONDS`` (30 min) ends;
- absolute: a session ends ``XUESHI_SESSION_ABSOLUTE_SECONDS`` (8 h) after its login;
- a password reset by an administrator, or a staff password older than
  ``XUESHI_STAFF_PASSWORD_DAYS`` (90 days), must be changed before anything else;
- second factor, on every request: a session of an account that holds a bureau, authority
  or administrator role but was not verified by its TOTP device (a role given after the
  login, a session made some other way) is ended and the account sent to sign in again,
  through 二次验证 (``xueshi.accounts.second_factor``).

It also puts the client address where the audit trail reads it (``xueshi.audit.context``).
The times are the server's clock: nothing the client sends counts."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.access import role_assignments
from xueshi.accounts.models import SECOND_FACTOR_ROLES, STAFF_ROLES, User
from xueshi.accounts.network import client_address
from xueshi.audit.context import client_address_set

LOGIN_AT = "xueshi_login_at"
SEEN_AT = "xueshi_seen_at"
# The last-seen time is written at most this often (not a session write per request).
SEEN_RESOLUTION = 60
LOGOUT_REASON = "_xueshi_logout_reason"
STATIC_MODULES = ("django.contrib.staticfiles", "django.views.static")


def password_change_due(request: HttpRequest, user: User) -> str:
    """Why the user must change their password now ("" if they need not)."""
    if user.must_change_password:
        return "您的密码已由管理员重置，请先设置新密码。"
    if any(a.role in STAFF_ROLES for a in role_assignments(request)):
        age = timezone.now() - user.password_changed_at
        if age > timedelta(days=settings.XUESHI_STAFF_PASSWORD_DAYS):
            return f"您的密码已超过 {settings.XUESHI_STAFF_PASSWORD_DAYS} 天未修改，请设置新密码。"
    return ""


class SessionPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with client_address_set(client_address(request)):
            response = self._respond(request)
            self._audit_download(request, response)
            return response

    def _audit_download(self, request: HttpRequest, response: HttpResponse) -> None:
        """Every file a signed-in user downloads (an Excel export, a certificate, an evidence
        file) is an audit row: what, by whom, in which role, from where."""
        disposition = response.get("Content-Disposition", "") if response.status_code == 200 else ""
        user = getattr(request, "user", None)
        if "attachment" not in disposition or user is None or not user.is_authenticated:
            return
        from xueshi.accounts.services import read_audited

        read_audited(
            actor=user,
            active=getattr(request, "active_role", None),
            action="export",
            target=("download", request.path[:64]),
            data={
                "file": disposition[:200],
                "query": request.GET.urlencode()[:500],
            },
        )

    def _respond(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            ended = self._session_ended(request)
            if ended:
                setattr(request, LOGOUT_REASON, ended)
                logout(request)
                messages.info(request, "登录已超时，请重新登录。")
                return redirect_to_login(request.get_full_path())
            if self._second_factor_missing(request):
                setattr(request, LOGOUT_REASON, "unverified")
                logout(request)
                messages.warning(request, "您的账户须经二次验证方可使用，请重新登录。")
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)

    @staticmethod
    def _second_factor_missing(request: HttpRequest) -> bool:
        """An account holding a role that needs the second factor, in a session its device
        did not verify (django-otp's ``is_verified``, set by its middleware from the session)."""
        user = request.user
        if any(a.role in SECOND_FACTOR_ROLES for a in role_assignments(request)):
            verified = getattr(user, "is_verified", None)
            return not (callable(verified) and verified())
        return False

    def _session_ended(self, request: HttpRequest) -> str:
        """ "idle" or "absolute" if the session is over; notes this request otherwise."""
        now = time.time()
        session = request.session
        started, seen = session.get(LOGIN_AT), session.get(SEEN_AT)
        if not isinstance(started, int | float):
            session[LOGIN_AT] = started = now
        if now - started > settings.XUESHI_SESSION_ABSOLUTE_SECONDS:
            return "absolute"
        if isinstance(seen, int | float) and now - seen > settings.XUESHI_SESSION_IDLE_SECONDS:
            return "idle"
        if not isinstance(seen, int | float) or now - seen >= SEEN_RESOLUTION:
            session[SEEN_AT] = now
        return ""

    def process_view(
        self, request: HttpRequest, view: Callable[..., HttpResponse], args: object, kwargs: object
    ) -> HttpResponse | None:
        if not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match is not None and match.view_name in ("accounts:password_change", "accounts:logout"):
            return None
        if (getattr(view, "__module__", "") or "").startswith(STATIC_MODULES):
            return None
        if getattr(view, "xueshi_public", False) and match and match.app_name != "accounts":
            return None
        reason = password_change_due(request, request.user)
        if not reason:
            return None
        messages.warning(request, reason)
        return HttpResponseRedirect(reverse("accounts:password_change"))
