"""Issuing, reissuing and revoking certificates, and numbering them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import (
    Booklet,
    Certificate,
    CertificateShape,
    CertificateStatus,
    NumberCounter,
)
from xueshi.certificates.selectors import reentries_pending, years_wholly_dispatched
from xueshi.certificates.signing import sign
from xueshi.certificates.token import code_new
from xueshi.compliance.bridge import person_year_standing
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of, professionals_visible
from xueshi.policy_store import current_policy
from xueshi.rules import NoRequirement, assessment_date
from xueshi.rules.policy import Resolved
from xueshi.rules.verdict import KEY_LABELS, UNIT_LABELS, Key, fmt
from xueshi.rules.verification import certificate_path, cycle_consequence

DEFAULT_FORMAT = "{region}{year}{seq:06d}"


def certificate_rule(professional: Professional, year: int) -> Resolved:
    resolved = current_policy().resolve(
        "certificate", professional.region_id, assessment_date(year), person_of(professional)
    )
    if resolved is None:
        raise ServiceError(f"{professional.region}没有 {year} 年度继续教育证书的规定，无法发证。")
    return resolved


@transaction.atomic
def number_next(*, fmt_text: str, region: str, year: int) -> str:
    """The next number of a format, unique under concurrency (a locked counter row)."""
    scope = f"{fmt_text}|{region}|{year if '{year}' in fmt_text else ''}"
    NumberCounter.objects.get_or_create(scope=scope)
    counter = NumberCounter.objects.select_for_update().get(scope=scope)
    counter.last += 1
    counter.save(update_fields=["last"])
    return fmt_text.format(region=region, year=year, seq=counter.last)


def _issuer_name(professional: Professional, rule: dict[str, Any]) -> str:
    region = professional.region
    if rule.get("issued_on") in ("employer_confirmation", "employer_record") and (
        professional.employer
    ):
        return f"{professional.employer.name}（{region.name}）"
    return f"{region.name}人力资源和社会保障局"


def _may_issue(active: ActiveRole, professional: Professional, rule: dict[str, Any]) -> None:
    """Who confirms completion is policy (P6: the employer; S11: the system after reviews)."""
    issued_on = rule.get("issued_on", "reviews_complete")
    role = active.role
    if issued_on == "employer_confirmation":
        if role not in EMPLOYER_ROLES or professional.employer_id != active.assignment.employer_id:
            raise ServiceError("按规定，由用人单位审核确认后生成电子证书，请由所在单位办理。")
    elif issued_on == "employer_record":
        if role not in EMPLOYER_ROLES or professional.employer_id != active.assignment.employer_id:
            raise ServiceError("按规定，由任职学校把继续教育情况记入证书，请由所在单位办理。")
    elif issued_on == "authority_confirmation":
        if role is not Role.AUTHORITY_REVIEWER:
            raise ServiceError("按规定，教育、卫生系列的证书由行业主管部门确认后生成。")
    elif role not in (Role.PROFESSIONAL, *EMPLOYER_ROLES, Role.BUREAU_STAFF):
        raise ServiceError("当前角色不能生成证书。")
    if not professionals_visible(active).filter(pk=professional.pk).exists():
        raise ServiceError("该专业技术人员不在您的管辖范围内。")


def _shortfall_text(key: str, value: Decimal) -> str:
    unit = UNIT_LABELS["credit" if key == "credits" else "hour"]
    return f"{KEY_LABELS[Key(key)]}尚缺 {fmt(value)} {unit}"


@transaction.atomic
def certificate_issue(
    *,
    actor: User,
    active: ActiveRole,
    professional_id: int,
    year: int,
    reissue_of: Certificate | None = None,
    reason: str = "",
) -> Certificate:
    """Generate the certificate of a compliant year, as the region's policy says."""
    try:
        professional = (
            Professional.objects.select_for_update(of=("self",))
            .select_related("region", "employer")
            .get(pk=professional_id)
        )
    except Professional.DoesNotExist:
        raise ServiceError("专业技术人员不存在。") from None
    rule_resolved = certificate_rule(professional, year)
    rule = dict(rule_resolved.value)
    if reissue_of is None:
        _may_issue(active, professional, rule)
    existing = Certificate.objects.filter(
        professional=professional, year=year, status=CertificateStatus.VALID
    ).first()
    if existing is not None:
        raise ServiceError(f"{year} 年度证书已生成（编号 {existing.number}），如需换发请办理换发。")
    try:
        standing = person_year_standing(professional, year)
    except NoRequirement as exc:
        raise ServiceError(str(exc)) from None
    verdict = standing.verdict
    # A certificate that records the year's learning (a teacher's, Luojiang §二(一)) is
    # written whatever the verdict, and says it; any other certifies a completed year.
    records_learning = bool(rule.get("records_learning", False))
    if not records_learning and not verdict.decided:
        why = "；".join(f"{u.text}（依据：{u.reference.citation}）" for u in verdict.undecided)
        raise ServiceError(f"{year} 年度（周期）无法判定是否完成：{why}，不能生成证书。")
    if not records_learning and not verdict.compliant:
        missing = "，".join(_shortfall_text(k, v) for k, v in verdict.shortfall.items())
        missing = missing or "有未满足的条件"
        raise ServiceError(f"{year} 年度继续教育任务尚未完成（{missing}），不能生成证书。")
    if rule.get("issued_on", "reviews_complete") == "reviews_complete" and standing.pending:
        raise ServiceError(
            f"{year} 年度尚有 {standing.pending} 条学时记录在审核中，审核完成后方可生成证书。"
        )
    shape = CertificateShape(rule["shape"])
    fmt_text = str(rule.get("number_format", DEFAULT_FORMAT))
    booklet = None
    if shape is CertificateShape.BOOKLET:
        booklet = Booklet.objects.filter(professional=professional).first()
        if booklet is None:
            raise ServiceError("请先持身份证原件和证件照到人社部门首次申领继续教育证书（登记册）。")
        pending = reentries_pending(booklet)
        if pending:
            listed = "、".join(f"{r.content}（{r.hours} 学时）" for r in pending[:5])
            raise ServiceError(
                f"证书补办后，专业科目学时须重新提供证明材料方可补登，尚有 {len(pending)} 条"
                f"待补登：{listed}。请持原件到人社部门办理补登。"
            )
        number = f"{booklet.number}-{year}"
        if reissue_of is not None:
            number = (
                f"{number}-{Certificate.objects.filter(booklet=booklet, year=year).count() + 1}"
            )
    else:
        number = number_next(fmt_text=fmt_text, region=professional.region_id, year=year)
    years = verdict.years
    years_label = f"{years[0]}–{years[-1]} 周期" if len(years) > 1 else f"{year} 年度"
    # The figures the requirement is made of; hours always show their total.
    figures = {str(r.requirement.key) for r in verdict.results}
    if "credits" not in figures:
        figures.add("total")
    order = ("public", "public_required", "professional", "elective", "total", "credits")
    hours = {key: fmt(verdict.counted[key]) for key in order if key in figures}
    issuer = _issuer_name(professional, rule)
    of_year: dict[str, Any] = {
        "region": professional.region_id,
        "year": year,
        "person": person_of(professional),
        "cycle": tuple(years),
    }
    path = certificate_path(
        current_policy(), **of_year, dispatched=years_wholly_dispatched(professional, tuple(years))
    )
    consequence = cycle_consequence(current_policy(), **of_year)
    consequence_text = ""
    if consequence is not None:
        why = "；".join(u.text for u in verdict.undecided)
        consequence_text = consequence.text(
            decided=verdict.decided, compliant=verdict.compliant, undecided_why=why
        )
        consequence_text = f"{consequence_text}依据：{consequence.reference.citation}"[:400]
    issued_on = clock.today()
    content = {
        "no": number,
        "nm": professional.full_name,
        "id": professional.masked_id_number,
        "y": year,
        "rg": professional.region_id,
        "rn": professional.region.name,
        "h": hours,
        "ok": verdict.compliant if verdict.decided else None,
        "iss": issuer,
        "dt": issued_on.isoformat(),
        "pv": current_policy().version,
    }
    ring = keyring()
    payload = sign(content, ring)
    certificate = Certificate.objects.create(
        number=number,
        shape=shape,
        professional=professional,
        year=year,
        years_label=years_label,
        region=professional.region,
        employer=professional.employer,
        booklet=booklet,
        hours=hours,
        verdict={**verdict.as_dict(), "source": standing.source},
        policy_version=current_policy().version,
        issuer=issuer,
        payload=payload,
        kid=ring.active or "",
        verification_code=code_new(),
        issued_by=actor,
        issued_role=active.role,
        reissue_of=reissue_of,
        status_reason=reason,
        stamp_required=bool(rule.get("stamp_required", False)) or bool(path),
        stamp_by_role=(
            ",".join(str(r) for r in path[-1].by)
            if path
            else str(rule.get("stamp", rule.get("paper_stamp", "")))
        ),
        path=[step.as_dict() for step in path],
        consequence=consequence_text,
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="issue",
        target=certificate,
        to_status=certificate.status,
        comment=reason,
        policy_version=certificate.policy_version,
        data={"number": number, "rule": str(rule_resolved.reference)},
    )
    return certificate


