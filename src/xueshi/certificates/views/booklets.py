"""Guangde's numbered booklets at the bureau: first issue, renewal, replacement (G5), and
re-entering a replaced booklet's professional hours against evidence shown again."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.certificates.forms import BookletForm
from xueshi.certificates.selectors import professional_of_id_number
from xueshi.certificates.services import booklet_issue, booklet_reentry_confirm
from xueshi.errors import ServiceError
from xueshi.organisations.validators import normalise_ric


@allow(Role.BUREAU_STAFF)
@require_POST
def booklet(request: RoleRequest) -> HttpResponse:
    """首次申领, 续办 or 补办 the booklet of the holder of an ID number."""
    active = require_active_role(request)
    form = BookletForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写身份号码与办理类型。")
        return redirect("certificates:bureau")
    try:
        number = normalise_ric(form.cleaned_data["id_number"])
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("certificates:bureau")
    person = professional_of_id_number(active, number)
    if person is None:
        messages.error(request, "本辖区没有该身份号码的专业技术人员。")
        return redirect("certificates:bureau")
    try:
        result = booklet_issue(
            actor=request.user,
            active=active,
            professional_id=person.pk,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已办理，证书编号 {result.number}（第 {result.copies} 册）。")
    return redirect("certificates:bureau")


@allow(Role.BUREAU_STAFF)
@require_POST
def reentry(request: RoleRequest) -> HttpResponse:
    """补登 one record of a replaced booklet against its re-submitted evidence."""
    active = require_active_role(request)
    upload = request.FILES.get("evidence")
    record = request.POST.get("record", "")
    back = f"{reverse('certificates:bureau')}?holder={request.POST.get('holder', '')[:18]}"
    if upload is None or not record.isdigit():
        messages.error(request, "请选择记录并上传重新提供的证明材料。")
        return redirect(back)
    try:
        booklet_reentry_confirm(
            actor=request.user, active=active, record_id=int(record), upload=upload
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已补登。")
    return redirect(back)
