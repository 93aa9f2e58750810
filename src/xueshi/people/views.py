"""Registration of professionals and employers, and employment from both sides.

Views parse the request, call one service or selector and render; services decide.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.access import RoleRequest, allow, public, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.people import selectors, services
from xueshi.people.forms import (
    DeclineForm,
    EmployerRegisterForm,
    EmployerSearchForm,
    ProfessionalRegisterForm,
    ReviewerAddForm,
    StaffSearchForm,
    add_service_error,
)
from xueshi.people.models import EmploymentStatus

PAGE_SIZE = 25


def _redirect(name: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse(name))


def _posted_id(request: HttpRequest, name: str) -> int | None:
    try:
        value = int(request.POST.get(name, ""))
    except ValueError:
        return None
    return value if value > 0 else None


@public
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """专业技术人员注册."""
    if request.user.is_authenticated:
        messages.info(request, "您已登录。如需注册新账户，请先退出。")
        return _redirect("accounts:dashboard")
    form = ProfessionalRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.professional_register(
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
                id_number=data["id_number"],
                series=data["series"],
                title_level=data["title_level"],
                institution_level=data["institution_level"],
                region_code=data["region"],
            )
        except services.AlreadyRegistered:
            pass  # answered exactly as a success: nothing tells that the account exists
        except ServiceError as error:
            add_service_error(form, error)
        if form.is_valid():  # registered, or already registered: the same answer
            messages.success(request, services.UNIFORM_REGISTRATION_ANSWER)
            return _redirect("accounts:login")
    return render(request, "people/register.html", {"form": form})


@public
@require_http_methods(["GET", "POST"])
def employer_register(request: HttpRequest) -> HttpResponse:
    """用人单位注册, with its first administrator account."""
    if request.user.is_authenticated:
        messages.info(request, "您已登录。如需为单位注册新账户，请先退出。")
        return _redirect("accounts:dashboard")
    form = EmployerRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.employer_register(
                name=data["name"],
                uscc=data["uscc"],
                region_code=data["region"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                admin_username=data["admin_username"],
                admin_password=data["admin_password1"],
                admin_full_name=data["admin_full_name"],
            )
        except services.AlreadyRegistered:
            pass  # answered exactly as a success (the administrator's username is taken)
        except ServiceError as error:
            add_service_error(form, error)
        if form.is_valid():
            messages.success(request, services.UNIFORM_REGISTRATION_ANSWER)
            return _redirect("accounts:login")
    return render(request, "people/employer_register.html", {"form": form})


@allow(Role.PROFESSIONAL)
@require_GET
def my_employment(request: RoleRequest) -> HttpResponse:
    """我的工作单位: the current employer, the history, and the search to join one."""
    active = require_active_role(request)
    professional = selectors.professional_of(active)
    form = EmployerSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    results = None
    if professional is not None and query:
        results = Paginator(selectors.employer_search(query), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
    history = list(selectors.employment_history(professional)) if professional else []
    return render(
        request,
        "people/my_employment.html",
        {
            "professional": professional,
            "form": form,
            "query": query,
            "results": results,
            "history": history,
            "pending": [e for e in history if e.status == EmploymentStatus.REQUESTED],
        },
    )


@allow(Role.PROFESSIONAL)
@require_POST
def employment_request(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    employer_id = _posted_id(request, "employer_id")
    if employer_id is None:
        messages.error(request, "请选择要加入的用人单位。")
        return _redirect("people:my_employment")
    try:
        employment = services.employment_request(
            actor=request.user, active=active, employer_id=employer_id
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已向{employment.employer.name}提交加入申请，请等待单位确认。")
    return _redirect("people:my_employment")


@allow(Role.PROFESSIONAL)
@require_POST
def employment_withdraw(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    try:
        services.employment_withdraw(actor=request.user, active=active, employment_id=pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "已撤回加入申请。")
    return _redirect("people:my_employment")


@allow(Role.PROFESSIONAL)
@require_http_methods(["GET", "POST"])
def employment_leave(request: RoleRequest, pk: int) -> HttpResponse:
    """Leaving the current employer: a confirmation page, then the change."""
    active = require_active_role(request)
    professional = selectors.professional_of(active)
    employment = (
        professional.employments.select_related("employer").filter(pk=pk).first()
        if professional
        else None
    )
    if employment is None or employment.status != EmploymentStatus.ACTIVE:
        messages.error(request, "未找到您当前的该任职记录。")
        return _redirect("people:my_employment")
    if request.method == "POST":
        try:
            services.employment_end(actor=request.user, active=active, employment_id=pk)
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已办理从{employment.employer.name}离职，任职记录已保留。")
        return _redirect("people:my_employment")
    return render(request, "people/employment_leave.html", {"employment": employment})


@allow(Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
@require_GET
def employer_staff(request: RoleRequest) -> HttpResponse:
    """本单位人员: current staff (ID numbers masked) and requests to join."""
    active = require_active_role(request)
    form = StaffSearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    staff = Paginator(selectors.employer_staff(active, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    requests = Paginator(selectors.employer_pending_requests(active), PAGE_SIZE).get_page(
        request.GET.get("rpage")
    )
    return render(
        request,
        "people/employer_staff.html",
        {
            "employer": selectors.employer_of(active),
            "form": form,
            "query": query,
            "staff": staff,
            "requests": requests,
            "is_admin": active.role is Role.EMPLOYER_ADMIN,
        },
    )


@allow(Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
@require_POST
def employment_accept(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    try:
        employment = services.employment_accept(actor=request.user, active=active, employment_id=pk)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"已接受{employment.professional.full_name}加入本单位。")
    return _redirect("people:employer_staff")


@allow(Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)
@require_http_methods(["GET", "POST"])
def employment_decline(request: RoleRequest, pk: int) -> HttpResponse:
    """Declining a request: a confirmation page with an optional reason, then the change."""
    active = require_active_role(request)
    employment = selectors.employer_request(active, pk)
    if employment is None:
        messages.error(request, "未找到该加入申请，或已处理。")
        return _redirect("people:employer_staff")
    form = DeclineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.employment_decline(
                actor=request.user,
                active=active,
                employment_id=pk,
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已不予接受{employment.professional.full_name}的加入申请。")
        return _redirect("people:employer_staff")
    return render(
        request, "people/employment_decline.html", {"employment": employment, "form": form}
    )


@allow(Role.EMPLOYER_ADMIN)
@require_http_methods(["GET", "POST"])
def employer_reviewer_add(request: RoleRequest) -> HttpResponse:
    """An employer's administrator adds a reviewer account for the unit."""
    active = require_active_role(request)
    form = ReviewerAddForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assignment = services.employer_reviewer_add(
                actor=request.user,
                active=active,
                username=data["username"],
                password=data["password1"],
                full_name=data["full_name"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request, f"已添加审核员 {assignment.user.full_name}（{assignment.user.username}）。"
            )
            return _redirect("people:employer_staff")
    return render(
        request,
        "people/reviewer_add.html",
        {"form": form, "employer": selectors.employer_of(active)},
    )
