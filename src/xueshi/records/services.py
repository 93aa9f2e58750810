"""Every change of an hour record: declare, enter (providers' batches), and the review
transitions. Each is one transaction: the row is locked, the rules core decides, the record
is saved and an audit event is written with the policy version."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import connection, transaction
from django.utils import timezone

from xueshi import standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import CHAIN_ROLE
from xueshi.audit.services import audit_event_write, audit_events_write_many
from xueshi.db import BULK_BATCH, insert_like
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.evidence import evidence_check
from xueshi.records.models import Evidence, HourRecord, RecordSource
from xueshi.records.scope import records_visible
from xueshi.rules import Category, Mode, assessment_date, review_chain
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


# Files written to storage inside the current service call. A database rollback cannot take
# a file back, so the services that write evidence delete these when they fail.
_files_written: ContextVar[list[str] | None] = ContextVar("xueshi_evidence_written", default=None)

# The most a single record may claim; the notices' yearly totals are 72–90 hours.
MAX_HOURS = Decimal(1000)


@contextmanager
def evidence_files_removed_on_failure() -> Iterator[None]:
    """Delete the evidence files written inside the block if the block raises.

    Use it *around* the ``transaction.atomic`` block of a service: when the exception leaves
    the block the rows are rolled back, and the files go with them. Files kept by a block that
    succeeded are handed to an enclosing block, which removes them if it fails in turn.
    (An outer transaction that rolls back *after* the service returned is not seen here:
    views call these services outside any transaction of their own.)
    """
    outer = _files_written.get()
    written: list[str] = []
    token = _files_written.set(written)
    try:
        yield
    except BaseException:
        storage = Evidence._meta.get_field("file").storage
        for name in written:
            storage.delete(name)
        raise
    else:
        if outer is not None:
            outer.extend(written)
    finally:
        _files_written.reset(token)


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
    written = _files_written.get()
    if written is not None:
        written.append(evidence.file.name)
    evidence.save()
    return evidence


def _evidence_precheck(uploads: list[UploadedFile]) -> None:
    """Check every upload (type, size, duplicates among them) before anything is written."""
    seen: dict[str, str] = {}
    for upload in uploads:
        _, sha256, _ = evidence_check(upload)
        if sha256 in seen:
            raise ServiceError(
                f"文件“{upload.name}”与“{seen[sha256]}”内容相同，请勿重复上传。",
                field="evidence",
            )
        seen[sha256] = upload.name or "附件"


def _check_learning(
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


def _check_category_recognised(professional: Professional, category: str, year: int) -> None:
    """Categories the region does not have that year (elective in Luojiang) are refused."""
    try:
        cat = Category(category)
    except ValueError:
        raise ServiceError("请选择科目类别。", field="category") from None
    resolved = current_policy().resolve(
        "categories", professional.region_id, assessment_date(year), person_of(professional)
    )
    if resolved is not None and cat not in resolved.value:
        raise ServiceError(
            f"{professional.region} {year} 年度不设{cat.label}。"
            f"依据：{resolved.reference.citation}",
            field="category",
        )


def _suffix(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[content_type]


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
    """学时申报: a professional (or their employer, or a provider) declares hours.

    All or nothing: a refusal (by the policy, or of one of the files) saves no record and
    leaves no file on disk."""
    with evidence_files_removed_on_failure(), transaction.atomic():
        return _declare(
            actor=actor,
            active=active,
            professional=professional,
            category=category,
            content=content,
            hours=hours,
            start_date=start_date,
            end_date=end_date,
            credited_year=credited_year,
            mode=mode,
            form=form,
            required=required,
            provider_name=provider_name,
            evidence=evidence,
            submit=submit,
            today=today,
        )


def _declare(
    *,
    actor: Any,
    active: ActiveRole,
    professional: Professional,
    category: str,
    content: str,
    hours: Decimal,
    start_date: dt.date,
    end_date: dt.date,
    credited_year: int | None,
    mode: str,
    form: str,
    required: bool,
    provider_name: str,
    evidence: list[UploadedFile] | None,
    submit: bool,
    today: dt.date | None,
) -> HourRecord:
    today = today or timezone.localdate()
    if not _may_act_for(active, professional):
        raise ServiceError("您不能为该专业技术人员申报学时。")
    credited_year = credited_year or end_date.year
    _check_learning(
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        credited_year=credited_year,
        today=today,
    )
    _check_category_recognised(professional, category, credited_year)
    if required and category != Category.PUBLIC:
        raise ServiceError("只有公需科目区分必修，其他类别不能标为必修。", field="required")
    _evidence_precheck(list(evidence or []))
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
        credited_year=credited_year,
        required=required,
        status=RecordState.DRAFT,
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


def _locked(active: ActiveRole, record_id: int) -> HourRecord:
    """The record, locked until the transaction ends, if the active role's scope holds it.

    Only the record's own row is locked (``of``): the scope joins the professional and the
    region, and locking those would make every review in a region wait on one row."""
    try:
        return records_visible(active).select_for_update(of=("self",)).get(pk=record_id)
    except HourRecord.DoesNotExist:
        raise ServiceError("记录不存在，或不在您的管辖范围内。") from None


def _is_declarant(actor: Any, record: HourRecord) -> bool:
    """The user who declared the record, or the professional it belongs to."""
    user_id = getattr(actor, "pk", None)
    return user_id is not None and user_id in (
        record.declared_by_id,
        record.professional.user_id,
    )


@transaction.atomic
def hour_record_transition(
    *, record_id: int, actor: Any, active: ActiveRole, action: Action | str, comment: str = ""
) -> HourRecord:
    """Submit, approve, return, reject or resubmit one record, as the chain allows."""
    try:
        action = Action(action)
    except ValueError:
        raise ServiceError("未知的审核操作。") from None
    record = _locked(active, record_id)
    entered_by, steps = _chain_roles(record.chain)
    role = CHAIN_ROLE.get(active.role)
    if role is None:
        raise ServiceError("当前角色不能办理学时审核。")
    if action in (Action.SUBMIT, Action.RESUBMIT) and not _is_declarant(actor, record):
        raise ServiceError("只有申报人或本人可以提交该记录。")
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
    # The person's standing moves with the record (pending, counted): same transaction.
    standing.record_changed(record=record)
    return record


@dataclass(frozen=True, slots=True)
class ClassEntry:
    """What each learner's record of a class carries of the class, as plain values: the
    training app builds it (``training.selectors.class_entry``) and records reads no
    training object. ``class_plan_id`` fills the record's key to the class."""

    class_plan_id: int
    title: str
    category: Category
    required: bool
    hours: Decimal
    mode: Mode
    start_date: dt.date
    end_date: dt.date
    provider_id: int
    provider_name: str

    @property
    def credited_year(self) -> int:
        """A class's hours count for the year it ends in."""
        return self.end_date.year


