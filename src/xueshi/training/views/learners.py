"""The catalogue and enrolment; the class page: roster, attendance, assessment."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.rules.terms import SERIES_LABELS
from xueshi.training import selectors, services
from xueshi.training.forms import (
    AssessmentForm,
    AttendanceForm,
    CatalogueFilterForm,
    error_text,
    parse_day,
)
from xueshi.training.models import ClassPlan, ClassStatus, Enrollment
from xueshi.training.views.common import (
    READERS,
    approver_label,
    detail_redirect,
    own_class,
    page_of,
    query_without_page,
)

# --- professionals: catalogue and enrolment ------------------------------------------------


@allow(Role.PROFESSIONAL)
@require_GET
def class_catalogue(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    form = CatalogueFilterForm(request.GET)
    filters = {"category": "", "region": "", "q": ""}
    if form.is_valid():
        filters = {k: (form.cleaned_data[k] or "").strip() for k in filters}
    classes = selectors.class_catalogue(today=clock.today(), **filters)
    mine = set(selectors.my_enrollments(active).values_list("class_plan_id", flat=True))
    return render(
        request,
        "training/catalogue.html",
        {
            "form": form,
            "page": page_of(request, classes),
            "query": query_without_page(request),
            "mine": mine,
            "registered": selectors.professional_of(active) is not None,
        },
    )


@allow(Role.PROFESSIONAL)
@require_POST
def class_enroll(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    try:
        enrollment = services.class_enroll(class_plan_id=pk, actor=request.user, active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("training:class_catalogue"))
    messages.success(request, f"已报名“{enrollment.class_plan.title}”。")
    return HttpResponseRedirect(reverse("training:my_enrollments"))


@allow(Role.PROFESSIONAL)
@require_GET
def my_enrollments(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    page = page_of(request, selectors.my_enrollments(active))
    return render(request, "training/my_enrollments.html", {"page": page})


# --- the class page: roster, attendance, assessment ----------------------------------------


@allow(*READERS)
@require_GET
def class_detail(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = selectors.class_for(active, pk)
    if plan is None:
        raise Http404("培训班不存在，或不在您的管辖范围内。")
    today = clock.today()
    days = selectors.class_days(plan)
    default_day = today if plan.start_date <= today <= plan.end_date else plan.start_date
    day = parse_day(request.GET.get("day"), default_day)
    if day not in days:
        day = default_day
    roster = selectors.class_roster(plan, day=day)
    owner = active.role is Role.PROVIDER_STAFF
    assessment = None
    if owner and plan.status == ClassStatus.APPROVED and today >= plan.start_date:
        assessment = AssessmentForm(enrollments=[row.enrollment for row in roster])
    return render(
        request,
        "training/class_detail.html",
        _class_context(plan, owner=owner, day=day, days=days, roster=roster, today=today)
        | {"assessment": assessment},
    )


def _class_context(
    plan: ClassPlan, *, owner: bool, day: Any, today: Any, **extra: Any
) -> dict[str, Any]:
    return {
        "plan": plan,
        "owner": owner,
        "day": day,
        "today": today,
        # Sign-in buttons: the provider, an approved class, a class day not in the future.
        "can_mark": owner and plan.status == ClassStatus.APPROVED and day <= today,
        "editable": owner and plan.status in services.EDITABLE,
        "approver": approver_label(plan),
        "series_label": SERIES_LABELS.get(plan.series, plan.series) if plan.series else "不限",
        "entered": selectors.entered_learners(plan),
        "batches": selectors.class_batches(plan)[:10],
        **extra,
    }


def _attendance(request: RoleRequest, pk: int, *, sign_out: bool) -> HttpResponse:
    active = require_active_role(request)
    enrollment = (
        Enrollment.objects.filter(pk=pk, class_plan__in=selectors.classes_visible(active))
        .select_related("class_plan", "professional")
        .first()
    )
    if enrollment is None:
        raise Http404("学员不存在。")
    form = AttendanceForm(request.POST)
    error = ""
    mark = None
    day = None
    half_day = request.POST.get("half_day", "")
    if not form.is_valid():
        error = error_text(form)
    else:
        day, half_day = form.cleaned_data["day"], form.cleaned_data["half_day"]
        service = services.attendance_sign_out if sign_out else services.attendance_sign_in
        try:
            mark = service(
                enrollment_id=enrollment.pk,
                day=day,
                half_day=half_day,
                actor=request.user,
                active=active,
            )
        except ServiceError as exc:
            error = exc.message
    if request.htmx:
        if mark is None and day is not None:
            mark = enrollment.attendance.filter(day=day, half_day=half_day).first()
        return render(
            request,
            "training/_attendance_cell.html",
            {
                "enrollment": enrollment,
                "mark": mark,
                "day": day,
                "half_day": half_day,
                "can_mark": True,
                "error": error,
            },
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request, f"{enrollment.professional.full_name}已{'签退' if sign_out else '签到'}。"
        )
    return detail_redirect(enrollment.class_plan_id, **({"day": str(day)} if day else {}))


@allow(Role.PROVIDER_STAFF)
@require_POST
def attendance_sign_in(request: RoleRequest, pk: int) -> HttpResponse:
    return _attendance(request, pk, sign_out=False)


@allow(Role.PROVIDER_STAFF)
@require_POST
def attendance_sign_out(request: RoleRequest, pk: int) -> HttpResponse:
    return _attendance(request, pk, sign_out=True)


@allow(Role.PROVIDER_STAFF)
@require_POST
def class_assess(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = own_class(active, pk)
    roster = selectors.class_roster(plan)
    form = AssessmentForm(request.POST, enrollments=[row.enrollment for row in roster])
    if form.is_valid():
        try:
            changed = services.class_plan_assess(
                class_plan_id=plan.pk, scores=form.scores(), actor=request.user, active=active
            )
        except ServiceError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已保存考核成绩（{changed} 人有变更）。")
            return detail_redirect(plan.pk)
    today = clock.today()
    days = selectors.class_days(plan)
    day = today if plan.start_date <= today <= plan.end_date else plan.start_date
    return render(
        request,
        "training/class_detail.html",
        _class_context(
            plan,
            owner=True,
            day=day,
            days=days,
            roster=selectors.class_roster(plan, day=day),
            today=today,
        )
        | {"assessment": form},
    )
