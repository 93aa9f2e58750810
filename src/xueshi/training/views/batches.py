"""Batch entry of passed learners' hours from Excel: template, upload, report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_http_methods

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.jobs.models import JobStatus
from xueshi.training import selectors, services
from xueshi.training.excel import template_write
from xueshi.training.forms import BatchUploadForm
from xueshi.training.models import ClassPlan
from xueshi.training.tasks import hour_batch_import_start
from xueshi.training.views.common import READERS, own_class

# --- batch entry of hours from Excel -------------------------------------------------------


def _batch_context(plan: ClassPlan) -> dict[str, Any]:
    try:
        due = services.hours_entry_deadline(plan)
        due_error = ""
    except ServiceError as exc:
        due, due_error = None, exc.message
    return {
        "plan": plan,
        "due": due,
        "due_error": due_error,
        "batches": selectors.class_batches(plan)[:20],
        "today": clock.today(),
    }


@allow(Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def batch_upload(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = own_class(active, pk)
    if request.method == "POST":
        form = BatchUploadForm(request.POST, request.FILES)
        if form.is_valid():
            # Checked and entered by a background job; its page shows the progress, then
            # sends the provider to the report. A job already through (a worker that was
            # quick, the inline backend) answers here as the upload always did.
            try:
                job = hour_batch_import_start(
                    plan=plan, upload=form.cleaned_data["file"], actor=request.user, active=active
                )
            except ServiceError as exc:
                form.add_error("file", exc.message)
            else:
                if job.status == JobStatus.FAILED:
                    form.add_error("file", job.error)
                elif job.status == JobStatus.DONE:
                    if job.result.get("accepted"):
                        messages.success(request, job.message)
                    else:
                        messages.error(
                            request, "文件中有错误，整份文件未登记。请按校验报告修改后重新上传。"
                        )
                    return HttpResponseRedirect(job.result_url)
                else:
                    return HttpResponseRedirect(reverse("jobs:detail", args=[job.pk]))
    else:
        form = BatchUploadForm()
    return render(request, "training/batch_upload.html", {"form": form, **_batch_context(plan)})


@allow(Role.PROVIDER_STAFF)
@require_GET
def batch_template(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    plan = own_class(active, pk)
    learners = [
        (
            row.enrollment.professional.full_name,
            row.enrollment.professional.id_number,
            row.enrollment.score,
        )
        for row in selectors.class_roster(plan)
    ]
    content = template_write(title=plan.title, learners=learners)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    disposition = content_disposition_header(
        as_attachment=True, filename=f"学时登记模板-{plan.pk}.xlsx"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response


@allow(*READERS)
@require_GET
def batch_detail(request: RoleRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    batch = selectors.batch_for(active, pk)
    if batch is None:
        raise Http404("批量登记记录不存在。")
    report = batch.report or []
    errors = sum(1 for row in report if row.get("result") == "error")
    return render(
        request,
        "training/batch_detail.html",
        {
            "batch": batch,
            "plan": batch.class_plan,
            "report": report,
            "errors": errors,
            "owner": active.role is Role.PROVIDER_STAFF,
        },
    )
