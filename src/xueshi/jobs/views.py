"""A person's background jobs: the list (with the sections that start one, registered by the
domain apps), a job's progress page (polled by htmx until it ends), and an export's file."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from xueshi.accounts.access import SignedInRequest, signed_in
from xueshi.accounts.models import Role
from xueshi.jobs.exports import export_file
from xueshi.jobs.models import Job
from xueshi.jobs.recovery import job_reconcile
from xueshi.jobs.registry import kind_spec, starters
from xueshi.jobs.selectors import jobs_visible
from xueshi.policy_store import current_policy


def _role(request: HttpRequest) -> Role | None:
    active = getattr(request, "active_role", None)
    return active.role if active is not None else None


def _policy_outdated(job: Job) -> str:
    """The policy version a finished job's figures were computed under (its result's
    ``policy_version``), if it is not the one in force; else ""."""
    version = job.result.get("policy_version", "") if isinstance(job.result, dict) else ""
    return str(version) if version and version != current_policy().version else ""


def _back(job: Job) -> tuple[str, str]:
    """Where the person came from, to go back or try again (the kind's app says)."""
    back = kind_spec(job.kind).back
    return (back(job) if back else None) or (reverse("jobs:index"), "返回后台任务")


@signed_in
@require_GET
def index(request: SignedInRequest) -> HttpResponse:
    role = _role(request)
    context: dict[str, Any] = {"jobs": jobs_visible(request.user, role)[:30]}
    context["starters"] = starters(request)
    return render(request, "jobs/index.html", context)


@signed_in
@require_GET
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    job = job_reconcile(get_object_or_404(jobs_visible(request.user, _role(request)), pk=pk))
    # Some results are the page the person wants once the job is through (a batch report).
    polled = bool(request.headers.get("HX-Request"))
    if polled and job.finished and job.result_url and kind_spec(job.kind).open_result:
        return HttpResponseClientRedirect(job.result_url)
    back_url, back_label = _back(job)
    context = {
        "job": job,
        "back_url": back_url,
        "back_label": back_label,
        "policy_outdated": _policy_outdated(job),
        "policy_in_force": current_policy().version,
    }
    template = "jobs/_job.html" if polled else "jobs/detail.html"
    return render(request, template, context)


@signed_in
@require_GET
def download(request: SignedInRequest, pk: int) -> FileResponse:
    """An export's file, for the user who asked for it only: 404 for anyone else (the
    system administrator too) and while it is not done. The access middleware audits it."""
    job = get_object_or_404(Job, pk=pk)
    found = export_file(job, request.user)
    if found is None:
        raise Http404
    return FileResponse(
        found.path.open("rb"),
        as_attachment=True,
        filename=found.filename,
        content_type=found.content_type,
    )
