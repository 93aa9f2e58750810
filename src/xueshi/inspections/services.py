"""Every write of an inspection: the draw, an inspector assigned, a finding recorded, a
sanction applied. Each in one transaction with its audit rows; a bureau acts only within
its region."""

from __future__ import annotations

import secrets
from collections import defaultdict
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Model

from xueshi import clock, standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.models import Certificate, CertificateStatus
from xueshi.errors import ServiceError
from xueshi.inspections.models import (
    Inspection,
    InspectionItem,
    InspectionKind,
    ItemResult,
    Sanction,
    SanctionKind,
    Stratum,
)
from xueshi.inspections.sampling import draw
from xueshi.organisations.models import Provider, ProviderFilingStatus, Region
from xueshi.records.evidence import evidence_check
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus

NO_CLASS = "未关联培训班"


def _bureau_region(active: ActiveRole) -> Region:
    region = active.assignment.region
    if active.role != Role.BUREAU_STAFF or region is None:
        raise ServiceError("只有人力资源和社会保障部门可以组织抽查。")
    return region


def _population(region: Region, year: int, kind: str, stratify: str) -> dict[str, dict[int, str]]:
    """{stratum label: {id: the item's label}} of what may be drawn."""
    population: dict[str, dict[int, str]] = defaultdict(dict)
    if kind == InspectionKind.CLASSES:
        plans = ClassPlan.objects.filter(
            region__path__startswith=region.path, start_date__year=year, status=ClassStatus.APPROVED
        ).select_related("provider", "region")
        for plan in plans:
            key = {
                Stratum.PROVIDER: plan.provider.name,
                Stratum.DISTRICT: plan.region.name,
            }.get(Stratum(stratify), "")
            population[key][plan.pk] = (
                f"{plan.title}（{plan.provider.name}，{plan.start_date}至{plan.end_date}）"
            )
    elif kind == InspectionKind.RECORDS:
        records = HourRecord.objects.filter(
            professional__region__path__startswith=region.path,
            credited_year=year,
            status=RecordState.APPROVED,
        ).select_related("professional__region", "class_plan__provider")
        for record in records:
            provider = record.class_plan.provider.name if record.class_plan else NO_CLASS
            key = {
                Stratum.PROVIDER: provider,
                Stratum.DISTRICT: record.professional.region.name,
            }.get(Stratum(stratify), "")
            population[key][record.pk] = (
                f"{record.professional.full_name}：{record.content}"
                f"（{record.hours} 学时，{record.start_date}至{record.end_date}）"
            )
    else:
        if stratify == Stratum.PROVIDER:
            raise ServiceError("证书不按施教机构分层，请选择按地区分层或不分层。")
        certificates = Certificate.objects.filter(
            region__path__startswith=region.path, year=year, status=CertificateStatus.VALID
        ).select_related("professional", "region")
        for certificate in certificates:
            key = certificate.region.name if stratify == Stratum.DISTRICT else ""
            population[key][certificate.pk] = (
                f"{certificate.number} {certificate.professional.full_name}"
            )
    return population


