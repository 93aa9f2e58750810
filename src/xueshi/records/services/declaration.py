"""学时申报: a professional, their employer or a provider declares hours, checked against
the policy of the credited year."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile
from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.accounts.scope import CHAIN_ROLE
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.class_catalogue import FiledClass, ProofFacts, catalogue
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services.chains import chain_for, chain_snapshot
from xueshi.records.services.class_match import (
    Declared,
    class_match,
    filed_class_or_refuse,
    free_text_covered,
    proof_kept,
    proof_or_refuse,
)
from xueshi.records.services.evidence import (
    evidence_attach,
    evidence_files_removed_on_failure,
    evidence_hashes,
    evidence_precheck,
)
from xueshi.records.services.integrity import (
    integrity_check,
    integrity_flags_write,
    learning_of,
)
from xueshi.records.services.transitions import hour_record_transition
from xueshi.rules import Category
from xueshi.rules.evaluate import category_span_of
from xueshi.rules.workflow import Action, RecordState


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


# The most a single record may claim; the notices' yearly totals are 72–90 hours.
MAX_HOURS = Decimal(1000)


def check_learning(
    *, start_date: dt.date, end_date: dt.date, hours: Decimal, credited_year: int, today: dt.date
) -> None:
    if end_date < start_date:
        raise ServiceError("结束日期不能早于开始日期。", field="end_date")
    if end_date > today:
        raise ServiceError("尚未结束的学习不能申报。", field="end_date")
    if hours <= 0:
        raise ServiceError("学时应大于 0。", field="hours")
    if hours > MAX_HOURS:
        raise ServiceError(f"一条记录的学时不能超过 {MAX_HOURS} 学时。", field="hours")
    if credited_year > end_date.year:
        # Learning taken before the year it is credited to does not count for that year.
        raise ServiceError(
            f"归属年度（{credited_year} 年）不能晚于学习结束的年度（{end_date.year} 年）。",
            field="credited_year",
        )


def _check_category_recognised(
    professional: Professional, category: str, year: int, end_date: dt.date
) -> None:
    """Categories the region does not count (elective in Luojiang) are refused: those of the
    rule in force on the day the learning ended, in a year that straddles a change of what
    counts (docs/adr/0006)."""
    try:
        cat = Category(category)
    except ValueError:
        raise ServiceError("请选择科目类别。", field="category") from None
    span = category_span_of(
        current_policy(), professional.region_id, year, person_of(professional), end_date
    )
    if cat not in span.categories and span.reference is not None:
        when = f"{year} 年度" if span.first.month == 1 and span.first.day == 1 else ""
        when = when or f"{span.first} 起"
        raise ServiceError(
            f"{professional.region} {when}不设{cat.label}。依据：{span.reference.citation}",
            field="category",
        )


@evidence_files_removed_on_failure()
@transaction.atomic
def hour_record_declare(
    *,
    actor: User,
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
    class_plan_id: int | None = None,
    proof_text: str = "",
) -> HourRecord:
    """学时申报: a professional (or their employer, or a provider) declares hours.

    ``class_plan_id``: the filed class declared (its title and provider are the class's;
    the declaration is compared with the class, the roster and, with ``proof_text`` — the
    QR text of the provider's proof — the proof, whose PDF becomes evidence). Free text is
    for what no filed class covers.

    All or nothing: a refusal (by the policy, or of one of the files) saves no record and
    leaves no file on disk."""
    today = today or clock.today()
    if not _may_act_for(active, professional):
        raise ServiceError("您不能为该专业技术人员申报学时。")
    credited_year = credited_year or end_date.year
    evidence = list(evidence or [])
    filed: FiledClass | None = None
    proof: ProofFacts | None = None
    if class_plan_id is not None:
        filed = filed_class_or_refuse(professional, class_plan_id)
        content, provider_name, form = filed.title, filed.provider_name, "training"
        if proof_text:
            proof = proof_or_refuse(professional, proof_text, filed)
            found = catalogue()
            assert found is not None  # proof_or_refuse needs one
            name, data = found.proof_file(number=proof.number)
            evidence.append(SimpleUploadedFile(name, data, content_type="application/pdf"))
    elif proof_text:
        raise ServiceError("请选择证明对应的已备案培训班。", field="class_plan")
    else:
        covered = free_text_covered(professional, credited_year, content)
        if covered is not None:
            raise ServiceError(
                f"“{covered.title}”是已备案的培训班（{covered.provider_name}，"
                f"备案编号 {covered.filing_number}），请在“已备案培训班”中选择，不要自行填写。",
                field="class_plan",
            )
    check_learning(
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        credited_year=credited_year,
        today=today,
    )
    _check_category_recognised(professional, category, credited_year, end_date)
    if required and category != Category.PUBLIC:
        raise ServiceError("只有公需科目区分必修，其他类别不能标为必修。", field="required")
    evidence_precheck(list(evidence or []))
    chain = chain_for(professional, category, credited_year, end_date)
    role = CHAIN_ROLE[active.role]
    if role not in chain.entered_by:
        who = "、".join(r.label for r in chain.entered_by)
        raise ServiceError(
            f"{Category(category).label}学时由{who}登记，{role.label}不能申报。"
            f"依据：{chain.reference.citation}",
            field="category",
        )
    findings = integrity_check(
        professional=professional,
        entry=learning_of(
            category=category,
            content=content,
            start=start_date,
            end=end_date,
            hours=hours,
            mode=mode,
            provider=provider_name,
            class_id=filed.class_plan_id if filed is not None else None,
        ),
        evidence_hashes=evidence_hashes(list(evidence or [])),
        year=credited_year,
    )
    match: dict[str, object] = {}
    if filed is not None:
        found = catalogue()
        assert found is not None
        match, mismatch = class_match(
            declared=Declared(category, start_date, end_date, hours),
            filed=filed,
            on_roster=found.on_roster(
                class_plan_id=filed.class_plan_id, professional_id=professional.pk
            ),
            proof=proof_kept(proof) if proof is not None else None,
        )
        findings = [*findings, *mismatch]
    record = HourRecord.objects.create(
        professional=professional,
        class_plan_id=filed.class_plan_id if filed is not None else None,
        provider_id=filed.provider_id if filed is not None else None,
        proof_number=proof.number if proof is not None else "",
        class_match=match,
        category=category,
        hours=hours,
        mode=mode,
        form=form,
        content=content,
        provider_name=provider_name,
        start_date=start_date,
        end_date=end_date,
        credited_year=credited_year,
        required=required,
        status=RecordState.DRAFT,
        chain=chain_snapshot(chain),
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
    integrity_flags_write(record=record, findings=findings, actor=actor, role=active.role)
    if submit:
        record = hour_record_transition(
            record_id=record.pk, actor=actor, active=active, action=Action.SUBMIT
        )
    return record