@transaction.atomic
def hour_record_enter_for_class(
    *,
    actor: Any,
    active: ActiveRole,
    professional: Professional,
    entry: ClassEntry,
) -> tuple[HourRecord, bool]:
    """A provider enters the hours of a learner who passed a class: the batch entry of one
    (``hour_record_enter_for_class_bulk``). Idempotent: the same learner and class give the
    same record (created is False the second time)."""
    created = hour_record_enter_for_class_bulk(
        actor=actor, active=active, professional_ids=[professional.pk], entry=entry
    )
    record = HourRecord.objects.get(
        class_plan_id=entry.class_plan_id, professional=professional, source=RecordSource.BATCH
    )
    return record, professional.pk in created


Profile = tuple[str, str, str, str]


@transaction.atomic
def hour_record_enter_for_class_bulk(
    *,
    actor: Any,
    active: ActiveRole,
    professional_ids: Sequence[int],
    entry: ClassEntry,
) -> set[int]:
    """``hour_record_enter_for_class`` for a whole batch: the same records (entered, then
    submitted on the provider's own roster), the same two audit events each and the same
    ledger refresh, in a few statements instead of six per learner (bench/batch_xlsx.py).
    Idempotent like it: learners whose hours for the class are already entered are left
    alone. All or nothing: a learner whose chain the provider may not enter refuses the
    whole call. Returns the ids of the professionals whose record was created."""
    existing = set(
        HourRecord.objects.filter(
            class_plan_id=entry.class_plan_id, source=RecordSource.BATCH
        ).values_list("professional_id", flat=True)
    )
    todo = sorted(set(professional_ids) - existing)
    if not todo:
        return set()
    year = entry.credited_year
    policy_version = current_policy().version
    role = active.role
    # Records differ only by person, and their chain by the person's profile: one prototype
    # record per profile, its values prepared for the database once.
    people: dict[Profile, list[int]] = defaultdict(list)
    for start in range(0, len(todo), BULK_BATCH):
        for pk, *profile in Professional.objects.filter(
            pk__in=todo[start : start + BULK_BATCH]
        ).values_list("id", "region_id", "series", "title_level", "institution_level"):
            people[(profile[0], profile[1], profile[2], profile[3])].append(pk)
    prototypes: dict[Profile, HourRecord] = {}
    for key, ids in people.items():
        professional = Professional.objects.get(pk=ids[0])
        chain = chain_for(professional, entry.category, year)
        if ChainRole.PROVIDER not in chain.entered_by:
            who = "、".join(r.label for r in chain.entered_by)
            raise ServiceError(
                f"{entry.category.label}学时由{who}登记，施教机构不能批量登记。"
                f"依据：{chain.reference.citation}"
            )
        snapshot = _snapshot(chain)
        entered_by, steps = _chain_roles(snapshot)
        # The provider's own roster is the evidence of a class it ran (S6, L6).
        after = next_state(
            State(RecordState.DRAFT, 0),
            Action.SUBMIT,
            ChainRole.PROVIDER,
            entered_by=entered_by,
            steps=steps,
        )
        prototypes[key] = HourRecord(
            professional_id=ids[0],
            category=entry.category.value,
            hours=entry.hours,
            mode=entry.mode.value,
            form="training",
            content=entry.title,
            provider_id=entry.provider_id,
            provider_name=entry.provider_name,
            start_date=entry.start_date,
            end_date=entry.end_date,
            credited_year=year,
            required=entry.required,
            status=after.status.value,
            chain=snapshot,
            step=after.step,
            policy_version=policy_version,
            source=RecordSource.BATCH,
            class_plan_id=entry.class_plan_id,
            declared_by=actor,
            declared_role=role,
        )
        insert_like(prototypes[key], "professional_id", ids)
    # The new records' ids, for their audit events (a plain cursor: the ORM's row handling
    # cost twice the query at 100,000 records).
    meta = HourRecord._meta
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {meta.pk.column}, {meta.get_field('professional').column} "
            f"FROM {meta.db_table} WHERE {meta.get_field('class_plan').column} = %s "
            f"AND {meta.get_field('source').column} = %s",
            [entry.class_plan_id, RecordSource.BATCH.value],
        )
        created = {
            professional_id: record_id
            for record_id, professional_id in cursor.fetchall()
            if professional_id not in existing
        }
    for key, ids in people.items():
        targets = [created[pk] for pk in ids]
        common: dict[str, Any] = {
            "actor": actor,
            "role": role,
            "target_type": HourRecord,
            "target_ids": targets,
            "policy_version": policy_version,
        }
        audit_events_write_many(action="enter", to_status=RecordState.DRAFT.value, **common)
        audit_events_write_many(
            action=Action.SUBMIT.value,
            from_status=RecordState.DRAFT.value,
            to_status=prototypes[key].status,
            **common,
        )
        standing.records_entered(prototype=prototypes[key], professional_ids=ids)
    return set(created)


