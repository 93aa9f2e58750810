"""Issuing, reissuing and revoking certificates, booklets, and the bureau's verification.

Each service is one transaction that locks what it changes and writes an audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role
from xueshi.audit.services import audit_event_write
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import (
    Booklet,
    BookletIssue,
    BookletIssueKind,
    BookletReentry,
    Certificate,
    CertificateShape,
    CertificateStatus,
    NumberCounter,
    Roster,
    RosterEntry,
    RosterStatus,
)
from xueshi.certificates.signing import sign
from xueshi.compliance.bridge import person_year_verdict
from xueshi.errors import ServiceError
from xueshi.organisations.models import Region
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of, professionals_visible
from xueshi.policy_store import current_policy
from xueshi.records.evidence import evidence_check
from xueshi.records.models import HourRecord
from xueshi.records.services import evidence_attach
from xueshi.rules import NoRequirement, assessment_date, deadline, verification_days
from xueshi.rules.deadlines import RuleNotSet
from xueshi.rules.policy import Resolved
from xueshi.rules.verdict import KEY_LABELS, UNIT_LABELS, Key, fmt
from xueshi.rules.workflow import RecordState

DEFAULT_FORMAT = "{region}{year}{seq:06d}"
ROLE_LABELS = {
    "bureau": "人力资源和社会保障部门",
    "employer": "用人单位",
    "industry_authority": "行业主管部门",
}


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


def verify_url(payload: str) -> str:
    base = str(settings.XUESHI_PUBLIC_URL).rstrip("/")
    return f"{base}{reverse('certificates:verify')}?c={quote(payload, safe='')}"


def _issuer_name(professional: Professional, rule: dict[str, Any]) -> str:
    region = professional.region
    if rule.get("issued_on") == "employer_confirmation" and professional.employer:
        return f"{professional.employer.name}（{region.name}）"
    return f"{region.name}人力资源和社会保障局"


def _may_issue(active: ActiveRole, professional: Professional, rule: dict[str, Any]) -> None:
    """Who confirms completion is policy (P6: the employer; S11: the system after reviews)."""
    issued_on = rule.get("issued_on", "reviews_complete")
    role = active.role
    if issued_on == "employer_confirmation":
        if role not in EMPLOYER_ROLES or professional.employer_id != active.assignment.employer_id:
            raise ServiceError("按规定，由用人单位审核确认后生成电子证书，请由所在单位办理。")
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
    actor: Any,
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
        verdict, _ = person_year_verdict(professional, year)
    except NoRequirement as exc:
        raise ServiceError(str(exc)) from None
    if not verdict.compliant:
        missing = "，".join(_shortfall_text(k, v) for k, v in verdict.shortfall.items())
        missing = missing or "有未满足的条件"
        raise ServiceError(f"{year} 年度继续教育任务尚未完成（{missing}），不能生成证书。")
    if rule.get("issued_on", "reviews_complete") == "reviews_complete" and verdict.pending:
        raise ServiceError(
            f"{year} 年度尚有 {len(verdict.pending)} 条学时记录在审核中，审核完成后方可生成证书。"
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
    issued_on = timezone.localdate()
    content = {
        "no": number,
        "nm": professional.full_name,
        "id": professional.masked_id_number,
        "y": year,
        "rg": professional.region_id,
        "rn": professional.region.name,
        "h": hours,
        "ok": True,
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
        verdict=verdict.as_dict(),
        policy_version=current_policy().version,
        issuer=issuer,
        payload=payload,
        kid=ring.active or "",
        issued_by=actor,
        issued_role=active.role,
        reissue_of=reissue_of,
        status_reason=reason,
        stamp_required=bool(rule.get("stamp_required", False)),
        stamp_by_role=str(rule.get("stamp", rule.get("paper_stamp", ""))),
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


@transaction.atomic
def certificate_reissue(
    *, actor: Any, active: ActiveRole, certificate_id: int, reason: str
) -> Certificate:
    """换发: the old certificate is superseded (kept), a new one issued from today's records."""
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("证书换发由人社部门办理。")
    reason = reason.strip()
    if not reason:
        raise ServiceError("请填写换发原因。", field="reason")
    old = _locked_certificate(active, certificate_id)
    if old.status != CertificateStatus.VALID:
        raise ServiceError(f"证书 {old.number} 已{old.get_status_display()}，不能换发。")
    old.status = CertificateStatus.SUPERSEDED
    old.status_reason = reason
    old.save(update_fields=["status", "status_reason"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="supersede",
        target=old,
        from_status="valid",
        to_status=old.status,
        comment=reason,
        policy_version=old.policy_version,
    )
    return certificate_issue(
        actor=actor,
        active=active,
        professional_id=old.professional_id,
        year=old.year,
        reissue_of=old,
        reason=reason,
    )


@transaction.atomic
def certificate_revoke(
    *, actor: Any, active: ActiveRole, certificate_id: int, reason: str
) -> Certificate:
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("证书撤销由人社部门办理。")
    reason = reason.strip()
    if not reason:
        raise ServiceError("请填写撤销原因。", field="reason")
    certificate = _locked_certificate(active, certificate_id)
    if certificate.status != CertificateStatus.VALID:
        raise ServiceError(f"证书 {certificate.number} 已{certificate.get_status_display()}。")
    certificate.status = CertificateStatus.REVOKED
    certificate.status_reason = reason
    certificate.save(update_fields=["status", "status_reason"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="revoke",
        target=certificate,
        from_status="valid",
        to_status=certificate.status,
        comment=reason,
        policy_version=certificate.policy_version,
    )
    return certificate


@transaction.atomic
def booklet_issue(
    *,
    actor: Any,
    active: ActiveRole,
    professional_id: int,
    kind: BookletIssueKind | str,
    reason: str = "",
) -> Booklet:
    """首次申领, 续办 (full: same number), 补办 (lost: same number; professional hours are
    registered again only against re-submitted evidence, G5)."""
    kind = BookletIssueKind(kind)
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("继续教育证书（登记册）由人社部门发放。")
    try:
        professional = Professional.objects.select_for_update().get(
            pk=professional_id, pk__in=professionals_visible(active).values("pk")
        )
    except Professional.DoesNotExist:
        raise ServiceError("该专业技术人员不在您的管辖范围内。") from None
    booklet = Booklet.objects.select_for_update().filter(professional=professional).first()
    year = timezone.localdate().year
    if kind is BookletIssueKind.FIRST:
        if booklet is not None:
            raise ServiceError(f"已领取过证书（编号 {booklet.number}），请办理续办或补办。")
        rule = certificate_rule(professional, year).value
        if rule.get("shape") != CertificateShape.BOOKLET:
            raise ServiceError(f"{professional.region}的继续教育证书不是登记册形式。")
        number = number_next(
            fmt_text=str(rule.get("number_format", "{region}{seq:06d}")),
            region=professional.region_id,
            year=year,
        )
        booklet = Booklet.objects.create(
            number=number, professional=professional, region=professional.region
        )
    else:
        if booklet is None:
            raise ServiceError("尚未首次申领证书，不能续办或补办。")
        if kind is BookletIssueKind.REPLACEMENT and not reason.strip():
            raise ServiceError("请填写补办原因（丢失或损毁）。", field="reason")
        booklet.copies += 1
        if kind is BookletIssueKind.REPLACEMENT:
            booklet.reentry_since = timezone.now()
        booklet.save(update_fields=["copies", "reentry_since"])
    issue = BookletIssue.objects.create(
        booklet=booklet, kind=kind, reason=reason.strip(), issued_by=actor
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action=f"booklet_{kind.value}",
        target=booklet,
        comment=reason,
        data={"number": booklet.number, "issue": issue.pk},
    )
    return booklet


def reentries_pending(booklet: Booklet) -> list[HourRecord]:
    """Professional-hours records entered before the booklet was replaced and not yet
    re-entered against evidence (G5)."""
    if booklet.reentry_since is None:
        return []
    done = booklet.reentries.values("record_id")
    return list(
        HourRecord.objects.filter(
            professional_id=booklet.professional_id,
            category="professional",
            status=RecordState.APPROVED,
            created_at__lt=booklet.reentry_since,
        )
        .exclude(pk__in=done)
        .order_by("credited_year", "id")
    )


@transaction.atomic
def booklet_reentry_confirm(
    *, actor: Any, active: ActiveRole, record_id: int, upload: UploadedFile
) -> BookletReentry:
    """补登: the bureau re-enters one professional-hours record against re-submitted evidence."""
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("补登由人社部门办理。")
    visible = professionals_visible(active).values("pk")
    try:
        record = HourRecord.objects.select_for_update().get(pk=record_id, professional__in=visible)
    except HourRecord.DoesNotExist:
        raise ServiceError("学时记录不存在，或不在您的管辖范围内。") from None
    booklet = (
        Booklet.objects.select_for_update().filter(professional_id=record.professional_id).first()
    )
    if booklet is None or record not in reentries_pending(booklet):
        raise ServiceError("该记录无需补登。")
    # The same scan as before is fine: what G5 asks is that the bureau sees it again.
    _, sha256, _ = evidence_check(upload)
    evidence = record.evidence.filter(sha256=sha256).first() or evidence_attach(
        record=record, upload=upload, actor=actor
    )
    reentry = BookletReentry.objects.create(
        booklet=booklet, record=record, evidence=evidence, confirmed_by=actor
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="booklet_reentry",
        target=booklet,
        comment=record.content,
        data={"record": record.pk, "evidence_sha256": evidence.sha256},
    )
    return reentry


@transaction.atomic
def roster_submit(
    *,
    actor: Any,
    active: ActiveRole,
    year: int,
    certificate_ids: list[int],
    late_reason: str = "",
    today: dt.date | None = None,
) -> Roster:
    """The employer submits its staff's certificates for verification, in one batch.
    Individuals may not apply (L10: 年度验证不接受个人申请)."""
    today = today or timezone.localdate()
    if active.role not in EMPLOYER_ROLES:
        raise ServiceError("年度验证不接受个人申请，由单位统一办理。")
    employer = active.assignment.employer
    assert employer is not None
    if not certificate_ids:
        raise ServiceError("请选择要报送验证的证书。")
    certificates = list(
        Certificate.objects.select_for_update()
        .filter(pk__in=certificate_ids, professional__employer=employer)
        .select_related("professional")
    )
    if len(certificates) != len(set(certificate_ids)):
        raise ServiceError("所选证书中有不属于本单位人员的证书。")
    for certificate in certificates:
        if certificate.year != year:
            raise ServiceError(f"证书 {certificate.number} 不是 {year} 年度的证书。")
        if certificate.status != CertificateStatus.VALID:
            raise ServiceError(f"证书 {certificate.number} 已{certificate.get_status_display()}。")
        if certificate.stamped:
            raise ServiceError(f"证书 {certificate.number} 已验证盖章。")
        if not certificate.stamp_required:
            raise ServiceError(f"证书 {certificate.number} 按规定无需人社部门验证盖章。")
        if RosterEntry.objects.filter(
            certificate=certificate, roster__status=RosterStatus.SUBMITTED
        ).exists():
            raise ServiceError(f"证书 {certificate.number} 已在待验证的花名册中。")
    region = employer.region_id
    policy = current_policy()
    try:
        due = deadline(policy, "verification_roster", region, year=year)
    except RuleNotSet:
        due = None
    late_reason = late_reason.strip()
    if due is not None and due.opens is None and today > due.due:
        forfeit = policy.resolve("verification.forfeit", region, assessment_date(year))
        exceptions = set((forfeit.value.get("exceptions") or []) if forfeit else [])
        max_years = int(forfeit.value.get("max_years", 0)) if forfeit else 0
        allowed = late_reason in exceptions and today.year - year <= max_years + 1
        if not allowed:
            rule = f"依据：{forfeit.reference}" if forfeit else f"依据：{due.reference}"
            raise ServiceError(
                f"{year} 年度验证花名册应于 {due.due} 前报送，已逾期，视同放弃验证"
                f"（长期外出培训、病假等特殊情况且不超过 2 年的除外）。{rule}"
            )
    roster = Roster.objects.create(
        employer=employer, region_id=region, year=year, submitted_by=actor, late_reason=late_reason
    )
    RosterEntry.objects.bulk_create(
        [RosterEntry(roster=roster, certificate=c) for c in certificates]
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="roster_submit",
        target=roster,
        to_status=roster.status,
        comment=late_reason,
        data={"certificates": [c.number for c in certificates]},
    )
    return roster


def next_verification_day(region: str, today: dt.date) -> dt.date | None:
    policy = current_policy()
    day = today
    for _ in range(3):
        try:
            days = verification_days(policy, region, day.year, day.month)
        except RuleNotSet:
            return None
        later = [d for d in days if d >= today]
        if later:
            return later[0]
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return None


@transaction.atomic
def roster_process(
    *, actor: Any, active: ActiveRole, roster_id: int, today: dt.date | None = None
) -> Roster:
    """The bureau verifies a roster and stamps its certificates, on a verification day where
    the policy sets them (S12)."""
    today = today or timezone.localdate()
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("证书验证由人社部门办理。")
    region = active.assignment.region
    assert region is not None
    try:
        roster = Roster.objects.select_for_update().get(
            pk=roster_id, region__path__startswith=region.path
        )
    except Roster.DoesNotExist:
        raise ServiceError("花名册不存在，或不在您的管辖范围内。") from None
    if roster.status != RosterStatus.SUBMITTED:
        raise ServiceError(f"该花名册{roster.get_status_display()}。")
    policy = current_policy()
    try:
        days = verification_days(policy, roster.region_id, today.year, today.month)
    except RuleNotSet:
        days = None
    rule_text = ""
    try:
        window = deadline(policy, "verification_roster", roster.region_id, year=roster.year)
    except RuleNotSet:
        window = None
    if (
        window is not None
        and window.opens is not None
        and not (window.opens <= today <= window.due)
    ):
        raise ServiceError(
            f"{roster.year} 年度验证登记时间为 {window.opens} 至 {window.due}"
            f"（当年参加职称评审人员；其他人员另行通知）。依据：{window.reference}"
        )
    if days is not None:
        if today not in days:
            upcoming = next_verification_day(roster.region_id, today)
            hint = f"下一个受理日是 {upcoming}。" if upcoming else ""
            raise ServiceError(
                f"{today} 不是证书验证受理日（每月10日、15日、20日、25日、30日，"
                f"遇休息日顺延）。{hint}"
            )
        rule_text = str(policy.resolve("verification.days", roster.region_id, today).reference)  # type: ignore[union-attr]
    now = timezone.now()
    entries = list(
        roster.entries.select_related("certificate").select_for_update(of=("self", "certificate"))
    )
    for entry in entries:
        certificate = entry.certificate
        certificate_rule_text = str(
            certificate_rule(certificate.professional, certificate.year).reference
        )
        certificate.stamped_at = now
        certificate.stamped_by = actor
        certificate.stamp_rule = "；".join(filter(None, [certificate_rule_text, rule_text]))
        certificate.save(update_fields=["stamped_at", "stamped_by", "stamp_rule"])
        entry.stamped = True
        entry.save(update_fields=["stamped"])
        audit_event_write(
            actor=actor,
            role=active.role,
            action="stamp",
            target=certificate,
            comment=f"花名册 #{roster.pk}",
            policy_version=certificate.policy_version,
        )
    roster.status = RosterStatus.PROCESSED
    roster.processed_at = now
    roster.processed_by = actor
    roster.save(update_fields=["status", "processed_at", "processed_by"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="roster_process",
        target=roster,
        from_status=RosterStatus.SUBMITTED,
        to_status=roster.status,
    )
    return roster


def region_label(region: Region) -> str:
    return " ".join(r.name for r in reversed(_chain(region)) if r.level != "national")


def _chain(region: Region) -> list[Region]:
    result = []
    current: Region | None = region
    while current is not None:
        result.append(current)
        current = current.parent
    return result
