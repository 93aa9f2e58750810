"""Certificate pages: the public verification, a professional's certificates, the employer's
issuing, printing and rosters, the bureau's verification, booklets, reissue and revocation."""

from __future__ import annotations

import functools
import io
from typing import Any

import xlsxwriter
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.access import ActiveRole, allow, public, require_active_role
from xueshi.accounts.models import EMPLOYER_ROLES, Role, User
from xueshi.certificates.forms import BookletForm, IssueForm, ReasonForm, RosterForm, VerifyForm
from xueshi.certificates.models import (
    Booklet,
    Certificate,
    CertificateStatus,
    PrintJob,
    RosterStatus,
)
from xueshi.certificates.pdf import render as render_pdf
from xueshi.certificates.selectors import (
    HOURS_LABELS,
    certificate_sheet,
    certificates_visible,
    hours_shown,
    next_verification_day,
    reentries_pending,
    rosters_visible,
    stamp_text,
)
from xueshi.certificates.services import (
    booklet_issue,
    booklet_reentry_confirm,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    print_job_request,
    print_job_status,
    roster_process,
    roster_submit,
)
from xueshi.certificates.verification import Verification, certificate_verification
from xueshi.errors import ServiceError
from xueshi.organisations.validators import normalise_ric
from xueshi.people.models import Professional
from xueshi.people.selectors import professionals_visible
from xueshi.records.models import HourRecord

EMPLOYER = tuple(EMPLOYER_ROLES)
ISSUERS = (Role.PROFESSIONAL, *EMPLOYER, Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)


def _current_year() -> int:
    return timezone.localdate().year


def _year(request: HttpRequest, default: int) -> int:
    try:
        year = int(request.GET.get("year", default))
    except ValueError:
        return default
    return year if 2010 <= year <= 2030 else default


# -- public verification -------------------------------------------------------------


@public
@require_GET
def verify_page(request: HttpRequest) -> HttpResponse:
    """By the QR's signed content (``c``) or by a certificate number (``no``), for anyone.

    The busiest page of the site (every scanned QR lands here), so it is kept cheap
    (bench/verify_wrk.py): one query by number for the certificate and the names it shows,
    and, for visitors who are not signed in, a page without the signed-in layout.
    """
    query = request.GET
    number = query.get("no", "")[:40]
    verification = None
    if query:
        # The form's own fields check the input (length, stripping, no NUL) without a form
        # instance, which deep-copies its fields: ~0.05 ms on every scan.
        fields = VerifyForm.base_fields
        try:
            text = fields["c"].clean(query.get("c", ""))
            number = fields["no"].clean(query.get("no", ""))
        except ValidationError:
            verification = Verification(error="输入的内容无效。")
        else:
            verification = certificate_verification(text=text, number=number)
    context: dict[str, Any] = {"number": number}
    if verification is not None:
        # Its parts as names of their own: the template reads each without an attribute.
        context.update(
            error=verification.error,
            certificate=verification.certificate,
            signed=verification.signed,
        )
    if request.user.is_authenticated:
        return render(request, "certificates/verify.html", context)
    # Anonymous: no context processors (navigation, messages, CSRF) — nothing here uses them.
    context.update(_links(get_script_prefix()))
    return HttpResponse(loader.get_template("certificates/verify_public.html").render(context))


@functools.cache
def _links(prefix: str) -> dict[str, str]:
    """The public layout's links, once per script prefix."""
    return {
        "css": static("web/site.css"),
        "home": reverse("web:home"),
        "login": reverse("accounts:login"),
    }


def _public_view(certificate: Certificate) -> dict[str, Any]:
    return {
        "certificate": certificate,
        "hours": hours_shown(certificate.hours or {}),
        "stamp": stamp_text(certificate),
    }


# -- a professional's certificates ----------------------------------------------------


@allow(Role.PROFESSIONAL)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    professional = Professional.objects.filter(user_id=active.assignment.user_id).first()
    if professional is None:
        raise Http404
    certificates = certificates_visible(active).filter(professional=professional)
    have = set(certificates.filter(status=CertificateStatus.VALID).values_list("year", flat=True))
    years = sorted(
        set(
            HourRecord.objects.filter(professional=professional).values_list(
                "credited_year", flat=True
            )
        )
        - have,
        reverse=True,
    )
    return render(
        request,
        "certificates/mine.html",
        {
            "professional": professional,
            "certificates": certificates,
            "years": years,
        },
    )


