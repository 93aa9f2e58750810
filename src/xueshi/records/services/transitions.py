"""The review transitions of one record: submit, approve, return, reject, resubmit, as the
chain the record carries allows."""

from __future__ import annotations

from django.db import transaction

from xueshi import standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.accounts.scope import CHAIN_ROLE
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord
from xueshi.records.scope import records_visible
from xueshi.records.services.chains import chain_roles
from xueshi.records.services.integrity import open_flags_message
from xueshi.rules.workflow import Action, RecordState, State, TransitionNotAllowed, next_state

REVIEW_ACTIONS = (Action.APPROVE, Action.RETURN, Action.REJECT)


def record_locked(active: ActiveRole, record_id: int) -> HourRecord:
    """The record, locked until the transaction ends, if the active role's scope holds it.

    Only the record's own row is locked (``of``): the scope joins the professional and the
    region, and locking those would make every review in a region wait on one row."""
    try:
        return records_visible(active).select_for_update(of=("self",)).get(pk=record_id)
    except HourRecord.DoesNotExist:
        raise ServiceError("记录不存在，或不在您的管辖范围内。") from None


def is_declarant(actor: User, record: HourRecord) -> bool:
    """The user who declared the record, or the professional it belongs to."""
    user_id = getattr(actor, "pk", None)
    return user_id is not None and user_id in (
        record.declared_by_id,
        record.professional.user_id,
    )


@transaction.atomic
def hour_record_transition(
    *, record_id: int, actor: User, active: ActiveRole, action: Action | str, comment: str = ""
) -> HourRecord:
    """Submit, approve, return, reject or resubmit one record, as the chain allows."""
    try:
        action = Action(action)
    except ValueError:
        raise ServiceError("未知的审核操作。") from None
    record = record_locked(active, record_id)
    entered_by, steps = chain_roles(record.chain)
    role = CHAIN_ROLE.get(active.role)
    if role is None:
        raise ServiceError("当前角色不能办理学时审核。")
    if action in (Action.SUBMIT, Action.RESUBMIT) and not is_declarant(actor, record):
        raise ServiceError("只有申报人或本人可以提交该记录。")
    if action in REVIEW_ACTIONS and is_declarant(actor, record):
        # Separation of duties (issue 14 item 12): whoever declared a record, or whose record
        # it is, never reviews it; another reviewer of the step does.
        raise ServiceError("审核职责分离：申报人不能审核自己申报的记录，也不能审核本人的记录。")
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
    if action is Action.APPROVE:
        # A doubtful record is looked at, not approved in passing (in a bulk approval
        # beside its twin): its flags are cleared first, each with a comment.
        doubt = open_flags_message(record)
        if doubt:
            raise ServiceError(doubt)
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
