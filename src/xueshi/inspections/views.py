"""抽查: the bureau's draws, each draw's items with their inspectors, findings and sanctions,
and the public list of notices of criticism (通报批评)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, public, require_active_role
from xueshi.accounts.models import Role, User
from xueshi.db.replica import replica_reads
from xueshi.errors import ServiceError
from xueshi.inspections.anomalies import (
    flagged_records,
    flags_by_kind_and_provider,
    provider_patterns,
)
from xueshi.inspections.forms import AssignForm, DrawForm, FindingForm, SanctionForm
from xueshi.inspections.models import Inspection, InspectionItem, Sanction, SanctionKind
from xueshi.inspections.services import (
    inspection_assign,
    inspection_draw,
    inspection_finding_record,
    sanction_apply,
)
from xueshi.inspections.summaries import (
    FIGURE_LABELS,
    author_of,
    summaries_below,
    summary_deadline,
    work_summary_save,
)

PAGE_SIZE = 50


def _region_path(request: RoleRequest) -> str:
    region = require_active_role(request).assignment.region
    assert region is not None, "a bureau role is held in a region"
    return region.path


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def index(request: RoleRequest) -> HttpResponse:
    """抽查: the draws of the bureau's region and below, and a new draw."""
    form = DrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = inspection_draw(
                actor=request.user,
                active=require_active_role(request),
                year=data["year"],
                kind=data["kind"],
                share=data["share"],
                stratify=data["stratify"],
                seed=data["seed"],
            )
        except ServiceError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(
                request,
                f"已抽取 {inspection.items.count()} 个对象（总体 {inspection.population}，"
                f"随机种子 {inspection.seed}）。",
            )
            return HttpResponseRedirect(reverse("inspections:detail", args=[inspection.pk]))
    inspections = Inspection.objects.filter(region__path__startswith=_region_path(request))
    page = Paginator(inspections.select_related("region"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "inspections/index.html", {"form": form, "page": page})


def _inspection(request: RoleRequest, pk: int) -> Inspection:
    try:
        return Inspection.objects.select_related("region").get(
            pk=pk, region__path__startswith=_region_path(request)
        )
    except Inspection.DoesNotExist:
        raise Http404("抽查不存在，或不在您的管辖范围内。") from None


def _inspectors(inspection: Inspection) -> list[tuple[int, str]]:
    users = (
        User.objects.filter(
            role_assignments__role=Role.BUREAU_STAFF,
            role_assignments__region__path__startswith=inspection.region.path,
        )
        .distinct()
        .order_by("pk")
    )
    return [(u.pk, u.get_full_name() or u.username) for u in users]


@allow(Role.BUREAU_STAFF)
@require_GET
def detail(request: RoleRequest, pk: int) -> HttpResponse:
    inspection = _inspection(request, pk)
    items = inspection.items.select_related("inspector", "decided_by").prefetch_related(
        "sanctions__certificates"
    )
    result = request.GET.get("result", "")
    if result:
        items = items.filter(result=result)
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    assign = AssignForm()
    assign.fields["inspector"].choices = _inspectors(inspection)  # type: ignore[attr-defined]
    return render(
        request,
        "inspections/detail.html",
        {
            "inspection": inspection,
            "page": page,
            "result": result,
            "assign_form": assign,
            "finding_form": FindingForm(),
            "sanction_form": SanctionForm(),
        },
    )


def _item_action(request: RoleRequest, item_id: int) -> tuple[InspectionItem, str]:
    try:
        item = InspectionItem.objects.get(
            pk=item_id, inspection__region__path__startswith=_region_path(request)
        )
    except InspectionItem.DoesNotExist:
        raise Http404("抽查对象不存在，或不在您的管辖范围内。") from None
    back = reverse("inspections:detail", args=[item.inspection_id]) + f"#item-{item.pk}"
    return item, back


def _errors(request: HttpRequest, form: AssignForm | FindingForm | SanctionForm) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}：{error}" if label else str(error))


