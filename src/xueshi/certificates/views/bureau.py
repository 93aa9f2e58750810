"""The bureau's verification desk (证书验证): rosters to stamp, finding a certificate,
reissuing or revoking it."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.certificates.forms import BookletForm, DeskSearchForm, ReasonForm
from xueshi.certificates.selectors import bureau_desk, rosters_visible
from xueshi.certificates.services import certificate_reissue, certificate_revoke, roster_process
from xueshi.errors import ServiceError

CHANGES = {
    "reissue": (certificate_reissue, "已换发。"),
    "revoke": (certificate_revoke, "已撤销。"),
}


@allow(Role.BUREAU_STAFF)
@require_GET
def desk(request: RoleRequest) -> HttpResponse:
    query, holder = DeskSearchForm(request.GET).searches()
    shown = bureau_desk(
        require_active_role(request), query=query, holder=holder, today=clock.today()
    )
    return render(
        request, "certificates/bureau.html", {"shown": shown, "booklet_form": BookletForm()}
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def roster_process_view(request: RoleRequest, pk: int) -> HttpResponse:
    """验证盖章: a confirmation page, then the stamp on every certificate of the roster."""
    active = require_active_role(request)
    item = get_object_or_404(rosters_visible(active).select_related("employer"), pk=pk)
    if request.method == "GET":
        return render(request, "certificates/roster_confirm.html", {"roster": item})
    try:
        roster_process(actor=request.user, active=active, roster_id=item.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已验证盖章。")
    return redirect("certificates:roster", pk)


@allow(Role.BUREAU_STAFF)
@require_POST
def change_status(request: RoleRequest, pk: int, action: str) -> HttpResponse:
    """换发 (``reissue``) or 撤销 (``revoke``) a certificate, with a reason."""
    active = require_active_role(request)
    form = ReasonForm(request.POST)
    if action not in CHANGES or not form.is_valid():
        messages.error(request, "请填写原因。")
        return redirect("certificates:detail", pk)
    service, done = CHANGES[action]
    try:
        result = service(
            actor=request.user, active=active, certificate_id=pk, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:detail", pk)
    messages.success(request, done)
    return redirect("certificates:detail", result.pk)
