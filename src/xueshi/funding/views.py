"""继续教育经费: the employer reports a year's payroll and spending and sees the check against
the policy's share; the bureau sees its employers' checks for a year, and exports them (a
background job)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.db.replica import replica_reads
from xueshi.errors import ServiceError
from xueshi.funding.apps import FUNDING_EXPORT
from xueshi.funding.exports import bureau_checks
from xueshi.funding.forms import FundingForm
from xueshi.funding.selectors import (
    STATUS_LABELS,
    FundingCheck,
    funding_tally,
    funding_years,
)
from xueshi.funding.services import employer_funding_record
from xueshi.jobs.exports import export_view

PAGE_SIZE = 30


@allow(Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
@require_http_methods(["GET", "POST"])
def employer_funding(request: RoleRequest) -> HttpResponse:
    """本单位继续教育经费."""
    active = require_active_role(request)
    employer = active.assignment.employer
    assert employer is not None, "an employer role is held for an employer"
    may_enter = active.role == Role.EMPLOYER_ADMIN
    if request.method == "POST":
        form = FundingForm(request.POST)
        if not may_enter:
            messages.error(request, "只有用人单位管理员可以填报本单位的继续教育经费。")
        elif form.is_valid():
            data = form.cleaned_data
            try:
                _, changed = employer_funding_record(
                    actor=request.user,
                    active=active,
                    year=data["year"],
                    payroll_total=data["payroll_total"],
                    spending=data["spending"],
                    note=data["note"],
                )
            except ServiceError as error:
                form.add_error(error.field, error.message)
            else:
                messages.success(
                    request,
                    f"已保存 {data['year']} 年度继续教育经费。"
                    if changed
                    else "内容未变，无需保存。",
                )
                return HttpResponseRedirect(reverse("funding:employer"))
    else:
        form = FundingForm(initial={"year": clock.year() - 1})
    checks = funding_years(employer, clock.today())
    return render(
        request,
        "funding/employer.html",
        {"employer": employer, "checks": checks, "form": form, "may_enter": may_enter},
    )


def _bureau_checks(request: RoleRequest) -> tuple[int, str, list[FundingCheck]]:
    return bureau_checks(require_active_role(request), request.GET)


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def bureau_funding(request: RoleRequest) -> HttpResponse:
    """经费统计: the employers of the bureau's region and below, for a year."""
    year, status, checks = _bureau_checks(request)
    tally = funding_tally(checks)
    shown = [c for c in checks if not status or c.status == status]
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    region = require_active_role(request).assignment.region
    return render(
        request,
        "funding/bureau.html",
        {
            "region": region,
            "year": year,
            "status": status,
            "statuses": list(STATUS_LABELS.items()),
            "tally": tally,
            "page": page,
        },
    )


bureau_funding_xlsx = export_view(
    Role.BUREAU_STAFF, source=FUNDING_EXPORT, title="继续教育经费", page="funding:bureau"
)
