"""A professional's own certificates (我的证书)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.certificates.selectors import professional_certificates


@allow(Role.PROFESSIONAL)
@require_GET
def mine(request: RoleRequest) -> HttpResponse:
    mine = professional_certificates(require_active_role(request))
    if mine is None:
        raise Http404
    return render(request, "certificates/mine.html", {"mine": mine})
