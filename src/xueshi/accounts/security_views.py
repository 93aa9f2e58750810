"""Account security pages: one's own password change, and the security administrator's
list of locked accounts with the unlock."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts import services
from xueshi.accounts.access import RoleRequest, SignedInRequest, allow, signed_in
from xueshi.accounts.forms import PasswordChangeForm, UnlockForm
from xueshi.accounts.middleware import password_change_due
from xueshi.accounts.models import Role, User
from xueshi.errors import ServiceError

PAGE_SIZE = 25


@signed_in
@require_http_methods(["GET", "POST"])
def password_change(request: SignedInRequest) -> HttpResponse:
    """修改密码 (also where a reset or an expired staff password sends the user)."""
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.password_change(
                user=request.user,
                old_password=data["old_password"],
                new_password=data["new_password1"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。")
            return HttpResponseRedirect(reverse("accounts:dashboard"))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "reason": password_change_due(request, request.user)},
    )


@allow(Role.SECURITY_ADMIN)
@require_GET
def locked_accounts(request: RoleRequest) -> HttpResponse:
    """被锁定的账户: accounts django-axes holds locked now, each with an unlock button."""
    names = services.locked_usernames()
    users = {u.username.lower(): u for u in User.objects.filter(username__in=names)}
    rows = [(name, users.get(name.lower())) for name in names]
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "accounts/locked_accounts.html", {"page": page})


@allow(Role.SECURITY_ADMIN)
@require_POST
def account_unlock(request: RoleRequest) -> HttpResponse:
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要解锁的账户。")
    else:
        try:
            services.account_unlock(
                actor=request.user,
                active=request.active_role,
                username=form.cleaned_data["username"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已解除账户 {form.cleaned_data['username']} 的锁定。")
    return HttpResponseRedirect(reverse("accounts:locked_accounts"))
