"""A returned record or a saved draft corrected by its declarant, then resubmitted or
submitted if asked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord
from xueshi.records.services.class_match import Declared, class_match_again
from xueshi.records.services.declaration import check_learning
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
from xueshi.records.services.transitions import hour_record_transition, is_declarant, record_locked
from xueshi.rules.workflow import Action, RecordState


def hour_record_update_returned(
    *,
    record_id: int,
    actor: User,
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
    actor: User,
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
    actor: User,
    active: ActiveRole,
    content: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    evidence: list[UploadedFile] | None,
    send: bool,
    today: dt.date | None,
) -> HourRecord:
    today = today or clock.today()
    with evidence_files_removed_on_failure(), transaction.atomic():
        record = record_locked(active, record_id)
        if not is_declarant(actor, record):
            raise ServiceError("只有申报人或本人可以修改该记录。")
        if record.status != status:
            raise ServiceError(
                f"该记录当前为“{RecordState(record.status).label}”，"
                f"只有“{status.label}”的记录可以修改。"
            )
        content = content.strip()
        if not content:
            raise ServiceError("请填写学习内容。", field="content")
        check_learning(
            start_date=start_date,
            end_date=end_date,
            hours=hours,
            credited_year=record.credited_year,
            today=today,
        )
        uploads = list(evidence or [])
        evidence_precheck(uploads)
        # The corrected learning is checked like a new one, against the person's other
        # records (an edit must not make a duplicate the declaration would have refused).
        findings = integrity_check(
            professional=record.professional,
            entry=learning_of(
                key=record.pk,
                category=record.category,
                content=content,
                start=start_date,
                end=end_date,
                hours=hours,
                mode=record.mode,
                provider=record.provider_name,
                class_id=record.class_plan_id,
            ),
            evidence_hashes=evidence_hashes(uploads),
            year=record.credited_year,
        )
        if record.class_match and record.class_plan_id is not None:
            # A declaration of a filed class is compared again as corrected.
            record.class_match, mismatch = class_match_again(
                professional=record.professional,
                class_plan_id=record.class_plan_id,
                kept=record.class_match,
                declared=Declared(record.category, start_date, end_date, hours),
            )
            findings = [*findings, *mismatch]
        before = {
            "content": record.content,
            "start_date": record.start_date.isoformat(),
            "end_date": record.end_date.isoformat(),
            "hours": str(record.hours),
        }
        record.content = content[:200]
        record.start_date, record.end_date, record.hours = start_date, end_date, hours
        record.save(
            update_fields=[
                "content",
                "start_date",
                "end_date",
                "hours",
                "class_match",
                "updated_at",
            ]
        )
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
        integrity_flags_write(record=record, findings=findings, actor=actor, role=active.role)
        if send:
            record = hour_record_transition(
                record_id=record.pk, actor=actor, active=active, action=then
            )
        return record
