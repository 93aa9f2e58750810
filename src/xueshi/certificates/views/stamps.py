"""Walking a certificate's verification path: the certificates waiting for the signed-in
authority's or bureau's stamp, and the stamp itself (after a confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.certificates.selectors import certificates_awaiting
from xueshi.certificates.services import certificate_stamp
from xueshi.certificates.views.params import local_path
from xueshi.errors import ServiceError


@allow(Role.AUTHORITY_REVIEWER, Role.BUREAU_STAFF)
@require_GET
def awaiting(request: RoleRequest) -> HttpResponse:
    page = certificates_awaiting(require_active_role(request), request.GET.get("page"))
    return render(request, "certificates/awaiting.html", {"page": page})


@allow(Role.AUTHORITY_REVIEWER, Role.BUREAU_STAFF)
@require_POST
def stamp(request: RoleRequest, pk: int) -> HttpResponse:
    """The step of the certificate's path the signed-in role is awaited at, stamped."""
    active = require_active_role(request)
    try:
        certificate = certificate_stamp(actor=request.user, active=active, certificate_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        done = certificate.stamps[-1]
        messages.success(request, f"证书 {certificate.number}：已{done['act']}（{done['body']}）。")
    return redirect(local_path(request.POST.get("next")))
