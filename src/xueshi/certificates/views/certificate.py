"""One certificate: issuing it, its page and its PDF, for whoever may issue and see it."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.certificates.forms import IssueForm, ReasonForm
from xueshi.certificates.pdf import render as render_pdf
from xueshi.certificates.selectors import (
    certificate_detail,
    certificate_sheet,
    certificates_visible,
)
from xueshi.certificates.services import certificate_issue
from xueshi.certificates.views.params import ISSUERS, local_path
from xueshi.errors import ServiceError


@allow(*ISSUERS)
@require_POST
def issue(request: RoleRequest) -> HttpResponse:
    """Generate the certificate of a compliant year; back to ``next`` if it cannot be."""
    active = require_active_role(request)
    form = IssueForm(request.POST)
    back = local_path(request.POST.get("next"))
    if not form.is_valid():
        messages.error(request, "请求无效。")
        return redirect(back)
    try:
        certificate = certificate_issue(
            actor=request.user,
            active=active,
            professional_id=form.cleaned_data["professional"],
            year=form.cleaned_data["year"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已生成证书 {certificate.number}。")
    return redirect("certificates:detail", certificate.pk)


@allow(*ISSUERS)
@require_GET
def detail(request: RoleRequest, pk: int) -> HttpResponse:
    shown = certificate_detail(require_active_role(request), pk)
    if shown is None:
        raise Http404
    return render(
        request, "certificates/detail.html", {"shown": shown, "reason_form": ReasonForm()}
    )


@allow(*ISSUERS)
@require_GET
def pdf(request: RoleRequest, pk: int) -> HttpResponseBase:
    certificate = get_object_or_404(certificates_visible(require_active_role(request)), pk=pk)
    return FileResponse(
        io.BytesIO(render_pdf([certificate_sheet(certificate)])),
        as_attachment=True,
        filename=f"继续教育证书-{certificate.number}.pdf",
        content_type="application/pdf",
    )
