"""Where people stand: a professional's year, an employer's staff, a bureau's region."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.accounts.scope import professional_scope
from xueshi.compliance.person_year import default_year, person_year, record_years
from xueshi.compliance.what_if import (
    WhatIf,
    class_addition,
    course_addition,
    enrolled_classes,
    what_if,
)
from xueshi.db.replica import replica_reads
from xueshi.jobs.exports import export_view
from xueshi.people.models import Professional
from xueshi.records.selectors import registration_routes
from xueshi.reporting import charts
from xueshi.reporting.apps import BUREAU_EXPORT, CHARTS_EXPORT, EMPLOYER_EXPORT
from xueshi.reporting.forms import BureauFilterForm, ComplianceFilterForm, WhatIfForm, YearForm
from xueshi.reporting.reports import bureau_filter_form, bureau_report, employer_report
from xueshi.rules import Category
from xueshi.training.models import Enrollment

PAGE_SIZE = 30


def _form_errors(request: HttpRequest, form: YearForm | ComplianceFilterForm | WhatIfForm) -> None:
    """A bad query parameter is reported and ignored (its default is used)."""
    if form.is_bound and not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))


@allow(Role.PROFESSIONAL)
@require_GET
def my_year(request: RoleRequest) -> HttpResponse:
    """我的年度学时: the requirement, what counted, what is pending and what did not count."""
    active = require_active_role(request)
    professional = (
        Professional.objects.select_related("region", "employer")
        .filter(user_id=active.assignment.user_id)
        .first()
    )
    if professional is None:
        return render(request, "reporting/my_year.html", {"professional": None})
    form = YearForm(request.GET or None)
    _form_errors(request, form)
    years = record_years(professional)
    year = (form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None) or (
        default_year(years)
    )
    choices = sorted({*years, default_year([]), year}, reverse=True)
    enrolled = enrolled_classes(professional, year)
    asked = _what_if(request, professional, year, enrolled)
    routes = registration_routes(professional, year)
    closed = "、".join(o["label"] for o in routes if not o["open"])
    return render(
        request,
        "reporting/my_year.html",
        {
            "professional": professional,
            "standing": asked.now if asked else person_year(professional, year),
            "year": year,
            "year_choices": choices,
            "what_if": asked,
            "what_if_form": WhatIfForm(
                request.GET if "what_if" in request.GET else None,
                initial={"category": Category.PROFESSIONAL.value, "hours": 12},
            ),
            "enrolled": enrolled,
            # The same categories and chains as the declaration form of that year.
            "routes": routes,
            "closed": closed,
        },
    )


def _what_if(
    request: HttpRequest, professional: Professional, year: int, enrolled: list[Enrollment]
) -> WhatIf | None:
    """“If I add …, do I meet the year?” — asked by GET, answered without saving anything."""
    if "what_if" not in request.GET:
        return None
    form = WhatIfForm(request.GET)
    if not form.is_valid():
        _form_errors(request, form)
        return None
    chosen = form.cleaned_data.get("enrollment")
    if chosen:
        enrollment = next((e for e in enrolled if e.pk == chosen), None)
        if enrollment is None:
            messages.error(request, "所选培训班不是您在本年度报名且尚未登记学时的培训班。")
            return None
        addition = class_addition(enrollment)
    else:
        addition = course_addition(
            year, Category(form.cleaned_data["category"]), form.cleaned_data["hours"]
        )
    return what_if(professional, year, addition)


@allow(Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
@require_GET
@replica_reads
def employer_compliance(request: RoleRequest) -> HttpResponse:
    """本单位达标情况: the staff for a year, with filters."""
    form = ComplianceFilterForm(request.GET or None)
    _form_errors(request, form)
    filters = form.filters()
    report = employer_report(require_active_role(request), filters)
    page = Paginator(report.rows, PAGE_SIZE).get_page(filters.page)
    return render(
        request,
        "reporting/employer_compliance.html",
        {
            "form": form,
            "report": report,
            "page": page,
        },
    )


employer_compliance_xlsx = export_view(
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_REVIEWER,
    source=EMPLOYER_EXPORT,
    title="本单位继续教育达标情况",
    page="reporting:employer_compliance",
)


def _bureau_form(request: HttpRequest) -> BureauFilterForm:
    return bureau_filter_form(require_active_role(request), request.GET or None)


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def bureau_compliance(request: RoleRequest) -> HttpResponse:
    """达标统计: the bureau's region and below, by unit, series and title level."""
    form = _bureau_form(request)
    _form_errors(request, form)
    filters = form.filters()
    report = bureau_report(require_active_role(request), filters)
    page = Paginator(report.rows, PAGE_SIZE).get_page(filters.page)
    return render(
        request,
        "reporting/bureau_compliance.html",
        {
            "form": form,
            "report": report,
            "page": page,
        },
    )