@allow(Role.BUREAU_STAFF)
@require_POST
def assign(request: RoleRequest, item_id: int) -> HttpResponse:
    item, back = _item_action(request, item_id)
    form = AssignForm(request.POST)
    form.fields["inspector"].choices = _inspectors(item.inspection)  # type: ignore[attr-defined]
    if form.is_valid():
        try:
            inspection_assign(
                actor=request.user,
                active=require_active_role(request),
                item_id=item.pk,
                inspector_id=form.cleaned_data["inspector"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已指定检查人。")
    else:
        _errors(request, form)
    return HttpResponseRedirect(back)


@allow(Role.BUREAU_STAFF)
@require_POST
def finding(request: RoleRequest, item_id: int) -> HttpResponse:
    item, back = _item_action(request, item_id)
    form = FindingForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            inspection_finding_record(
                actor=request.user,
                active=require_active_role(request),
                item_id=item.pk,
                result=form.cleaned_data["result"],
                finding=form.cleaned_data["finding"],
                evidence=form.cleaned_data["evidence"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "已记录检查结果。")
    else:
        _errors(request, form)
    return HttpResponseRedirect(back)


@allow(Role.BUREAU_STAFF)
@require_POST
def sanction(request: RoleRequest, item_id: int) -> HttpResponse:
    item, back = _item_action(request, item_id)
    form = SanctionForm(request.POST)
    if form.is_valid():
        try:
            done = sanction_apply(
                actor=request.user,
                active=require_active_role(request),
                item_id=item.pk,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
            )
        except ServiceError as error:
            messages.error(request, error.message)
        else:
            text = f"已作出处理：{done.get_kind_display()}。"
            if done.kind == SanctionKind.NOT_RECOGNISED:
                text += f"{done.records} 条学时记录不予认定"
                count = done.certificates.count()
                text += f"，{count} 张证书须换发或撤销。" if count else "。"
            messages.success(request, text)
    else:
        _errors(request, form)
    return HttpResponseRedirect(back)


@public
@require_GET
def notices(request: HttpRequest) -> HttpResponse:
    """通报: the notices of criticism bureaus have published."""
    published = Sanction.objects.filter(published=True).select_related(
        "item__inspection__region", "provider"
    )
    page = Paginator(published, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "inspections/notices.html", {"page": page})


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return clock.year()
    return year if 2000 <= year <= 2100 else clock.year()


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def anomalies(request: RoleRequest) -> HttpResponse:
    """疑点看板: open integrity flags by type and provider; providers' unusual patterns."""
    region = require_active_role(request).assignment.region
    assert region is not None, "a bureau role is held in a region"
    year = _year(request)
    counts = flags_by_kind_and_provider(region, year)
    return render(
        request,
        "inspections/anomalies.html",
        {
            "region": region,
            "year": year,
            "counts": counts,
            "total": sum(c.count for c in counts),
            "patterns": provider_patterns(region, year),
        },
    )


@allow(Role.BUREAU_STAFF)
@require_GET
@replica_reads
def anomaly_records(request: RoleRequest) -> HttpResponse:
    """The flagged records of one cell of the board."""
    region = require_active_role(request).assignment.region
    assert region is not None, "a bureau role is held in a region"
    year = _year(request)
    # NUL is no character of a name (PostgreSQL refuses it in text): dropped, never sent.
    kind = request.GET.get("kind", "").replace("\x00", "")[:32]
    provider = request.GET.get("provider", "").replace("\x00", "")[:128]
    flags = flagged_records(region, year, kind, provider)
    page = Paginator(flags, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/anomaly_records.html",
        {"year": year, "kind": kind, "provider": provider, "page": page},
    )


@allow(Role.PROVIDER_STAFF, Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def summary(request: RoleRequest) -> HttpResponse:
    """年度工作总结: the draft from the data, saved or submitted."""
    active = require_active_role(request)
    author = author_of(active)
    year = _year(request) if request.method == "GET" else _posted_year(request)
    if request.method == "POST":
        submit = "submit" in request.POST
        if submit and request.POST.get("confirm") != "on":
            messages.error(request, "报送前请勾选确认：报送后不能再修改。")
        else:
            try:
                work_summary_save(
                    actor=request.user,
                    active=active,
                    year=year,
                    text=request.POST.get("text", ""),
                    submit=submit,
                )
            except ServiceError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, "已报送。" if submit else "已保存草稿。")
                return HttpResponseRedirect(f"{reverse('inspections:summary')}?year={year}")
    saved = author.summary(year)
    text = saved.text if saved else ""
    figures = saved.figures if saved and saved.status == "submitted" else author.figures(year)
    return render(
        request,
        "inspections/summary.html",
        {
            "author": author,
            "year": year,
            "summary": saved,
            "text": request.POST.get("text", "") if request.method == "POST" else text,
            "figures": [(FIGURE_LABELS[k], v) for k, v in figures.items() if k in FIGURE_LABELS],
            "due": summary_deadline(author.region_code, year),
        },
    )


def _posted_year(request: HttpRequest) -> int:
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        return clock.year()
    return year


@allow(Role.BUREAU_STAFF)
@require_GET
def summaries(request: RoleRequest) -> HttpResponse:
    """Who below the bureau has (not) submitted the year's summary."""
    region = require_active_role(request).assignment.region
    assert region is not None, "a bureau role is held in a region"
    year = _year(request)
    rows = summaries_below(region, year)
    missing = sum(r.summary is None or r.summary.status != "submitted" for r in rows)
    return render(
        request,
        "inspections/summaries.html",
        {"region": region, "year": year, "rows": rows, "missing": missing},
    )