def _locked_certificate(active: ActiveRole, certificate_id: int) -> Certificate:
    visible = professionals_visible(active).values("pk")
    try:
        return Certificate.objects.select_for_update().get(
            pk=certificate_id, professional__in=visible
        )
    except Certificate.DoesNotExist:
        raise ServiceError("证书不存在，或不在您的管辖范围内。") from None


def _certificate_end(
    *,
    actor: User,
    active: ActiveRole,
    certificate_id: int,
    reason: str,
    status: CertificateStatus,
    action: str,
    verb: str,
) -> Certificate:
    """A valid certificate ends, superseded or revoked, with its reason; it is kept."""
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError(f"证书{verb}由人社部门办理。")
    reason = reason.strip()
    if not reason:
        raise ServiceError(f"请填写{verb}原因。", field="reason")
    certificate = _locked_certificate(active, certificate_id)
    if certificate.status != CertificateStatus.VALID:
        shown = certificate.get_status_display()
        raise ServiceError(f"证书 {certificate.number} 已{shown}，不能{verb}。")
    certificate.status = status
    certificate.status_reason = reason
    certificate.save(update_fields=["status", "status_reason"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action=action,
        target=certificate,
        from_status=CertificateStatus.VALID,
        to_status=status,
        comment=reason,
        policy_version=certificate.policy_version,
    )
    return certificate


@transaction.atomic
def certificate_reissue(
    *, actor: User, active: ActiveRole, certificate_id: int, reason: str
) -> Certificate:
    """换发: the old certificate is superseded (kept), a new one issued from today's records."""
    old = _certificate_end(
        actor=actor,
        active=active,
        certificate_id=certificate_id,
        reason=reason,
        status=CertificateStatus.SUPERSEDED,
        action="supersede",
        verb="换发",
    )
    return certificate_issue(
        actor=actor,
        active=active,
        professional_id=old.professional_id,
        year=old.year,
        reissue_of=old,
        reason=old.status_reason,
    )


@transaction.atomic
def certificate_revoke(
    *, actor: User, active: ActiveRole, certificate_id: int, reason: str
) -> Certificate:
    """撤销: the certificate is revoked (kept, and shown as revoked on the public page)."""
    return _certificate_end(
        actor=actor,
        active=active,
        certificate_id=certificate_id,
        reason=reason,
        status=CertificateStatus.REVOKED,
        action="revoke",
        verb="撤销",
    )
