"""Every change of an hour record: declare, enter (providers' batches), and the review
transitions. Each is one transaction: the row is locked, the rules core decides, the record
is saved and an audit event is written with the policy version."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import CHAIN_ROLE, records_visible
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy, person_of
from xueshi.records.evidence import evidence_check
from xueshi.records.models import Evidence, HourRecord, RecordSource, RecordStatus
from xueshi.rules import Category, assessment_date, review_chain
from xueshi.rules.chains import Chain
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action, RecordState, State, TransitionNotAllowed, next_state


def chain_for(professional: Professional, category: str, credited_year: int) -> Chain:
    """The review chain of the category for the professional's region and series, as the
    rules of the credited year set it (read at the year's close, like its requirement:
    rules/periods.py). Hours of 2016 in Shantou follow the 2014 notice's chain, hours of
    2019 the provincial 2018 opinion's."""
    day = assessment_date(credited_year)
    chain = review_chain(
        current_policy(),
        region=professional.region_id,
        category=Category(category),
        day=day,
        person=person_of(professional),
    )
    if chain is None:
        raise ServiceError(
            f"{professional.region}没有规定 {credited_year} 年度{Category(category).label}的"
            "登记与审核流程，无法登记。",
            field="category",
        )
    return chain


def _snapshot(chain: Chain) -> dict[str, Any]:
    return {
        "entered_by": [str(r) for r in chain.entered_by],
        "steps": [str(r) for r in chain.steps],
        "evidence_required": chain.evidence_required,
        "reference": str(chain.reference),
        "region": chain.region,
    }


def _chain_roles(snapshot: dict[str, Any]) -> tuple[tuple[ChainRole, ...], tuple[ChainRole, ...]]:
    return (
        tuple(ChainRole(r) for r in snapshot.get("entered_by", [])),
        tuple(ChainRole(r) for r in snapshot.get("steps", [])),
    )


def _may_act_for(active: ActiveRole, professional: Professional) -> bool:
    """Whether the active role may declare on behalf of ``professional``."""
    a = active.assignment
    match active.role:
        case Role.PROFESSIONAL:
            return professional.user_id == a.user_id
        case Role.EMPLOYER_ADMIN | Role.EMPLOYER_REVIEWER:
            return (
                professional.employer_id is not None and professional.employer_id == a.employer_id
            )
        case Role.PROVIDER_STAFF:
            return professional.enrollments.filter(class_plan__provider=a.provider).exists()
    return False


def evidence_attach(*, record: HourRecord, upload: UploadedFile, actor: Any) -> Evidence:
    content_type, sha256, size = evidence_check(upload)
    if record.evidence.filter(sha256=sha256).exists():
        raise ServiceError(f"文件“{upload.name}”已上传过。", field="evidence")
    evidence = Evidence(
        record=record,
        original_name=(upload.name or "附件")[:200],
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=actor,
    )
    evidence.file.save(f"{sha256[:16]}{_suffix(content_type)}", upload, save=False)
    evidence.save()
    return evidence


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[content_type]


@transaction.atomic
def hour_record_declare(
    *,
    actor: Any,
    active: ActiveRole,
    professional: Professional,
    category: str,
    content: str,
    hours: Decimal,
    start_date: dt.date,
    end_date: dt.date,
    credited_year: int | None = None,
    mode: str = "face_to_face",
    form: str = "training",
    required: bool = False,
    provider_name: str = "",
    evidence: list[UploadedFile] | None = None,
    submit: bool = True,
    today: dt.date | None = None,
) -> HourRecord:
    """学时申报: a professional (or their employer, or a provider) declares hours."""
    today = today or timezone.localdate()
    if not _may_act_for(active, professional):
        raise ServiceError("您不能为该专业技术人员申报学时。")
    if end_date < start_date:
        raise ServiceError("结束日期不能早于开始日期。", field="end_date")
    if end_date > today:
        raise ServiceError("尚未结束的学习不能申报。", field="end_date")
    if hours <= 0:
        raise ServiceError("学时应大于 0。", field="hours")
    credited_year = credited_year or end_date.year
    chain = chain_for(professional, category, credited_year)
    role = CHAIN_ROLE[active.role]
    if role not in chain.entered_by:
        who = "、".join(r.label for r in chain.entered_by)
        raise ServiceError(
            f"{Category(category).label}学时由{who}登记，{role.label}不能申报。"
            f"依据：{chain.reference.citation}",
            field="category",
        )
    record = HourRecord.objects.create(
        professional=professional,
        category=category,
        hours=hours,
        mode=mode,
        form=form,
        content=content,
        provider_name=provider_name,
        start_date=start_date,
        end_date=end_date,
        credited_year=credited_year or end_date.year,
        required=required,
        status=RecordStatus.DRAFT,
        chain=_snapshot(chain),
        step=0,
        policy_version=current_policy().version,
        source=RecordSource.DECLARATION,
        declared_by=actor,
        declared_role=active.role,
    )
    for upload in evidence or []:
        evidence_attach(record=record, upload=upload, actor=actor)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="declare",
        target=record,
        to_status=record.status,
        policy_version=record.policy_version,
    )
    if submit:
        record = hour_record_transition(
            record_id=record.pk, actor=actor, active=active, action=Action.SUBMIT
        )
    return record


