"""A person's records, declaring hours, the record page, corrections and evidence download.

Views parse the request, call one service or selector and render; services decide.
Review (the queue and the transitions) is in ``review_views``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from xueshi import clock
from xueshi.accounts.access import ActiveRole, RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.records import display, selectors
from xueshi.records.class_catalogue import FiledClass, ProofFacts, ProofUnreadable, catalogue
from xueshi.records.documents import record_documents
from xueshi.records.forms import (
    YEAR_MAX,
    YEAR_MIN,
    CorrectionForm,
    DeclarationForm,
    MyRecordsFilterForm,
    add_service_error,
    year_of,
)
from xueshi.records.models import HourRecord
from xueshi.records.services import (
    hour_record_declare,
    hour_record_update_draft,
    hour_record_update_returned,
)
from xueshi.records.services.integrity import REVIEWER_ROLES
from xueshi.rules.workflow import RecordState

PAGE_SIZE = 25
DECLARANTS = (Role.PROFESSIONAL, Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)


def int_param(raw: Any) -> int | None:
    """A positive integer from a query or form value; None for anything else."""
    try:
        value = int(str(raw or "").strip())
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _record_or_404(active: ActiveRole, pk: int) -> HourRecord:
    record = selectors.record_for(active, pk)
    if record is None:
        raise Http404("记录不存在，或不在您的管辖范围内。")
    return record


@allow(Role.PROFESSIONAL)
@require_GET
def my_records(request: RoleRequest) -> HttpResponse:
    """我的学时申报: one's own records by credited year and status."""
    active = require_active_role(request)
    professional = selectors.professional_of(active)
    if professional is None:
        return render(request, "records/no_professional.html")
    form = MyRecordsFilterForm(request.GET or None)
    year, status = None, ""
    if form.is_bound and form.is_valid():
        year, status = form.cleaned_data["year"], form.cleaned_data["status"]
    records = selectors.my_records(professional, year=year, status=status)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(r, display.review_step_label(r)) for r in page.object_list]
    return render(
        request,
        "records/my_records.html",
        {
            "professional": professional,
            "form": form,
            "page": page,
            "rows": rows,
            "years": selectors.my_record_years(professional),
        },
    )


def _declare_year(request: HttpRequest) -> int:
    year = int_param(request.GET.get("year"))
    if year is not None and YEAR_MIN <= year <= YEAR_MAX:
        return year
    return clock.year()


def _staff_picker(request: HttpRequest, active: ActiveRole, asked: int | None) -> HttpResponse:
    if asked is not None:
        messages.error(request, "该人员不是本单位的在职人员，不能为其申报。")
    query = request.GET.get("q", "")[:64]
    staff = selectors.staff_for_declaration(active, query)
    page = Paginator(staff, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "records/declare_pick.html", {"page": page, "q": query})


MAX_PROOF_BYTES = 10 * 1024 * 1024
CLASSES_OFFERED = 200


def _classes(
    professional: Professional, year: int, query: str = "", keep: FiledClass | None = None
) -> list[tuple[int, str]]:
    """The filed classes the form offers (and ``keep``, a proof's class, whatever its year)."""
    found = catalogue()
    offered = (
        list(
            found.classes_offered(
                professional=professional, year=year, query=query, limit=CLASSES_OFFERED
            )
        )
        if found is not None
        else []
    )
    if keep is not None and all(c.class_plan_id != keep.class_plan_id for c in offered):
        offered.insert(0, keep)
    return [(c.class_plan_id, c.label) for c in offered]


def _proof_read(request: HttpRequest, professional: Professional) -> ProofFacts:
    """The proof the declarant uploaded (or whose QR text they pasted), read and checked."""
    found = catalogue()
    if found is None:
        raise ProofUnreadable("本系统未启用继续教育证明核验。")
    upload = request.FILES.get("proof_file")
    if upload is not None:
        if upload.size is None or upload.size > MAX_PROOF_BYTES:
            raise ProofUnreadable("文件过大（超过 10 MB），不是施教机构出具的继续教育证明。")
        proof = found.proof_read(pdf=upload.read())
    else:
        text = request.POST.get("proof_text", "").strip()[:400]
        if not text:
            raise ProofUnreadable("请选择证明 PDF 文件，或粘贴证明二维码的内容。")
        proof = found.proof_read(text=text)
    if proof.professional_id != professional.pk:
        raise ProofUnreadable(f"该证明是{proof.holder_name}的，不是{professional.full_name}的。")
    if not proof.in_effect:
        raise ProofUnreadable(f"证明 {proof.number} {proof.state}，不能作为申报依据。")
    return proof