@transaction.atomic
def inspection_draw(
    *,
    actor: User,
    active: ActiveRole,
    year: int,
    kind: str,
    share: Decimal,
    stratify: str,
    seed: str = "",
) -> Inspection:
    """Draw a sample. The seed (given, or made here) is kept: the same seed drawn again from
    the same population gives the same sample."""
    region = _bureau_region(active)
    if kind not in InspectionKind.values or stratify not in Stratum.values:
        raise ServiceError("抽查对象或分层方式无效。")
    if not 2000 <= year <= clock.year():
        raise ServiceError(f"年度应在 2000 至 {clock.year()} 之间。", field="year")
    if not Decimal(0) < share <= 100:
        raise ServiceError("抽查比例应大于 0、不超过 100。", field="share")
    seed = seed.strip()[:64] or secrets.token_hex(8)
    population = _population(region, year, kind, stratify)
    total = sum(len(members) for members in population.values())
    label = InspectionKind(kind).label
    if not total:
        raise ServiceError(f"{region.name} {year} 年度没有可抽查的{label}。")
    drawn = draw({k: list(v) for k, v in population.items()}, share, seed)
    inspection = Inspection.objects.create(
        region=region,
        year=year,
        kind=kind,
        share=share,
        stratify=stratify,
        seed=seed,
        population=total,
        title=f"{region.name} {year} 年度{label}抽查（{share.normalize()}%）",
        created_by=actor,
    )
    InspectionItem.objects.bulk_create(
        InspectionItem(
            inspection=inspection,
            target_id=target,
            label=population[stratum][target][:300],
            stratum=stratum[:100],
        )
        for stratum, targets in drawn.items()
        for target in targets
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="inspection_draw",
        target=inspection,
        data={
            "year": year,
            "kind": kind,
            "share": str(share),
            "stratify": stratify,
            "seed": seed,
            "population": total,
            "drawn": sum(len(t) for t in drawn.values()),
        },
    )
    return inspection


def _item_locked(active: ActiveRole, item_id: int) -> InspectionItem:
    region = _bureau_region(active)
    try:
        return (
            InspectionItem.objects.select_for_update(of=("self",))
            .select_related("inspection")
            .get(pk=item_id, inspection__region__path__startswith=region.path)
        )
    except InspectionItem.DoesNotExist:
        raise ServiceError("抽查对象不存在，或不在您的管辖范围内。") from None


@transaction.atomic
def inspection_assign(
    *, actor: User, active: ActiveRole, item_id: int, inspector_id: int
) -> InspectionItem:
    item = _item_locked(active, item_id)
    allowed = RoleAssignment.objects.filter(
        user_id=inspector_id,
        role=Role.BUREAU_STAFF,
        region__path__startswith=item.inspection.region.path,
    ).exists()
    if not allowed:
        raise ServiceError("检查人须为本地区人力资源和社会保障部门的工作人员。", field="inspector")
    if item.inspector_id == inspector_id:
        return item
    before = item.inspector_id
    item.inspector_id = inspector_id
    item.save(update_fields=["inspector"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="inspection_assign",
        target=item,
        data={"inspector": inspector_id, "before": before},
    )
    return item


@transaction.atomic
def inspection_finding_record(
    *,
    actor: User,
    active: ActiveRole,
    item_id: int,
    result: str,
    finding: str,
    evidence: UploadedFile | None = None,
) -> InspectionItem:
    item = _item_locked(active, item_id)
    if result not in (ItemResult.PASSED, ItemResult.PROBLEM):
        raise ServiceError("请选择检查结果。", field="result")
    finding = finding.strip()
    if result == ItemResult.PROBLEM and not finding:
        raise ServiceError("发现问题时须写明检查情况。", field="finding")
    if item.sanctions.exists():
        raise ServiceError("该对象已作出处理，检查结果不能再更改。")
    sha256 = ""
    if evidence is not None:
        content_type, sha256, _ = evidence_check(evidence)  # as a record's evidence
        evidence.seek(0)
        suffix = {"application/pdf": ".pdf", "image/jpeg": ".jpg"}.get(content_type, ".png")
        item.evidence.save(f"{sha256[:20]}{suffix}", evidence, save=False)
        item.evidence_sha256 = sha256
    before = item.result
    item.result, item.finding = result, finding
    item.decided_by, item.decided_at = actor, clock.now()
    item.save()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="inspection_finding",
        target=item,
        from_status=before,
        to_status=result,
        comment=finding[:500],
        data={"evidence_sha256": sha256},
    )
    return item


def _provider_of(item: InspectionItem) -> Provider | None:
    kind = item.inspection.kind
    if kind == InspectionKind.CLASSES:
        return Provider.objects.filter(classes__pk=item.target_id).first()
    if kind == InspectionKind.RECORDS:
        return Provider.objects.filter(classes__hour_records__pk=item.target_id).first()
    return None