@transaction.atomic
def hour_record_transition(
    *, record_id: int, actor: Any, active: ActiveRole, action: Action | str, comment: str = ""
) -> HourRecord:
    """Submit, approve, return, reject or resubmit one record, as the chain allows."""
    action = Action(action)
    try:
        record = records_visible(active).select_for_update().get(pk=record_id)
    except HourRecord.DoesNotExist:
        raise ServiceError("记录不存在，或不在您的管辖范围内。") from None
    entered_by, steps = _chain_roles(record.chain)
    role = CHAIN_ROLE.get(active.role)
    if role is None:
        raise ServiceError("当前角色不能办理学时审核。")
    before = RecordState(record.status)
    comment = comment.strip()
    if action in (Action.RETURN, Action.REJECT) and not comment:
        raise ServiceError("退回或不予认定时须填写理由。", field="comment")
    needs_evidence = action in (Action.SUBMIT, Action.RESUBMIT) and record.chain.get(
        "evidence_required"
    )
    if needs_evidence and not record.evidence.exists():
        raise ServiceError(
            "该类别学时须上传证明材料，未上传的不予认定。"
            f"依据：{record.chain.get('reference', '')}",
            field="evidence",
        )
    try:
        after = next_state(
            State(before, record.step), action, role, entered_by=entered_by, steps=steps
        )
    except TransitionNotAllowed as exc:
        raise ServiceError(str(exc)) from None
    record.status = after.status.value
    record.step = after.step
    if comment:
        record.last_comment = comment
    record.save(update_fields=["status", "step", "last_comment", "updated_at"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action=action.value,
        target=record,
        from_status=before.value,
        to_status=after.status.value,
        comment=comment,
        policy_version=record.policy_version,
        data={"step": after.step},
    )
    return record


@transaction.atomic
def hour_record_enter_for_class(
    *,
    actor: Any,
    active: ActiveRole,
    professional: Professional,
    class_plan: Any,
    today: dt.date | None = None,
) -> tuple[HourRecord, bool]:
    """A provider enters the hours of a learner who passed a class. Idempotent: the same
    learner and class give the same record (created is False the second time)."""
    today = today or timezone.localdate()
    existing = HourRecord.objects.filter(
        class_plan=class_plan, professional=professional, source=RecordSource.BATCH
    ).first()
    if existing is not None:
        return existing, False
    chain = chain_for(professional, class_plan.category, class_plan.end_date.year)
    if ChainRole.PROVIDER not in chain.entered_by:
        who = "、".join(r.label for r in chain.entered_by)
        raise ServiceError(
            f"{Category(class_plan.category).label}学时由{who}登记，施教机构不能批量登记。"
            f"依据：{chain.reference.citation}"
        )
    record = HourRecord.objects.create(
        professional=professional,
        category=class_plan.category,
        hours=class_plan.hours,
        mode=class_plan.mode,
        form="training",
        content=class_plan.title,
        provider=class_plan.provider,
        provider_name=class_plan.provider.name,
        start_date=class_plan.start_date,
        end_date=class_plan.end_date,
        credited_year=class_plan.end_date.year,
        required=class_plan.required,
        status=RecordStatus.DRAFT,
        chain=_snapshot(chain),
        step=0,
        policy_version=current_policy().version,
        source=RecordSource.BATCH,
        class_plan=class_plan,
        declared_by=actor,
        declared_role=active.role,
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="enter",
        target=record,
        to_status=record.status,
        policy_version=record.policy_version,
    )
    # The provider's own roster is the evidence of a class it ran (S6, L6).
    entered_by, steps = _chain_roles(record.chain)
    after = next_state(
        State(RecordState.DRAFT, 0),
        Action.SUBMIT,
        ChainRole.PROVIDER,
        entered_by=entered_by,
        steps=steps,
    )
    record.status, record.step = after.status.value, after.step
    record.save(update_fields=["status", "step", "updated_at"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action=Action.SUBMIT.value,
        target=record,
        from_status=RecordState.DRAFT.value,
        to_status=record.status,
        policy_version=record.policy_version,
    )
    return record, True
