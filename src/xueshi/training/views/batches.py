"""Batch entry of passed learners' hours from Excel: template, upload, report."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
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
from xueshi.people.identity import id_numbers_reveal
from xueshi.training import batch_report, selectors, services
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
    roster = selectors.class_roster(plan)
    # The provider enters hours against full ID numbers: the template needs them, and each
    # one handed out is audited (people/identity.py).
    with transaction.atomic():
        numbers = id_numbers_reveal(
            actor=request.user,
            role=active.role,
            professionals=[row.enrollment.professional for row in roster],
            purpose=f"下载学时登记模板：{plan.title}"[:200],
        )
    learners = [
        (
            row.enrollment.professional.full_name,
            numbers[row.enrollment.professional.pk],
            row.enrollment.score,
        )
        for row in roster
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


def _batch_or_404(request: RoleRequest, pk: int) -> Any:
    batch = selectors.batch_for(require_active_role(request), pk)
    if batch is None:
        raise Http404("批量登记记录不存在。")
    return batch


def _report_filter(request: RoleRequest, report: list[dict[str, Any]]) -> tuple[bool, str]:
    """``show=error`` for the error rows only; ``kind`` one kind of error of this report
    (anything else is ignored: all rows)."""
    errors_only = request.GET.get("show") == "error"
    kind = request.GET.get("kind", "")
    if kind not in {k for k, _ in batch_report.error_kinds(report)}:
        kind = ""
    return errors_only, kind


@allow(*READERS)
@require_GET
def batch_detail(request: RoleRequest, pk: int) -> HttpResponse:
    """校验报告: a row per data row, paged (100 a page), filtered by error and its kind."""
    active = require_active_role(request)
    batch = _batch_or_404(request, pk)
    report = batch.report or []
    errors = sum(1 for row in report if row.get("result") == batch_report.ERROR)
    errors_only, kind = _report_filter(request, report)
    shown = batch_report.report_rows(report, errors_only=errors_only, kind=kind)
    page = Paginator(shown, batch_report.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "training/batch_detail.html",
        {
            "batch": batch,
            "plan": batch.class_plan,
            "page": page,
            "errors": errors,
            "kinds": batch_report.error_kinds(report),
            "errors_only": errors_only,
            "kind": kind,
            "owner": active.role is Role.PROVIDER_STAFF,
        },
    )


@allow(*READERS)
@require_GET
def batch_report_xlsx(request: RoleRequest, pk: int) -> HttpResponse:
    """The report's rows as Excel, filtered as on the page (by default the rows to fix when
    the batch was refused, all rows when it was entered)."""
    batch = _batch_or_404(request, pk)
    report = batch.report or []
    errors_only, kind = _report_filter(request, report)
    rows = batch_report.report_rows(report, errors_only=errors_only, kind=kind)
    content = batch_report.report_write(rows, title=batch.class_plan.title)
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    suffix = "待修改" if (errors_only or kind) else "全部"
    disposition = content_disposition_header(
        as_attachment=True, filename=f"校验报告-{batch.pk}-{suffix}.xlsx"
    )
    if disposition:
        response["Content-Disposition"] = disposition
    return response
