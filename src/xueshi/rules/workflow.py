"""The review workflow of an hour record as a transition table.

``(status, action) → next status``, with the role allowed to act taken from the record's
review chain (policy data): the roles that may enter a record submit it, the chain's steps
review it in order. Every service that changes a record's status asks ``next_state`` first;
``TransitionNotAllowed`` says why not, in Chinese.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .terms import Role


class RecordState(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    RETURNED = "returned"
    APPROVED = "approved"
    REJECTED = "rejected"
    # Withdrawn by the system that sent it (the open API's voiding, xAPI's voided
    # statement): it counts for nothing, is no duplicate of anything, and no action leads
    # out of it (a correction is sent as a new record).
    VOIDED = "voided"

    @property
    def label(self) -> str:
        return {
            "draft": "草稿",
            "in_review": "审核中",
            "returned": "退回修改",
            "approved": "已认定",
            "rejected": "未通过",
            "voided": "已作废",
        }[self.value]


class Action(StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    REJECT = "reject"
    RESUBMIT = "resubmit"

    @property
    def label(self) -> str:
        return {
            "submit": "提交",
            "approve": "审核通过",
            "return": "退回修改",
            "reject": "不予认定",
            "resubmit": "重新提交",
        }[self.value]


class TransitionNotAllowed(Exception):
    """The action cannot be taken on the record in its state by this role."""


@dataclass(frozen=True, slots=True)
class State:
    status: RecordState
    step: int  # review steps already passed


# (status, action) → the status it leads to; APPROVE's target depends on the step.
TABLE: dict[tuple[RecordState, Action], RecordState] = {
    (RecordState.DRAFT, Action.SUBMIT): RecordState.IN_REVIEW,
    (RecordState.IN_REVIEW, Action.APPROVE): RecordState.IN_REVIEW,
    (RecordState.IN_REVIEW, Action.RETURN): RecordState.RETURNED,
    (RecordState.IN_REVIEW, Action.REJECT): RecordState.REJECTED,
    (RecordState.RETURNED, Action.RESUBMIT): RecordState.IN_REVIEW,
}


def allowed_roles(
    state: State, action: Action, entered_by: tuple[Role, ...], steps: tuple[Role, ...]
) -> frozenset[Role]:
    """Who may take ``action`` on a record in ``state`` under its chain."""
    if (state.status, action) not in TABLE:
        return frozenset()
    if action in (Action.SUBMIT, Action.RESUBMIT):
        return frozenset(entered_by)
    if state.step < len(steps):
        return frozenset({steps[state.step]})
    return frozenset()


def next_state(
    state: State,
    action: Action,
    role: Role,
    *,
    entered_by: tuple[Role, ...],
    steps: tuple[Role, ...],
) -> State:
    """The state after ``role`` takes ``action``; raises TransitionNotAllowed otherwise."""
    target = TABLE.get((state.status, action))
    if target is None:
        raise TransitionNotAllowed(f"“{state.status.label}”的记录不能执行“{action.label}”。")
    allowed = allowed_roles(state, action, entered_by, steps)
    if role not in allowed:
        who = "、".join(r.label for r in sorted(allowed)) or "任何角色"
        raise TransitionNotAllowed(f"“{action.label}”应由{who}办理，{role.label}不能办理。")
    if action in (Action.SUBMIT, Action.RESUBMIT):
        # A chain with no review step (public hours registered by the system) is final.
        return State(RecordState.APPROVED if not steps else RecordState.IN_REVIEW, 0)
    if action is Action.APPROVE:
        step = state.step + 1
        return State(RecordState.APPROVED if step >= len(steps) else RecordState.IN_REVIEW, step)
    return State(target, state.step)