def hour_record_update_returned(
    *,
    record_id: int,
    actor: Any,
    active: ActiveRole,
    content: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    evidence: list[UploadedFile] | None = None,
    resubmit: bool = False,
    today: dt.date | None = None,
) -> HourRecord:
    """退回修改: the declarant (or the professional) corrects a returned record, adds evidence
    and, if asked, resubmits it, which restarts its review chain."""
    return _update(
        status=RecordState.RETURNED,
        then=Action.RESUBMIT,
        record_id=record_id,
        actor=actor,
        active=active,
        content=content,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        evidence=evidence,
        send=resubmit,
        today=today,
    )


def hour_record_update_draft(
    *,
    record_id: int,
    actor: Any,
    active: ActiveRole,
    content: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    evidence: list[UploadedFile] | None = None,
    submit: bool = False,
    today: dt.date | None = None,
) -> HourRecord:
    """A draft saved earlier is completed by its declarant and, if asked, submitted."""
    return _update(
        status=RecordState.DRAFT,
        then=Action.SUBMIT,
        record_id=record_id,
        actor=actor,
        active=active,
        content=content,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        evidence=evidence,
        send=submit,
        today=today,
    )


def _update(
    *,
    status: RecordState,
    then: Action,
    record_id: int,
    actor: Any,
    active: ActiveRole,
    content: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    evidence: list[UploadedFile] | None,
    send: bool,
    today: dt.date | None,
) -> HourRecord:
    today = today or timezone.localdate()
    with evidence_files_removed_on_failure(), transaction.atomic():
        record = _locked(active, record_id)
        if not _is_declarant(actor, record):
            raise ServiceError("只有申报人或本人可以修改该记录。")
        if record.status != status:
            raise ServiceError(
                f"该记录当前为“{RecordState(record.status).label}”，"
                f"只有“{status.label}”的记录可以修改。"
            )
        content = content.strip()
        if not content:
            raise ServiceError("请填写学习内容。", field="content")
        _check_learning(
            start_date=start_date,
            end_date=end_date,
            hours=hours,
            credited_year=record.credited_year,
            today=today,
        )
        uploads = list(evidence or [])
        _evidence_precheck(uploads)
        before = {
            "content": record.content,
            "start_date": record.start_date.isoformat(),
            "end_date": record.end_date.isoformat(),
            "hours": str(record.hours),
        }
        record.content = content[:200]
        record.start_date, record.end_date, record.hours = start_date, end_date, hours
        record.save(update_fields=["content", "start_date", "end_date", "hours", "updated_at"])
        added = [
            evidence_attach(record=record, upload=upload, actor=actor).original_name
            for upload in uploads
        ]
        after = {
            "content": record.content,
            "start_date": start_date.isoformat(),
            "end_date": end_date.isoformat(),
            "hours": str(hours),
        }
        changed = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        audit_event_write(
            actor=actor,
            role=active.role,
            action="update",
            target=record,
            from_status=record.status,
            to_status=record.status,
            policy_version=record.policy_version,
            data={"changed": changed, "evidence_added": added},
        )
        if send:
            record = hour_record_transition(
                record_id=record.pk, actor=actor, active=active, action=then
            )
        return record
