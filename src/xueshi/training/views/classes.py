"""Providers' classes (drafting, filing, the annual plan) and the approvers' queue."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.training import selectors, services
from xueshi.training.forms import (
    AnnualPlanForm,
    ApproveForm,
    ClassPlanForm,
    ClassSearchForm,
    RejectForm,
    error_text,
)
from xueshi.training.models import ClassPlan
from xueshi.training.views.common import (
    approver_label,
    detail_redirect,
    own_class,
    page_of,
    query_without_page,
)

# --- provider: classes, drafting, filing ---------------------------------------------------


@allow(Role.PROVIDER_STAFF)
@require_GET
def provider_classes(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    form = ClassSearchForm(request.GET)
    q, status = "", ""
    if form.is_valid():
        q, status = form.cleaned_data["q"].strip(), form.cleaned_data["status"]
    page = page_of(request, selectors.provider_classes(active, q=q, status=status))
    return render(
        request,
        "training/provider_classes.html",
        {
            "form": form,
            "page": page,
            "query": query_without_page(request),
            "provider": active.assignment.provider,
        },
    )


def _class_fields(form: ClassPlanForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "title": data["title"],
        "category": data["category"],
        "required": data["required"],
        "series": data["series"],
        "mode": data["mode"],
        "start_date": data["start_date"],
        "end_date": data["end_date"],
        "hours": data["hours"],
        "capacity": data["capacity"],
        "pass_mark": data["pass_mark"],
        "location": data["location"],
    }


def _add_service_error(form: ClassPlanForm, exc: ServiceError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, exc.message)


@allow(Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def class_new(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    if request.method == "POST":
        form = ClassPlanForm(request.POST)
        if form.is_valid():
            try:
                plan = services.class_plan_create(
                    actor=request.user, active=active, **_class_fields(form)
                )
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, f"已保存培训班“{plan.title}”（草稿），请核对后提交备案。")
                return detail_redirect(plan.pk)
    else:
        provider = active.assignment.provider
        assert provider is not None
        mark = services.default_pass_mark(provider.region_id, clock.today())
        form = ClassPlanForm(initial={"pass_mark": mark, "capacity": 50, "mode": "face_to_face"})
    return render(request, "training/class_form.html", {"form": form, "plan": None})


@allow(Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def class_edit(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = own_class(active, pk)
    if plan.status not in services.EDITABLE:
        messages.error(
            request,
            f"培训班状态为“{plan.get_status_display()}”，只有草稿或未核准的培训班可以修改。",
        )
        return detail_redirect(plan.pk)
    if request.method == "POST":
        form = ClassPlanForm(request.POST)
        if form.is_valid():
            try:
                services.class_plan_update(
                    class_plan_id=plan.pk, actor=request.user, active=active, **_class_fields(form)
                )
            except ServiceError as exc:
                _add_service_error(form, exc)
            else:
                messages.success(request, "已保存修改。")
                return detail_redirect(plan.pk)
    else:
        form = ClassPlanForm.for_plan(plan)
    return render(request, "training/class_form.html", {"form": form, "plan": plan})


@allow(Role.PROVIDER_STAFF)
@require_POST
def class_file(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = own_class(active, pk)
    try:
        plan = services.class_plan_file(class_plan_id=plan.pk, actor=request.user, active=active)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        approver = approver_label(plan)
        if plan.filing_due:
            messages.success(
                request,
                f"已提交备案（备案截止日期 {plan.filing_due}），待{approver}审核。",
            )
        else:
            messages.success(
                request,
                f"已提交备案。{plan.region.name}在开班日期没有规定备案期限，"
                f"本次备案无截止日期；待{approver}审核。",
            )
    return detail_redirect(plan.pk)


@allow(Role.PROVIDER_STAFF)
@require_GET
def annual_plan(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    form = AnnualPlanForm(request.GET or {"year": clock.year()})
    year = form.cleaned_data["year"] if form.is_valid() else clock.year()
    context = selectors.annual_plan(active, year=year)
    return render(request, "training/annual_plan.html", {"form": form, "year": year, **context})


# --- approvers: the filing queue -----------------------------------------------------------


@allow(Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)
@require_GET
def filing_queue(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    show_all = request.GET.get("show") == "all"
    classes = selectors.filing_queue(active, pending_only=not show_all)
    return render(
        request,
        "training/filing_queue.html",
        {
            "page": page_of(request, classes),
            "show_all": show_all,
            "query": query_without_page(request),
            "approve_form": ApproveForm(),
            "today": clock.today(),
        },
    )


@allow(Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)
@require_POST
def class_approve(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    form = ApproveForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(form))
        return HttpResponseRedirect(reverse("training:filing_queue"))
    try:
        plan = services.class_plan_approve(
            class_plan_id=pk,
            actor=request.user,
            active=active,
            comment=form.cleaned_data["comment"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已核准培训班“{plan.title}”。")
        late = late_filing_warning(plan, clock.today())
        if late:
            messages.warning(request, late)
    return HttpResponseRedirect(reverse("training:filing_queue"))


def late_filing_warning(plan: ClassPlan, today: dt.date) -> str:
    """What a late filing or a late approval must say to the approver (issue 13): a class
    filed after its filing deadline (recorded before the deadline was enforced, or
    imported), or approved only after it started."""
    notes = []
    if plan.filing_due and plan.filed_at and plan.filed_at.date() > plan.filing_due:
        notes.append(f"该班于 {plan.filed_at.date()} 提交备案，晚于备案截止日期 {plan.filing_due}")
    if today > plan.start_date:
        notes.append(f"该班已于 {plan.start_date} 开班，核准晚于开班日期")
    return "；".join(notes) + "，请核实。" if notes else ""


@allow(Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)
@require_http_methods(["GET", "POST"])
def class_reject(request: RoleRequest, pk: int) -> HttpResponse:
    """不予核准: asks for the reason and confirmation first."""
    active = require_active_role(request)
    plan = selectors.filing_queue(active).filter(pk=pk).first()
    if plan is None:
        raise Http404("没有待您审核的该培训班。")
    if request.method == "POST":
        form = RejectForm(request.POST)
        if form.is_valid():
            try:
                services.class_plan_reject(
                    class_plan_id=plan.pk,
                    actor=request.user,
                    active=active,
                    reason=form.cleaned_data["reason"],
                )
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已不予核准培训班“{plan.title}”，理由已告知施教机构。")
                return HttpResponseRedirect(reverse("training:filing_queue"))
    else:
        form = RejectForm()
    return render(request, "training/class_reject.html", {"form": form, "plan": plan})
