"""Sign in and out, choose the active role, and the dashboard of each role."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts import dashboard as dashboard_panels
from xueshi.accounts import second_factor, services
from xueshi.accounts.access import SESSION_KEY, SignedInRequest, active_role, signed_in
from xueshi.accounts.redirects import local_path
from xueshi.db.replica import replica_reads
from xueshi.errors import ServiceError


class _LocalNext:
    """``next`` only to a path on this site (Django checks the host; this also refuses what a
    browser would read as another host, and any absolute URL)."""

    request: HttpRequest
    redirect_field_name: str

    def get_redirect_url(self) -> str:
        name = self.redirect_field_name
        return local_path(self.request.POST.get(name, self.request.GET.get(name)), "")


class LoginView(_LocalNext, auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        """A right password signs in, except for roles that need the second factor: those
        go on to 二次验证 (accounts.second_factor) and are signed in there."""
        user = form.get_user()
        if services.temporary_password_expired(user):
            services.login_refused(self.request, user, "temporary_password_expired")
            form.add_error(
                None,
                f"管理员为您重置的临时密码已超过 {settings.XUESHI_TEMPORARY_PASSWORD_HOURS} 小时"
                "未使用，已失效。请联系本单位管理员或人社部门重新重置。",
            )
            return self.form_invalid(form)
        if second_factor.needs_second_factor(user):
            return second_factor.start(self.request, user, self.get_redirect_url())
        return super().form_valid(form)


LoginView.xueshi_public = True  # type: ignore[attr-defined]


class LogoutView(_LocalNext, auth_views.LogoutView):
    pass


LogoutView.xueshi_public = True  # type: ignore[attr-defined]


@signed_in
@require_POST
def role_switch(request: SignedInRequest) -> HttpResponse:
    """Make one of the user's own roles the active one."""
    try:
        role_id = int(request.POST.get("role_id", ""))
    except ValueError:
        role_id = -1
    try:
        services.role_switch(user=request.user, role_id=role_id, previous=request.active_role)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        request.session[SESSION_KEY] = role_id
        messages.success(request, "已切换角色。")
    return HttpResponseRedirect(reverse("accounts:dashboard"))


@signed_in
@require_GET
@replica_reads
def dashboard(request: SignedInRequest) -> HttpResponse:
    panels = dashboard_panels.panels_for(request, active_role(request))
    return render(request, "accounts/dashboard.html", {"panels": panels})