@allow(*ISSUERS)
@require_POST
def issue(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    form = IssueForm(request.POST)
    back = request.POST.get("next") or reverse("accounts:dashboard")
    if not back.startswith("/"):
        back = reverse("accounts:dashboard")
    if not form.is_valid():
        messages.error(request, "请求无效。")
        return redirect(back)
    try:
        certificate = certificate_issue(
            actor=request.user,
            active=active,
            professional_id=form.cleaned_data["professional"],
            year=form.cleaned_data["year"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, f"已生成证书 {certificate.number}。")
    return redirect("certificates:detail", certificate.pk)


@allow(*ISSUERS)
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    certificate = get_object_or_404(certificates_visible(active), pk=pk)
    context = _public_view(certificate)
    context["can_manage"] = active.role is Role.BUREAU_STAFF
    context["reason_form"] = ReasonForm()
    return render(request, "certificates/detail.html", context)


@allow(*ISSUERS)
@require_GET
def pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    active = require_active_role(request)
    certificate = get_object_or_404(certificates_visible(active), pk=pk)
    data = render_pdf([certificate_sheet(certificate)])
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"继续教育证书-{certificate.number}.pdf",
        content_type="application/pdf",
    )


# -- employer ---------------------------------------------------------------------------


@allow(*EMPLOYER)
@require_GET
def employer(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    year = _year(request, _current_year() - 1)
    staff = professionals_visible(active).order_by("full_name")
    certificates = {
        c.professional_id: c
        for c in Certificate.objects.filter(
            professional__in=staff, year=year, status=CertificateStatus.VALID
        )
    }
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    rows = [(p, certificates.get(p.pk)) for p in page]
    pending = [c for c in certificates.values() if c.stamp_required and not c.stamped]
    jobs = PrintJob.objects.filter(employer=active.assignment.employer, year=year)[:5]
    return render(
        request,
        "certificates/employer.html",
        {
            "year": year,
            "rows": rows,
            "page": page,
            "pending": pending,
            "jobs": jobs,
            "rosters": rosters_visible(active).filter(year=year),
            "roster_form": RosterForm(
                choices=[(c.pk, c.number) for c in pending], initial={"year": year}
            ),
        },
    )


@allow(*EMPLOYER)
@require_POST
def print_start(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    try:
        year = int(request.POST.get("year", "0"))
    except ValueError:
        year = 0
    user = request.user
    assert isinstance(user, User)
    try:
        job = print_job_request(actor=user, active=active, year=year)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:employer")
    return redirect("certificates:print_job", job.pk)


@allow(*EMPLOYER)
@require_GET
def print_job(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        job, task = print_job_status(active=require_active_role(request), print_job_id=pk)
    except ServiceError:
        raise Http404 from None
    template = (
        "certificates/_print_job.html"
        if request.headers.get("HX-Request")
        else "certificates/print_job.html"
    )
    return render(request, template, {"job": job, "task": task})


@allow(*EMPLOYER)
@require_GET
def print_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    active = require_active_role(request)
    job = get_object_or_404(PrintJob, pk=pk, employer=active.assignment.employer)
    if not job.file:
        raise Http404
    return FileResponse(
        job.file.open("rb"),
        as_attachment=True,
        filename=f"继续教育证书-{job.year}.pdf",
        content_type="application/pdf",
    )


@allow(*EMPLOYER)
@require_POST
def roster_new(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    ids = [int(x) for x in request.POST.getlist("certificates") if x.isdigit()]
    try:
        year = int(request.POST.get("year", "0"))
        roster = roster_submit(
            actor=request.user,
            active=active,
            year=year,
            certificate_ids=ids,
            late_reason=request.POST.get("late_reason", ""),
        )
    except (ServiceError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", "请求无效。"))
        return redirect(f"{reverse('certificates:employer')}?year={request.POST.get('year', '')}")
    messages.success(request, f"已报送验证花名册（{roster.entries.count()} 本证书）。")
    return redirect("certificates:roster", roster.pk)


@allow(*EMPLOYER, Role.BUREAU_STAFF)
@require_GET
def roster(request: HttpRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    item = get_object_or_404(rosters_visible(active).select_related("employer", "region"), pk=pk)
    entries = item.entries.select_related("certificate__professional")
    upcoming = next_verification_day(item.region_id, timezone.localdate())
    return render(
        request,
        "certificates/roster.html",
        {
            "roster": item,
            "entries": entries,
            "upcoming": upcoming,
            "can_process": active.role is Role.BUREAU_STAFF
            and item.status == RosterStatus.SUBMITTED,
        },
    )


@allow(*EMPLOYER, Role.BUREAU_STAFF)
@require_GET
def roster_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    """《____年广东省专业技术人员继续教育证书汇总表》 / 花名册 as Excel."""
    active = require_active_role(request)
    item = get_object_or_404(rosters_visible(active), pk=pk)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"strings_to_formulas": False, "in_memory": True})
    sheet = book.add_worksheet("汇总表")
    bold = book.add_format({"bold": True})
    sheet.write(0, 0, f"{item.year} 年专业技术人员继续教育证书汇总表（{item.employer.name}）", bold)
    header = ["序号", "证书编号", "姓名", "公民身份号码", "学时", "验证盖章"]
    sheet.write_row(2, 0, header, bold)
    for n, entry in enumerate(item.entries.select_related("certificate__professional"), 1):
        c = entry.certificate
        hours = "；".join(f"{HOURS_LABELS.get(k, k)} {v}" for k, v in c.hours.items())
        sheet.write_row(
            2 + n,
            0,
            [
                n,
                c.number,
                c.professional.full_name,
                c.professional.masked_id_number,
                hours,
                "已盖章" if c.stamped else "待验证",
            ],
        )
    sheet.set_column(0, 5, 18)
    book.close()
    return HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="roster-{item.pk}.xlsx"'},
    )


# -- bureau -------------------------------------------------------------------------------


@allow(Role.BUREAU_STAFF)
@require_GET
def bureau(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    rosters = (
        rosters_visible(active).filter(status=RosterStatus.SUBMITTED).select_related("employer")
    )
    query = request.GET.get("q", "").strip()[:40]
    found = certificates_visible(active).none()
    if query:
        found = certificates_visible(active).filter(
            Q(number=query) | Q(professional__full_name=query)
        )[:50]
    region = active.assignment.region
    upcoming = next_verification_day(region.code, timezone.localdate()) if region else None
    return render(
        request,
        "certificates/bureau.html",
        {
            "rosters": rosters,
            "query": query,
            "found": found,
            "upcoming": upcoming,
            "booklet_form": BookletForm(),
            **_booklet_lookup(active, request.GET.get("holder", "")),
        },
    )


def _booklet_lookup(active: ActiveRole, holder: str) -> dict[str, Any]:
    holder = holder.strip().upper()[:18]
    if not holder:
        return {"holder": ""}
    booklet = (
        Booklet.objects.filter(
            professional__in=professionals_visible(active).filter(id_number=holder).values("pk")
        )
        .select_related("professional")
        .first()
    )
    pending = reentries_pending(booklet) if booklet else []
    return {"holder": holder, "booklet": booklet, "pending": pending}


@allow(Role.BUREAU_STAFF)
@require_POST
def reentry(request: HttpRequest) -> HttpResponse:
    """补登 one record of a replaced booklet against its re-submitted evidence."""
    active = require_active_role(request)
    upload = request.FILES.get("evidence")
    holder = request.POST.get("holder", "")[:18]
    back = f"{reverse('certificates:bureau')}?holder={holder}"
    if upload is None or not request.POST.get("record", "").isdigit():
        messages.error(request, "请选择记录并上传重新提供的证明材料。")
        return redirect(back)
    try:
        booklet_reentry_confirm(
            actor=request.user,
            active=active,
            record_id=int(request.POST["record"]),
            upload=upload,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已补登。")
    return redirect(back)


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def roster_process_view(request: HttpRequest, pk: int) -> HttpResponse:
    active = require_active_role(request)
    item = get_object_or_404(rosters_visible(active), pk=pk)
    if request.method == "GET":
        return render(request, "certificates/roster_confirm.html", {"roster": item})
    try:
        roster_process(actor=request.user, active=active, roster_id=item.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:roster", item.pk)
    messages.success(request, "已验证盖章。")
    return redirect("certificates:roster", item.pk)


@allow(Role.BUREAU_STAFF)
@require_POST
def change_status(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    active = require_active_role(request)
    form = ReasonForm(request.POST)
    if action not in ("reissue", "revoke") or not form.is_valid():
        messages.error(request, "请填写原因。")
        return redirect("certificates:detail", pk)
    service = certificate_reissue if action == "reissue" else certificate_revoke
    try:
        result = service(
            actor=request.user, active=active, certificate_id=pk, reason=form.cleaned_data["reason"]
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:detail", pk)
    messages.success(request, "已换发。" if action == "reissue" else "已撤销。")
    return redirect("certificates:detail", result.pk)


@allow(Role.BUREAU_STAFF)
@require_POST
def booklet(request: HttpRequest) -> HttpResponse:
    active = require_active_role(request)
    form = BookletForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请完整填写身份号码与办理类型。")
        return redirect("certificates:bureau")
    try:
        number = normalise_ric(form.cleaned_data["id_number"])
    except Exception as exc:  # ValidationError: shown as it is
        messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        return redirect("certificates:bureau")
    person = professionals_visible(active).filter(id_number=number).first()
    if person is None:
        messages.error(request, "本辖区没有该身份号码的专业技术人员。")
        return redirect("certificates:bureau")
    try:
        result = booklet_issue(
            actor=request.user,
            active=active,
            professional_id=person.pk,
            kind=form.cleaned_data["kind"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:bureau")
    messages.success(request, f"已办理，证书编号 {result.number}（第 {result.copies} 册）。")
    return redirect("certificates:bureau")