bureau_compliance_xlsx = export_view(
    Role.BUREAU_STAFF,
    source=BUREAU_EXPORT,
    title="继续教育达标统计",
    page="reporting:bureau_compliance",
)


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def bureau_person(request: RoleRequest, pk: int) -> HttpResponse:
    """A person of the bureau's region, for a year: the verdict and the records (the names in
    the drill-down lists and on the anomaly board link here). A person outside the region
    is not found, as any person not there."""
    active = require_active_role(request)
    professional = get_object_or_404(
        Professional.objects.select_related("region", "employer").filter(
            professional_scope(active)
        ),
        pk=pk,
    )
    form = YearForm(request.GET or None)
    _form_errors(request, form)
    years = record_years(professional)
    year = (form.cleaned_data.get("year") if form.is_bound and form.is_valid() else None) or (
        default_year(years)
    )
    return render(
        request,
        "reporting/bureau_person.html",
        {
            "professional": professional,
            "standing": person_year(professional, year),
            "year": year,
            "year_choices": sorted({*years, default_year([]), year}, reverse=True),
        },
    )


def _charts(request: RoleRequest) -> dict[str, Any]:
    region = require_active_role(request).assignment.region
    assert region is not None, "a bureau role is held in a region"
    return charts.charts_context(region, request.GET.get("year", ""))


def _chart_json(bars: list[charts.Bar]) -> dict[str, Any]:
    return {
        "labels": [b.label for b in bars],
        "compliant": [b.compliant for b in bars],
        "not_compliant": [b.not_compliant for b in bars],
        "rate": [float(b.rate) if b.rate is not None else None for b in bars],
    }


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def bureau_charts(request: RoleRequest) -> HttpResponse:
    """统计图表: compliance over the years and by region, series and title; review backlog and
    review time (working days); online learning."""
    context = _charts(request)
    context["data"] = {
        "trend": _chart_json(context["trend"]),
        "by_region": _chart_json(context["by_region"]),
        "by_series": _chart_json(context["by_series"]),
        "by_title": _chart_json(context["by_title"]),
        "backlog": {
            "labels": [b.label for b in context["backlog"]],
            "buckets": context["backlog_buckets"],
            "counts": [list(b.counts) for b in context["backlog"]],
        },
        "review_time": {
            "labels": [t.label for t in context["review_time"].by_month],
            "median": [t.median for t in context["review_time"].by_month],
            "p90": [t.p90 for t in context["review_time"].by_month],
            "decisions": [t.decisions for t in context["review_time"].by_month],
        },
        "online": {
            "labels": [c.label for c in context["online"]],
            "lessons": [c.lessons for c in context["online"]],
            "learners": [c.learners for c in context["online"]],
        },
    }
    return render(request, "reporting/bureau_charts.html", context)


bureau_charts_xlsx = export_view(
    Role.BUREAU_STAFF, source=CHARTS_EXPORT, title="统计图表", page="reporting:bureau_charts"
)
