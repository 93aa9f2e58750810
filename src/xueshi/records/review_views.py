"""待我审核: the review queue of each reviewer role, one-by-one actions (htmx updates the row
in place) and a bulk approval behind a confirmation page. Every action is one call of
``hour_record_transition``: one transaction per record, the row locked, an audit event."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.records import display, reminders, selectors
from xueshi.records.documents import RecordDocument, record_documents
from xueshi.records.forms import ReviewActionForm, ReviewFilterForm
from xueshi.records.models import HourRecord, IntegrityFlag
from xueshi.records.services import hour_record_transition, integrity_flag_clear
from xueshi.records.views import int_param
from xueshi.rules.workflow import Action

PAGE_SIZE = 25
MAX_BULK = 100
REVIEWERS = (
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_REVIEWER,
    Role.AUTHORITY_REVIEWER,
    Role.BUREAU_STAFF,
)


@allow(*REVIEWERS)
@require_GET
def review_queue(request: RoleRequest) -> HttpResponse:
    active = require_active_role(request)
    form = ReviewFilterForm(request.GET or None)
    filters = {"year": None, "category": "", "query": ""}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {"year": data["year"], "category": data["category"], "query": data["q"]}
    records = selectors.review_queue(active, **filters)  # type: ignore[arg-type]
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = _rows(list(page.object_list))
    return render(request, "records/review_queue.html", {"form": form, "page": page, "rows": rows})


@dataclass
class Row:
    record: HourRecord
    step_label: str
    evidence: int = 0  # how many evidence files
    actionable: bool = True
    done: str = ""
    error: str = ""
    flags: list[IntegrityFlag] = field(default_factory=list)
    documents: list[RecordDocument] = field(default_factory=list)

    @property
    def doubtful(self) -> bool:
        """An open flag, or a declaration that differs from its filed class (even once the
        flag is cleared: a mismatch is approved one by one, never in bulk)."""
        return selectors.has_open_flags(self.flags) or _mismatched(self.record)


def _mismatched(record: HourRecord) -> bool:
    return (record.class_match or {}).get("status") == "differs"


def _row(record: HourRecord, *, done: str = "", error: str = "") -> Row:
    return Row(
        record=record,
        step_label=display.review_step_label(record),
        evidence=record.evidence.count(),
        actionable=not done,
        done=done,
        error=error,
        flags=selectors.flags_of([record.pk])[record.pk],
        documents=record_documents([record.pk])[record.pk],
    )


def _rows(records: list[HourRecord]) -> list[Row]:
    """Rows of a page of records, their flags and evidence counts read in one query each."""
    ids = [r.pk for r in records]
    flags = selectors.flags_of(ids)
    evidence = selectors.evidence_counts(ids)
    documents = record_documents(ids)
    return [
        Row(
            record=r,
            step_label=display.review_step_label(r),
            evidence=evidence[r.pk],
            flags=flags[r.pk],
            documents=documents[r.pk],
        )
        for r in records
    ]


@allow(Role.PROFESSIONAL, *REVIEWERS)
@require_POST
def transition(request: RoleRequest, pk: int) -> HttpResponse:
    """Approve, return, reject (the next reviewer), or submit / resubmit (the declarant)."""
    active = require_active_role(request)
    form = ReviewActionForm(request.POST)
    in_queue = request.POST.get("return_to") == "queue"
    htmx = bool(request.htmx)
    if (
        form.is_valid()
        and form.cleaned_data["action"] == Action.REJECT
        and request.POST.get("confirm") != "yes"
        and not htmx  # the queue's button asks first (hx-confirm)
    ):
        record = selectors.record_for(active, pk)
        if record is not None:
            return render(
                request,
                "records/reject_confirm.html",
                {
                    "record": record,
                    "comment": form.cleaned_data["comment"],
                    "return_to": "queue" if in_queue else "detail",
                },
            )
    error, done = "", ""
    if not form.is_valid():
        error = str(next(iter(form.errors.values()))[0])
    else:
        action = Action(form.cleaned_data["action"])
        try:
            record = hour_record_transition(
                record_id=pk,
                actor=request.user,
                active=active,
                action=action,
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as exc:
            error = exc.message
        else:
            done = f"已{action.label}，{display.review_step_label(record)}。"
    if htmx and in_queue:
        current = selectors.record_for(active, pk)
        if current is None:
            return HttpResponse(
                '<tr><td colspan="9" class="error">记录不存在，或不在您的管辖范围内。</td></tr>'
            )
        row = _row(current, done=done, error=error)
        return render(request, "records/_queue_row.html", {"row": row})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, done)
    if in_queue or selectors.record_for(active, pk) is None:
        return HttpResponseRedirect(reverse("records:review_queue"))
    return HttpResponseRedirect(reverse("records:detail", args=[pk]))


@dataclass
class Outcome:
    record_id: int
    label: str
    ok: bool
    message: str


def _posted_ids(request: HttpRequest) -> list[int]:
    ids: list[int] = []
    for raw in request.POST.getlist("ids"):
        value = int_param(raw)
        if value is not None and value not in ids:
            ids.append(value)
    return ids


@allow(*REVIEWERS)
@require_POST
def review_bulk(request: RoleRequest) -> HttpResponse:
    """批量通过: the selected rows are listed for confirmation; once confirmed each is
    approved in its own transaction, and each failure is reported."""
    active = require_active_role(request)
    ids = _posted_ids(request)
    if not ids:
        messages.error(request, "请先勾选要审核通过的记录。")
        return HttpResponseRedirect(reverse("records:review_queue"))
    if len(ids) > MAX_BULK:
        messages.error(request, f"一次最多批量审核 {MAX_BULK} 条记录。")
        return HttpResponseRedirect(reverse("records:review_queue"))
    if request.POST.get("confirm") != "yes":
        records = selectors.queue_records(active, ids)
        if not records:
            messages.error(request, "所选记录已不在您的待审核列表中。")
            return HttpResponseRedirect(reverse("records:review_queue"))
        rows = _rows(records)
        return render(
            request,
            "records/review_bulk_confirm.html",
            {
                "rows": rows,
                "clean": [r for r in rows if not r.doubtful],
                "doubtful": [r for r in rows if r.doubtful],
                "skipped": len(ids) - len(records),
            },
        )
    outcomes = []
    for record_id in ids:
        found = selectors.record_for(active, record_id)
        label = (
            f"{found.professional.full_name} · {found.content}" if found else f"记录 #{record_id}"
        )
        if found is not None and _mismatched(found):
            outcomes.append(
                Outcome(record_id, label, False, "与备案培训班不一致，不能批量通过，请逐条审核。")
            )
            continue
        try:
            record = hour_record_transition(
                record_id=record_id, actor=request.user, active=active, action=Action.APPROVE
            )
        except ServiceError as exc:
            outcomes.append(Outcome(record_id, label, False, exc.message))
        else:
            outcomes.append(
                Outcome(record_id, label, True, f"已审核通过，{display.review_step_label(record)}")
            )
    return render(
        request,
        "records/review_bulk_done.html",
        {
            "outcomes": outcomes,
            "succeeded": sum(o.ok for o in outcomes),
            "failed": sum(not o.ok for o in outcomes),
        },
    )


@allow(*REVIEWERS)
@require_POST
def flag_clear(request: RoleRequest, pk: int) -> HttpResponse:
    """核实排除: a reviewer clears one of a record's flags with a comment."""
    active = require_active_role(request)
    record_id = int_param(request.POST.get("record", ""))
    try:
        flag = integrity_flag_clear(
            flag_id=pk,
            actor=request.user,
            active=active,
            comment=request.POST.get("comment", "")[:500],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        record_id = flag.record_id
        messages.success(request, f"已核实排除疑点（{flag.get_kind_display()}）。")
    if record_id is None or selectors.record_for(active, record_id) is None:
        return HttpResponseRedirect(reverse("records:review_queue"))
    return HttpResponseRedirect(reverse("records:detail", args=[record_id]))


@dataclass
class LateRow:
    record: HourRecord
    step_label: str
    days: int


@allow(*REVIEWERS)
@require_GET
def late_reviews(request: RoleRequest) -> HttpResponse:
    """逾期未审核: records in the role's scope waiting at a step past the limit."""
    active = require_active_role(request)
    now = timezone.now()
    page = Paginator(reminders.late_reviews(active, now), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        LateRow(r, display.review_step_label(r), (now - r.updated_at).days)
        for r in page.object_list
    ]
    return render(
        request,
        "records/late_reviews.html",
        {"page": page, "rows": rows, "days": reminders.late_days()},
    )
