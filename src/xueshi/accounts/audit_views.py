"""审计日志: the audit administrator's viewer (filters, pages, Excel export), the only role
that reads the whole trail (三员分立: the system and security administrators do not)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import xlsxwriter
from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from xueshi.accounts import services
from xueshi.accounts.access import RoleRequest, allow
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent

PAGE_SIZE = 50
EXPORT_LIMIT = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESULTS = [
    ("", "全部"),
    ("success", "成功"),
    ("failure", "失败"),
    ("locked", "锁定"),
    ("refused", "拒绝"),
]


def _text(label: str, max_length: int = 64) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=max_length,
        error_messages={"max_length": f"{label}不能超过 {max_length} 个字符。"},
    )


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(
        label="起始日期", required=False, error_messages={"invalid": "请输入有效的起始日期。"}
    )
    date_to = forms.DateField(
        label="截止日期", required=False, error_messages={"invalid": "请输入有效的截止日期。"}
    )
    actor = _text("操作人（用户名）", 150)
    action = _text("操作")
    target_type = _text("对象类型")
    target_id = _text("对象编号")
    client_address = _text("客户端地址", 45)
    result = forms.ChoiceField(
        label="结果",
        required=False,
        choices=RESULTS,
        error_messages={"invalid_choice": "请选择有效的结果。"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name, value in data.items():
            if isinstance(value, str) and "\x00" in value:
                self.add_error(name, "不能包含控制字符。")
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(form: AuditFilterForm) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor").order_by("-id")
    if not form.is_valid():
        return events.none()
    data = form.cleaned_data
    if data.get("date_from"):
        events = events.filter(created_at__gte=_day_start(data["date_from"]))
    if data.get("date_to"):
        events = events.filter(created_at__lt=_day_start(data["date_to"] + dt.timedelta(days=1)))
    if data.get("actor"):
        events = events.filter(actor__username__iexact=data["actor"].strip())
    for name in ("action", "target_type", "target_id", "client_address", "result"):
        if data.get(name):
            events = events.filter(**{name: data[name].strip()})
    return events


@allow(Role.AUDIT_ADMIN)
@require_GET
def audit_log(request: RoleRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    events = audit_events(form)
    services.read_audited(
        actor=request.user,
        active=request.active_role,
        action="audit_log_view",
        target=("audit.auditevent", ""),
        data={"query": request.GET.urlencode()[:500]},
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_log.html",
        {"form": form, "page": page, "query": request.GET.urlencode()},
    )


HEADERS = ("序号", "时间", "操作人", "角色", "操作", "对象类型", "对象编号", "原状态", "新状态",
           "结果", "客户端地址", "意见", "附加信息", "链序号")  # fmt: skip


def _workbook(events: QuerySet[AuditEvent]) -> io.BytesIO:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(
        out, {"in_memory": True, "constant_memory": True, "strings_to_formulas": False}
    )
    sheet = book.add_worksheet("审计日志")
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, HEADERS, bold)
    local = timezone.get_current_timezone()
    for n, e in enumerate(events[:EXPORT_LIMIT].iterator(chunk_size=2000), start=1):
        sheet.write_row(
            n,
            0,
            (
                e.pk,
                e.created_at.astimezone(local).strftime("%Y-%m-%d %H:%M:%S"),
                e.actor.username if e.actor else "（系统或未登录）",
                e.role,
                e.action,
                e.target_type,
                e.target_id,
                e.from_status,
                e.to_status,
                e.result,
                e.client_address,
                e.comment,
                str(e.data) if e.data else "",
                e.seq if e.seq is not None else "",
            ),
        )
    book.close()
    out.seek(0)
    return out


@allow(Role.AUDIT_ADMIN)
@require_GET
def audit_log_xlsx(request: RoleRequest) -> FileResponse:
    """The filtered rows as Excel (at most 100,000; the export itself is audited)."""
    form = AuditFilterForm(request.GET or {})
    return FileResponse(
        _workbook(audit_events(form)),
        as_attachment=True,
        filename=f"审计日志-{timezone.localdate():%Y%m%d}.xlsx",
        content_type=XLSX,
    )
