"""我的个人信息 (个人信息保护法 art. 44–45): what the system holds about the signed-in
professional, in one page — the account, the person and their employment, their hour
records and certificates by year, and who has read their full ID number, when and why.

The ID number is shown masked; the person may ask to see it in full (a POST: the read is
audited, like every other read of a full number, through ``people.identity``)."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.certificates.models import Certificate
from xueshi.people.identity import id_number_reveal
from xueshi.people.selectors import employment_history, professional_of
from xueshi.records.models import HourRecord

READS_PAGE = 20


@allow(Role.PROFESSIONAL)
@require_http_methods(["GET", "POST"])
def my_data(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    professional = professional_of(active)
    if professional is None:
        return render(request, "web/my_data.html", {"professional": None})
    full_id = ""
    if request.method == "POST" and request.POST.get("reveal") == "id_number":
        with transaction.atomic():
            full_id = id_number_reveal(
                actor=request.user, role=active.role, professional=professional, purpose="本人查看"
            )
    records = (
        HourRecord.objects.filter(professional=professional)
        .values("credited_year", "status")
        .annotate(count=Count("id"), hours=Sum("hours"))
        .order_by("-credited_year", "status")
    )
    status_labels = dict(HourRecord._meta.get_field("status").flatchoices)
    role_labels = dict(Role.choices)
    reads = AuditEvent.objects.filter(
        action="id_number_read",
        target_type=professional._meta.label_lower,
        target_id=str(professional.pk),
    ).select_related("actor")
    return render(
        request,
        "web/my_data.html",
        {
            "professional": professional,
            "account": request.user,
            "full_id": full_id,
            "history": list(employment_history(professional)),
            "records": [
                {**row, "status_label": status_labels.get(row["status"], row["status"])}
                for row in records
            ],
            "certificates": Certificate.objects.filter(professional=professional).order_by(
                "-year", "-id"
            ),
            "reads": _labelled(
                Paginator(reads.order_by("-created_at", "-id"), READS_PAGE).get_page(
                    request.GET.get("page")
                ),
                role_labels,
            ),
        },
    )


def _labelled(page: Page[AuditEvent], labels: dict[str, str]) -> Page[AuditEvent]:
    for event in page:
        event.role_label = labels.get(event.role, event.role)  # type: ignore[attr-defined]
    return page
