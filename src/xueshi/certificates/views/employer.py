"""The employer's certificates of a year: issuing them, printing them all as one PDF, and
submitting the verification roster (单位统一办理). The bureau reads the rosters too."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role, User
from xueshi.certificates.forms import RosterForm
from xueshi.certificates.selectors import (
    employer_year,
    print_jobs_visible,
    roster_detail,
    rosters_visible,
)
from xueshi.certificates.services import print_job_request, print_job_status, roster_submit
from xueshi.certificates.views.params import EMPLOYER, last_year, year_or
from xueshi.certificates.xlsx import roster_workbook
from xueshi.errors import ServiceError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@allow(*EMPLOYER)
@require_GET
def year_page(request: RoleRequest) -> HttpResponse:
    """本单位证书与验证: the staff and their certificates of a year, prints, rosters."""
    active = require_active_role(request)
    shown = employer_year(
        active, year_or(request.GET.get("year"), last_year()), request.GET.get("page")
    )
    roster_form = RosterForm(
        choices=[(c.pk, c.number) for c in shown.pending], initial={"year": shown.year}
    )
    return render(
        request, "certificates/employer.html", {"shown": shown, "roster_form": roster_form}
    )


@allow(*EMPLOYER)
@require_POST
def print_start(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    user = request.user
    assert isinstance(user, User)
    try:
        printing = print_job_request(
            actor=user, active=active, year=year_or(request.POST.get("year"), 0)
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:employer")
    return redirect("certificates:print_job", printing.pk)


@allow(*EMPLOYER)
@require_GET
def print_job(request: RoleRequest, pk: int) -> HttpResponse:
    """A batch print's progress; htmx polls the fragment until it is done."""
    try:
        printing, job = print_job_status(active=require_active_role(request), print_job_id=pk)
    except ServiceError:
        raise Http404 from None
    template = (
        "certificates/_print_job.html"
        if request.headers.get("HX-Request")
        else "certificates/print_job.html"
    )
    return render(request, template, {"job": printing, "task": job})


@allow(*EMPLOYER)
@require_GET
def print_download(request: RoleRequest, pk: int) -> HttpResponseBase:
    printing = get_object_or_404(print_jobs_visible(require_active_role(request)), pk=pk)
    if not printing.file:
        raise Http404
    return FileResponse(
        printing.file.open("rb"),
        as_attachment=True,
        filename=f"继续教育证书-{printing.year}.pdf",
        content_type="application/pdf",
    )


@allow(*EMPLOYER)
@require_POST
def roster_new(request: RoleRequest) -> HttpResponse:
    """报送验证花名册: the chosen certificates of a year, for the bureau to stamp."""
    active = require_active_role(request)
    year = year_or(request.POST.get("year"), 0)
    try:
        roster = roster_submit(
            actor=request.user,
            active=active,
            year=year,
            certificate_ids=[int(x) for x in request.POST.getlist("certificates") if x.isdigit()],
            late_reason=request.POST.get("late_reason", ""),
            title_evaluation=request.POST.get("title_evaluation") == "on",
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(f"{reverse('certificates:employer')}?year={year or ''}")
    messages.success(request, f"已报送验证花名册（{roster.entries.count()} 本证书）。")
    return redirect("certificates:roster", roster.pk)


@allow(*EMPLOYER, Role.BUREAU_STAFF)
@require_GET
def roster(request: RoleRequest, pk: int) -> HttpResponse:
    shown = roster_detail(require_active_role(request), pk, clock.today())
    if shown is None:
        raise Http404
    return render(request, "certificates/roster.html", {"shown": shown})


@allow(*EMPLOYER, Role.BUREAU_STAFF)
@require_GET
def roster_xlsx(request: RoleRequest, pk: int) -> HttpResponse:
    """The roster as Excel (汇总表)."""
    item = get_object_or_404(
        rosters_visible(require_active_role(request)).select_related("employer"), pk=pk
    )
    return HttpResponse(
        roster_workbook(item),
        content_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="roster-{item.pk}.xlsx"'},
    )
