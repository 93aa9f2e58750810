"""继续教育经费: the employer reports a year's payroll and spending and sees the check against
the policy's share; the bureau sees its employers' checks for a year, with an Excel export."""

from __future__ import annotations

import tempfile

import xlsxwriter
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.db.replica import replica_reads
from xueshi.errors import ServiceError
from xueshi.funding.forms import FundingForm, FundingYearForm
from xueshi.funding.selectors import (
    STATUS_LABELS,
    FundingCheck,
    FundingStatus,
    funding_in_region,
    funding_tally,
    funding_years,
)
from xueshi.funding.services import employer_funding_record

PAGE_SIZE = 30
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    active = require_active_role(request)
    region = active.assignment.region
    assert region is not None, "a bureau role is held in a region"
    form = FundingYearForm(request.GET or None)
    year = clock.year() - 1
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    status = request.GET.get("status", "")
    if status not in {s.value for s in FundingStatus}:
        status = ""
    return year, status, funding_in_region(region, year)


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


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def bureau_funding_xlsx(request: RoleRequest) -> FileResponse:
    year, status, checks = _bureau_checks(request)
    region = require_active_role(request).assignment.region
    assert region is not None
    out = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    book = xlsxwriter.Workbook(
        out, {"strings_to_formulas": False, "strings_to_urls": False, "constant_memory": True}
    )
    sheet = book.add_worksheet(f"{year}年度经费")
    header = [
        "用人单位",
        "统一社会信用代码",
        "地区",
        "专业技术人员工资总额（元）",
        "继续教育经费支出（元）",
        "占比（%）",
        "规定比例（%）",
        "尚差（元）",
        "结果",
        "依据",
    ]
    sheet.write_row(0, 0, header)
    row = 1
    for check in checks:
        if status and check.status != status:
            continue
        funding, rule = check.funding, check.rule
        sheet.write_row(
            row,
            0,
            [
                check.employer.name,
                check.employer.uscc,
                check.employer.region_id,
                float(funding.payroll_total) if funding else "",
                float(funding.spending) if funding else "",
                float(check.share) if check.share is not None else "",
                float(rule.share) if rule else "",
                float(check.shortfall) if funding and rule else "",
                check.status_label,
                rule.citation if rule else "",
            ],
        )
        row += 1
    book.close()
    out.seek(0)
    return FileResponse(
        out,
        as_attachment=True,
        filename=f"{region.name}-{year}年度继续教育经费.xlsx",
        content_type=XLSX,
    )
