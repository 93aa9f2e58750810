"""The catalogue pages: public subjects, professional-subject guides and providers."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from xueshi.accounts.access import (
    RoleRequest,
    SignedInRequest,
    allow,
    require_active_role,
    signed_in,
)
from xueshi.accounts.models import Role
from xueshi.catalogue import selectors, services
from xueshi.catalogue.forms import (
    GuideFilterForm,
    GuideForm,
    ProviderFilterForm,
    ProviderStatusForm,
    PublicSubjectFilterForm,
    PublicSubjectForm,
)
from xueshi.errors import ServiceError
from xueshi.organisations.models import Region
from xueshi.people.forms import add_service_error
from xueshi.rules.terms import SERIES_LABELS

PAGE_SIZE = 30


def _region(code: str) -> Region | None:
    return Region.objects.filter(code=code).first() if code else None


@signed_in
@require_GET
def public_subjects(request: SignedInRequest) -> HttpResponse:
    """公需科目: the subjects that apply in a region (its own and those above it), by year.

    Opens at the region the active role works in; "全部" lists every region's subjects.
    """
    active = getattr(request, "active_role", None)
    data = request.GET.copy()
    if "region" not in data:
        home = selectors.home_region(active)
        data["region"] = home.code if home else ""
    form = PublicSubjectFilterForm(data)
    filters = form.cleaned_data if form.is_valid() else {}
    kind = filters.get("kind", "")
    subjects = selectors.public_subjects_list(
        region=_region(filters.get("region", "")),
        year=filters.get("year"),
        makeup={"current": False, "makeup": True}.get(kind),
        query=filters.get("q", ""),
    )
    page = Paginator(subjects, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/public_subjects.html",
        {
            "form": form,
            "page": page,
            "may_publish": selectors.may_publish_public_subjects(active),
        },
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def public_subject_add(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    if not selectors.may_publish_public_subjects(active):
        raise PermissionDenied("只有省级、市级人社部门可以发布公需科目。")
    form = PublicSubjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            subject = services.public_subject_add(
                actor=request.user,
                active=active,
                for_year=data["for_year"],
                title=data["title"],
                hours=data["hours"],
                required=data["required"],
                makeup=data["makeup"],
                note=data["note"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已发布 {subject.for_year} 年度公需科目“{subject.title}”。")
            url = reverse("catalogue:public_subjects")
            return HttpResponseRedirect(f"{url}?region={subject.region_id}&year={subject.for_year}")
    return render(
        request,
        "catalogue/public_subject_add.html",
        {"form": form, "region": active.assignment.region},
    )


@signed_in
@require_GET
def guides(request: SignedInRequest) -> HttpResponse:
    """专业科目指南, published by the industry authorities for their series."""
    active = getattr(request, "active_role", None)
    form = GuideFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.guides_list(
        year=filters.get("year"), series=filters.get("series", ""), query=filters.get("q", "")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/guides.html",
        {"form": form, "page": page, "authority": selectors.authority_of(active)},
    )


@allow(Role.AUTHORITY_REVIEWER)
@require_http_methods(["GET", "POST"])
def guide_add(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    authority = selectors.authority_of(active)
    if authority is None:
        raise PermissionDenied("只有行业主管部门可以发布专业科目指南。")
    form = GuideForm(request.POST or None, series=list(authority.series or []))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guide = services.subject_guide_add(
                actor=request.user,
                active=active,
                year=data["year"],
                series=data["series"],
                title=data["title"],
                content=data["content"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已发布专业科目指南“{guide.title}”。")
            return HttpResponseRedirect(reverse("catalogue:guides"))
    return render(request, "catalogue/guide_add.html", {"form": form, "authority": authority})


@signed_in
@require_GET
def providers(request: SignedInRequest) -> HttpResponse:
    """施教机构: filing status and the series each trains, for a region and below."""
    active = getattr(request, "active_role", None)
    form = ProviderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.providers_list(
        region=_region(filters.get("region", "")),
        status=filters.get("status", ""),
        sector=filters.get("sector", ""),
        query=filters.get("q", ""),
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    bureau_region = selectors.provider_regions_of(active)
    for provider in page:
        provider.sector_labels = "、".join(  # type: ignore[attr-defined]
            SERIES_LABELS.get(s, s) for s in provider.sectors or []
        )
        provider.in_scope = bool(  # type: ignore[attr-defined]
            bureau_region and provider.region.path.startswith(bureau_region.path)
        )
    return render(
        request,
        "catalogue/providers.html",
        {
            "form": form,
            "page": page,
            "bureau_path": bureau_region.path if bureau_region else None,
        },
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def provider_status(request: RoleRequest, pk: int) -> HttpResponse:
    """Changing a provider's filing status: the form is the confirmation page."""
    active = require_active_role(request)
    provider = selectors.provider_for_bureau(active, pk)
    if provider is None:
        messages.error(request, "未找到该施教机构，或其不在本部门管辖范围内。")
        return HttpResponseRedirect(reverse("catalogue:providers"))
    form = ProviderStatusForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.provider_filing_status_change(
                actor=request.user,
                active=active,
                provider_id=pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(
                request,
                f"{changed.name}的备案状态已变更为“{changed.get_filing_status_display()}”。",
            )
            return HttpResponseRedirect(reverse("catalogue:providers"))
    return render(request, "catalogue/provider_status.html", {"form": form, "provider": provider})
