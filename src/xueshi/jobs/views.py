"""A person's background jobs: the list, a job's progress page (polled by htmx until it
ends), and the bureau's year-end evaluation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from xueshi.accounts.access import allow, signed_in
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.selectors import jobs_visible
from xueshi.jobs.services import job_reconcile
from xueshi.jobs.year_end import year_end_start


class YearEndForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2010,
        max_value=2100,
        error_messages={"required": "请填写年度。", "invalid": "年度无效。"},
    )


def _role(request: HttpRequest) -> Role | None:
    active = getattr(request, "active_role", None)
    return active.role if active is not None else None


def _back(job: Job) -> tuple[str, str]:
    """Where the person came from, to go back or try again."""
    if job.kind == JobKind.HOUR_BATCH_IMPORT and job.subject_id:
        return reverse("training:batch_upload", args=[job.subject_id]), "返回批量登记"
    if job.kind == JobKind.CERTIFICATE_PRINT:
        return f"{reverse('certificates:employer')}?year={job.year}", "返回证书管理"
    return reverse("jobs:index"), "返回后台任务"


@signed_in
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    role = _role(request)
    context: dict[str, Any] = {"jobs": jobs_visible(request.user, role)[:30]}
    active = getattr(request, "active_role", None)
    if role is Role.BUREAU_STAFF and active is not None:
        context["region"] = active.assignment.region
        context["year_end_form"] = YearEndForm(initial={"year": timezone.localdate().year - 1})
    return render(request, "jobs/index.html", context)


@signed_in
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_reconcile(get_object_or_404(jobs_visible(request.user, _role(request)), pk=pk))
    # The batch report is the page the provider wants once the file is through.
    polled = bool(request.headers.get("HX-Request"))
    if polled and job.finished and job.result_url and job.kind == JobKind.HOUR_BATCH_IMPORT:
        return HttpResponseClientRedirect(job.result_url)
    back_url, back_label = _back(job)
    context = {"job": job, "back_url": back_url, "back_label": back_label}
    template = "jobs/_job.html" if polled else "jobs/detail.html"
    return render(request, template, context)


@allow(Role.BUREAU_STAFF)
@require_POST
def year_end_start_view(request: HttpRequest) -> HttpResponse:
    active = request.active_role  # type: ignore[attr-defined]
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
