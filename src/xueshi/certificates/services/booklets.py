"""Booklets (继续教育证书（登记册）, Guangde): first issue, renewal when full, replacement
when lost, and re-entering a replaced booklet's professional hours against evidence (G5)."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.models import (
    Booklet,
    BookletIssue,
    BookletIssueKind,
    BookletReentry,
    CertificateShape,
)
from xueshi.certificates.selectors import reentries_pending
from xueshi.certificates.services.certificates import certificate_rule, number_next
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import professionals_visible
from xueshi.records.evidence import evidence_check
from xueshi.records.models import HourRecord
from xueshi.records.services import evidence_attach


@transaction.atomic
def booklet_issue(
    *,
    actor: User,
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
    year = clock.year()
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
            booklet.reentry_since = clock.now()
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


@transaction.atomic
def booklet_reentry_confirm(
    *, actor: User, active: ActiveRole, record_id: int, upload: UploadedFile
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
