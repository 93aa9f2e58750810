"""A professional's own certificates (我的证书), and the providers' proofs of their classes."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.certificates.proof_selectors import proofs_mine
from xueshi.certificates.selectors import professional_certificates


@allow(Role.PROFESSIONAL)
@require_GET
def mine(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    mine = professional_certificates(active)
    if mine is None:
        raise Http404
    return render(request, "certificates/mine.html", {"mine": mine, "proofs": proofs_mine(active)})
