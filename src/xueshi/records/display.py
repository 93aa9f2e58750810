"""How a record's chain and review step read in Chinese, in lists and on the record page."""

from __future__ import annotations

from typing import Any

from xueshi.accounts.models import Role
from xueshi.records.models import HourRecord
from xueshi.rules.chains import Chain
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action, RecordState

# Short names of the reviewers, as the queue and "my records" show them.
SHORT_REVIEWER = {
    ChainRole.EMPLOYER: "用人单位",
    ChainRole.INDUSTRY_AUTHORITY: "行业主管部门",
    ChainRole.BUREAU: "人社部门",
    ChainRole.PROVIDER: "施教机构",
    ChainRole.PROFESSIONAL: "本人",
    ChainRole.SYSTEM: "系统",
}

# Audit actions that are not review transitions.
EXTRA_ACTIONS = {
    "declare": "申报（保存）",
    "enter": "施教机构登记",
    "update": "修改",
    "integrity_flag": "系统校验发现疑点",
    "integrity_flag_clear": "核实排除疑点",
}


# Fields a correction may change, as the history names them.
FIELD_LABELS = {
    "content": "学习内容",
    "start_date": "开始日期",
    "end_date": "结束日期",
    "hours": "学时",
}


def changes(changed: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """(field label, before, after) of a correction's audit data."""
    return [
        (FIELD_LABELS.get(name, name), str(pair[0]), str(pair[1]))
        for name, pair in changed.items()
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def chain_text(entered_by: list[str] | tuple[Any, ...], steps: list[str] | tuple[Any, ...]) -> str:
    """由专业技术人员、用人单位登记，审核：用人单位 → 人力资源和社会保障部门"""
    entered = [ChainRole(r) for r in entered_by]
    if entered == [ChainRole.SYSTEM]:
        who = "由管理系统自动登记"
    else:
        who = "由" + "、".join(r.label for r in entered) + "登记"
    review = " → ".join(ChainRole(r).label for r in steps) or "无需审核"
    return f"{who}，审核：{review}"


def chain_describe(chain: Chain) -> str:
    evidence = "；须上传证明材料" if chain.evidence_required else ""
    return chain_text(chain.entered_by, chain.steps) + evidence


def snapshot_text(record: HourRecord) -> str:
    snapshot = record.chain or {}
    return chain_text(snapshot.get("entered_by", []), snapshot.get("steps", []))


def review_step_label(record: HourRecord) -> str:
    """Where the record stands: 待用人单位审核, 待人社部门复核, 已认定…"""
    if record.status == RecordState.IN_REVIEW:
        role = record.next_reviewer_role
        if role is None:
            return "审核中"
        verb = "审核" if record.step == 0 else "复核"
        return f"待{SHORT_REVIEWER.get(ChainRole(role), role)}{verb}"
    if record.status == RecordState.DRAFT:
        return "草稿（未提交）"
    if record.status == RecordState.RETURNED:
        return "已退回，待修改后重新提交"
    return RecordState(record.status).label


def action_label(action: str) -> str:
    if action in EXTRA_ACTIONS:
        return EXTRA_ACTIONS[action]
    try:
        return Action(action).label
    except ValueError:
        return action


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def status_label(status: str) -> str:
    if not status:
        return "—"
    try:
        return str(RecordState(status).label)
    except ValueError:
        return status
