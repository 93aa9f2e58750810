"""The bureau starts the year-end evaluation of its region (the jobs page shows the form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow
from xueshi.accounts.models import Role
from xueshi.compliance.tasks import year_end_start
from xueshi.errors import ServiceError


class YearEndForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2010,
        max_value=2100,
        error_messages={"required": "请填写年度。", "invalid": "年度无效。"},
    )


def year_end_starter(request: HttpRequest) -> dict[str, Any] | None:
    """The jobs page's section for a bureau: its region and the year to evaluate."""
    active = getattr(request, "active_role", None)
    if active is None or active.role is not Role.BUREAU_STAFF:
        return None
    return {
        "region": active.assignment.region,
        "form": YearEndForm(initial={"year": clock.year() - 1}),
    }


@allow(Role.BUREAU_STAFF)
@require_POST
def year_end_start_view(request: RoleRequest) -> HttpResponse:
    active = request.active_role
    form = YearEndForm(request.POST)
    region = active.assignment.region
    if not form.is_valid() or region is None:
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("jobs:index")
    try:
        job = year_end_start(
            region_code=region.code,
            year=form.cleaned_data["year"],
            requested_by=request.user,
            role=active.assignment,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("jobs:index")
    return redirect("jobs:detail", job.pk)
