"""政策发布: a bureau drafts its region's notice (by its figures, or as YAML), previews its
impact on the ledger in the background, and publishes it; published versions stay
readable."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xueshi.accounts.access import RoleRequest, allow
from xueshi.accounts.models import Role
from xueshi.certificates.models import Certificate
from xueshi.compliance.models import PersonYear
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.policies.forms import DocumentsForm, NoticeForm, notice_initial
from xueshi.policies.models import DraftStatus, PolicyDraft
from xueshi.policies.selectors import (
    draft_policy_of,
    drafts_visible,
    error_lines,
    publications_visible,
)
from xueshi.policies.services import (
    policy_draft_save,
    policy_preview_start,
    policy_publish,
    until_year,
)
from xueshi.policy_store import current_policy
from xueshi.rules import PolicyError


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET"])
def index(request: RoleRequest) -> HttpResponse:
    active = request.active_role
    return render(
        request,
        "policies/index.html",
        {
            "region": active.assignment.region,
            "drafts": drafts_visible(active).filter(status=DraftStatus.DRAFT),
            "publications": publications_visible(active).order_by("-number"),
            "policy_version": current_policy().version,
        },
    )


def _issuer(request: RoleRequest) -> str:
    region = request.active_role.assignment.region
    return f"{region.name}人力资源和社会保障局" if region else ""


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def draft_new(request: RoleRequest) -> HttpResponse:
    """New draft: the notice's figures with their clauses (``mode=form``), or the two YAML
    documents typed or uploaded (``mode=yaml``)."""
    active = request.active_role
    region = active.assignment.region
    if region is None:
        raise PermissionDenied("当前角色没有所属地区。")
    notice = NoticeForm(initial=notice_initial(region.name, _issuer(request)))
    documents = DocumentsForm(initial={"year": notice.initial["year"]})
    error = ""
    if request.method == "POST":
        if request.POST.get("mode") == "yaml":
            documents = DocumentsForm(request.POST, request.FILES)
            bound = documents.is_valid()
            texts = (
                (documents.cleaned_data["notices_yaml"], documents.cleaned_data["parameters_yaml"])
                if bound
                else None
            )
            year = documents.cleaned_data.get("year") if bound else None
        else:
            notice = NoticeForm(request.POST)
            bound = notice.is_valid()
            texts = notice.documents(region.code) if bound else None
            year = notice.cleaned_data.get("year") if bound else None
        if texts is not None and year is not None:
            try:
                draft = policy_draft_save(
                    actor=request.user,
                    active=active,
                    year=int(year),
                    notices_yaml=texts[0],
                    parameters_yaml=texts[1],
                )
            except ServiceError as exc:
                error = exc.message
                documents = DocumentsForm(
                    initial={"year": year, "notices_yaml": texts[0], "parameters_yaml": texts[1]}
                )
            else:
                messages.success(request, f"草稿 #{draft.pk} 已保存。")
                return redirect("policies:draft", draft.pk)
    return render(
        request,
        "policies/draft_new.html",
        {"region": region, "notice": notice, "documents": documents, "error": error},
    )


def _previews(draft: PolicyDraft) -> list[Job]:
    return list(
        Job.objects.filter(kind=JobKind.POLICY_PREVIEW, subject_id=draft.pk).order_by(
            "-created_at", "-id"
        )[:5]
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def draft(request: RoleRequest, pk: int) -> HttpResponse:
    """A draft: its documents (editable until published), whether it loads, the years it
    governs, its previews; buttons to preview and to publish."""
    active = request.active_role
    item = get_object_or_404(drafts_visible(active), pk=pk)
    form = DocumentsForm(
        initial={
            "year": item.year,
            "notices_yaml": item.notices_yaml,
            "parameters_yaml": item.parameters_yaml,
        }
    )
    error = ""
    if request.method == "POST" and item.status == DraftStatus.DRAFT:
        form = DocumentsForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                policy_draft_save(
                    actor=request.user,
                    active=active,
                    draft_id=item.pk,
                    year=form.cleaned_data["year"],
                    notices_yaml=form.cleaned_data["notices_yaml"],
                    parameters_yaml=form.cleaned_data["parameters_yaml"],
                )
            except ServiceError as exc:
                error = exc.message
            else:
                messages.success(request, "草稿已保存。")
                return redirect("policies:draft", item.pk)
    years: list[int] = []
    notice = None
    try:
        checked = draft_policy_of(item)
        notice = checked.loaded.notice
        years = checked.years(until_year())
    except PolicyError as exc:
        error = error or error_lines(exc)
    return render(
        request,
        "policies/draft.html",
        {
            "draft": item,
            "form": form,
            "error": error,
            "notice": notice,
            "years": years,
            "previews": _previews(item),
        },
    )


@allow(Role.BUREAU_STAFF)
@require_POST
def preview_start(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        job = policy_preview_start(actor=request.user, active=request.active_role, draft_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("policies:draft", pk)
    return redirect("jobs:detail", job.pk)


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET"])
def preview(request: RoleRequest, pk: int, job: int) -> HttpResponse:
    """A finished preview: the draft's verdicts beside those of the policy in force."""
    item = get_object_or_404(drafts_visible(request.active_role), pk=pk)
    run = get_object_or_404(Job, pk=job, kind=JobKind.POLICY_PREVIEW, subject_id=item.pk)
    result: dict[str, Any] = run.result if isinstance(run.result, dict) else {}
    return render(
        request,
        "policies/preview.html",
        {
            "draft": item,
            "job": run,
            "r": result,
            "outdated_text": result.get("digest") not in (None, item.digest),
            "outdated_policy": result.get("policy_version") not in (None, current_policy().version),
        },
    )


@allow(Role.BUREAU_STAFF)
@require_POST
def publish(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        publication = policy_publish(actor=request.user, active=request.active_role, draft_id=pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("policies:draft", pk)
    messages.success(
        request,
        f"已发布第 {publication.number} 版（政策版本 {publication.policy_version}）；"
        "受影响年度的达标台账已排队重建。",
    )
    return redirect("policies:publication", publication.pk)


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET"])
def publication(request: RoleRequest, pk: int) -> HttpResponse:
    """A published version, readable for good: its documents, when and by whom, and the
    verdicts computed while it was in force (they store its policy version)."""
    item = get_object_or_404(publications_visible(request.active_role), pk=pk)
    version = item.policy_version
    return render(
        request,
        "policies/publication.html",
        {
            "publication": item,
            "superseded_by": getattr(item, "superseded_by", None),
            "in_force": version == current_policy().version,
            "ledger_rows": PersonYear.objects.filter(policy_version=version).count(),
            "certificates": Certificate.objects.filter(policy_version=version).count(),
        },
    )