def _filled_from(proof: ProofFacts) -> dict[str, Any]:
    filed = proof.filed_class
    return {
        "category": proof.category,
        "class_plan": filed.class_plan_id,
        "content": filed.title,
        "form": "training",
        "mode": filed.mode,
        "start_date": proof.start_date,
        "end_date": proof.end_date,
        "credited_year": proof.end_date.year,
        "provider_name": filed.provider_name,
        "hours": proof.hours,
        "proof_token": proof.qr_text,
    }


@allow(*DECLARANTS)
@require_http_methods(["GET", "POST"])
def declare(request: RoleRequest) -> HttpResponse:
    """学时申报: a professional for themself, or an employer for one of its staff. A filed
    class is picked from the list, or the form is filled from the provider's proof."""
    active = require_active_role(request)
    asked = int_param(request.GET.get("professional"))
    professional = selectors.declarable_for(active, asked)
    if professional is None:
        if active.role is Role.PROFESSIONAL:
            return render(request, "records/no_professional.html")
        return _staff_picker(request, active, asked)
    default_year = _declare_year(request)
    bound = request.method == "POST"
    year = year_of(request.POST, default_year) if bound else default_year
    proof: ProofFacts | None = None
    proof_error = ""
    reading = bound and (
        request.POST.get("intent") == "read_proof" or "proof_file" in request.FILES
    )
    if reading:
        try:
            proof = _proof_read(request, professional)
        except ProofUnreadable as exc:
            proof_error = str(exc)
    if proof is not None:
        year = proof.end_date.year
        options = selectors.categories_for(professional, year)
        form = DeclarationForm(
            initial=_filled_from(proof),
            categories=[o.category for o in options],
            classes=_classes(professional, year, keep=proof.filed_class),
        )
    else:
        options = selectors.categories_for(professional, year)
        form = DeclarationForm(
            request.POST if bound and not reading else None,
            request.FILES if bound and not reading else None,
            initial=dict(request.POST.items()) if reading else None,
            categories=[o.category for o in options],
            classes=_classes(professional, year),
        )
    if bound and not reading and form.is_valid():
        data = form.cleaned_data
        try:
            record = hour_record_declare(
                actor=request.user,
                active=active,
                professional=professional,
                category=data["category"],
                content=data["content"],
                hours=data["hours"],
                start_date=data["start_date"],
                end_date=data["end_date"],
                credited_year=data["credited_year"],
                mode=data["mode"],
                form=data["form"],
                required=data["required"],
                provider_name=data["provider_name"],
                evidence=data["evidence"],
                submit=request.POST.get("intent") != "draft",
                class_plan_id=data["class_plan"],
                proof_text=data["proof_token"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            done = "已提交审核" if record.status != RecordState.DRAFT else "已保存为草稿"
            matched = "，与备案培训班、名册和证明一致" if record.matched else ""
            messages.success(
                request, f"学时申报{done}{matched}：{display.review_step_label(record)}。"
            )
            return HttpResponseRedirect(reverse("records:detail", args=[record.pk]))
    token = form["proof_token"].value() if proof is None else proof.qr_text
    return render(
        request,
        "records/declare.html",
        {
            "form": form,
            "fields": [form[name] for name in form.field_order if name != "category"],
            "professional": professional,
            "for_staff": active.role is not Role.PROFESSIONAL,
            "year": year,
            "options": selectors.option_rows(options),
            "proof": proof,
            "proof_error": proof_error,
            "proof_carried": bool(token),
            "catalogue": catalogue() is not None,
        },
    )


@allow(*DECLARANTS)
@require_GET
def declare_classes(request: RoleRequest) -> HttpResponse:
    """The filed classes a search finds, as the pick-list's options (htmx)."""
    active = require_active_role(request)
    professional = selectors.declarable_for(active, int_param(request.GET.get("professional")))
    if professional is None:
        raise Http404("未找到可申报的人员。")
    year = year_of(request.GET, clock.year())
    classes = _classes(professional, year, request.GET.get("class_q", "")[:64])
    return render(request, "records/_class_options.html", {"classes": classes})


@allow(*DECLARANTS)
@require_GET
def declare_chains(request: RoleRequest) -> HttpResponse:
    """The category choice and the chains that apply, for the year the form now names
    (htmx refreshes it when the end date or the credited year changes)."""
    active = require_active_role(request)
    professional = selectors.declarable_for(active, int_param(request.GET.get("professional")))
    if professional is None:
        raise Http404("未找到可申报的人员。")
    year = year_of(request.GET, clock.year())
    options = selectors.categories_for(professional, year)
    form = DeclarationForm(
        categories=[o.category for o in options],
        initial={"category": request.GET.get("category", "")},
    )
    return render(
        request,
        "records/_category_block.html",
        {"form": form, "year": year, "options": selectors.option_rows(options)},
    )


@allow(*Role)
@require_GET
def detail(request: RoleRequest, pk: int) -> HttpResponse:
    """The record, its evidence, its history and what the active role may do now."""
    active = require_active_role(request)
    record = _record_or_404(active, pk)
    history = [
        {
            "at": e.created_at,
            "actor": e.actor or "系统",
            "role": display.role_label(e.role),
            "action": display.action_label(e.action),
            "from": display.status_label(e.from_status),
            "to": display.status_label(e.to_status),
            "comment": e.comment,
            "changed": display.changes((e.data or {}).get("changed", {})),
            "added": (e.data or {}).get("evidence_added", []),
        }
        for e in selectors.record_history(record)
    ]
    actions = selectors.available_actions(active, record)
    return render(
        request,
        "records/detail.html",
        {
            "record": record,
            "evidence": selectors.record_evidence(record),
            "history": history,
            "step_label": display.review_step_label(record),
            "chain_text": display.snapshot_text(record),
            "review_actions": [a for a in actions if a in selectors.REVIEW_ACTIONS],
            "flags": selectors.flags_of([record.pk])[record.pk],
            "documents": record_documents([record.pk])[record.pk],
            "may_clear_flags": active.role in REVIEWER_ROLES,
            "may_edit": selectors.may_edit(active, record),
            "may_submit": bool(set(actions) - set(selectors.REVIEW_ACTIONS)),
        },
    )


@allow(*DECLARANTS)
@require_http_methods(["GET", "POST"])
def edit(request: RoleRequest, pk: int) -> HttpResponse:
    """退回修改: the declarant corrects a returned record (or completes a draft), adds
    evidence, and resubmits."""
    active = require_active_role(request)
    record = _record_or_404(active, pk)
    if not selectors.may_edit(active, record):
        messages.error(request, "只有申报人或本人可以修改退回或草稿状态的记录。")
        return HttpResponseRedirect(reverse("records:detail", args=[record.pk]))
    initial = {
        "content": record.content,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "hours": record.hours,
    }
    bound = request.method == "POST"
    form = CorrectionForm(
        request.POST if bound else None, request.FILES if bound else None, initial=initial
    )
    if bound and form.is_valid():
        data = form.cleaned_data
        send = request.POST.get("intent") == "submit"
        fields: dict[str, Any] = {
            "record_id": record.pk,
            "actor": request.user,
            "active": active,
            "content": data["content"],
            "start_date": data["start_date"],
            "end_date": data["end_date"],
            "hours": data["hours"],
            "evidence": data["evidence"],
        }
        try:
            if record.status == RecordState.RETURNED:
                record = hour_record_update_returned(**fields, resubmit=send)
            else:
                record = hour_record_update_draft(**fields, submit=send)
        except ServiceError as error:
            add_service_error(form, error)
        else:
            done = "已重新提交审核" if send else "已保存修改"
            messages.success(request, f"{done}：{display.review_step_label(record)}。")
            return HttpResponseRedirect(reverse("records:detail", args=[record.pk]))
    return render(
        request,
        "records/edit.html",
        {
            "form": form,
            "record": record,
            "evidence": selectors.record_evidence(record),
            "returned": record.status == RecordState.RETURNED,
        },
    )


@allow(*Role)
@require_GET
def evidence_download(request: RoleRequest, pk: int) -> FileResponse:
    """An evidence file, to those whose scope holds its record; always as an attachment."""
    active = require_active_role(request)
    evidence = selectors.evidence_for(active, pk)
    if evidence is None:
        raise Http404("文件不存在，或不在您的管辖范围内。")
    try:
        handle = evidence.file.storage.open(evidence.file.name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("文件已不在存储中，请联系系统管理员。") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