def _not_recognised(
    actor: User, active: ActiveRole, item: InspectionItem, reason: str
) -> tuple[int, list[Certificate]]:
    """The item's records not recognised: rejected with the reason, audited one by one, the
    people's standing updated; the certificates of those people and years returned."""
    kind = item.inspection.kind
    if kind == InspectionKind.CERTIFICATES:
        raise ServiceError("证书抽查发现问题的，请在证书页面撤销或换发该证书。")
    # Rejected already, or voided by the system that pushed it: nothing left to sanction.
    records = HourRecord.objects.select_for_update(of=("self",)).exclude(
        status__in=(RecordState.REJECTED, RecordState.VOIDED)
    )
    if kind == InspectionKind.CLASSES:
        records = records.filter(class_plan_id=item.target_id)
    else:
        records = records.filter(pk=item.target_id)
    changed = list(records.order_by("pk"))
    comment = f"抽查不予认定：{reason}"[:500]
    for record in changed:
        before = record.status
        record.status = RecordState.REJECTED.value
        record.last_comment = comment
        record.save(update_fields=["status", "last_comment", "updated_at"])
        audit_event_write(
            actor=actor,
            role=active.role,
            action="inspection_not_recognised",
            target=record,
            from_status=before,
            to_status=record.status,
            comment=comment,
            policy_version=record.policy_version,
            data={"inspection_item": item.pk},
        )
        standing.record_changed(record=record)
    people_years = {(r.professional_id, r.credited_year) for r in changed}
    certificates = [
        c
        for c in Certificate.objects.filter(
            professional_id__in={p for p, _ in people_years}, status=CertificateStatus.VALID
        ).order_by("pk")
        if (c.professional_id, c.year) in people_years
    ]
    return len(changed), certificates


@transaction.atomic
def sanction_apply(
    *, actor: User, active: ActiveRole, item_id: int, kind: str, reason: str
) -> Sanction:
    item = _item_locked(active, item_id)
    if kind not in SanctionKind.values:
        raise ServiceError("处理方式无效。", field="kind")
    reason = reason.strip()
    if not reason:
        raise ServiceError("请写明处理理由。", field="reason")
    if item.result != ItemResult.PROBLEM:
        raise ServiceError("须先记录发现的问题，才能作出处理。")
    if item.sanctions.filter(kind=kind).exists():
        raise ServiceError(f"该对象已作出“{SanctionKind(kind).label}”处理。")
    provider = _provider_of(item)
    records, certificates = 0, list[Certificate]()
    if kind == SanctionKind.NOT_RECOGNISED:
        records, certificates = _not_recognised(actor, active, item, reason)
    elif kind in (SanctionKind.FILING_SUSPENDED, SanctionKind.FILING_REVOKED):
        if provider is None:
            raise ServiceError("该抽查对象没有关联的施教机构。")
        provider = Provider.objects.select_for_update().get(pk=provider.pk)
        status = (
            ProviderFilingStatus.SUSPENDED
            if kind == SanctionKind.FILING_SUSPENDED
            else ProviderFilingStatus.REVOKED
        )
        before = provider.filing_status
        provider.filing_status = status
        provider.save(update_fields=["filing_status"])
        _audit(actor, active, "provider_filing_status", provider, before, status, reason)
    sanction = Sanction.objects.create(
        item=item,
        kind=kind,
        reason=reason,
        provider=provider,
        records=records,
        published=kind == SanctionKind.CRITICISM,
        applied_by=actor,
    )
    sanction.certificates.set(certificates)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="sanction_apply",
        target=sanction,
        comment=reason[:500],
        data={
            "kind": kind,
            "item": item.pk,
            "records": records,
            "certificates": [c.number for c in certificates],
            "provider": provider.pk if provider else None,
        },
    )
    return sanction


def _audit(
    actor: User, active: ActiveRole, action: str, target: Model, before: str, after: str, why: str
) -> None:
    audit_event_write(
        actor=actor,
        role=active.role,
        action=action,
        target=target,
        from_status=before,
        to_status=after,
        comment=why[:500],
    )
