"""Drafting a class, filing it by the policy's deadline, approval by the body the policy
names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.organisations.models import IndustryAuthority, Provider, ProviderFilingStatus
from xueshi.policy_store import current_policy
from xueshi.rules import Category
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.terms import Role as ChainRole
from xueshi.training.models import ClassPlan, ClassStatus
from xueshi.training.selectors import approver_label, awaiting_scope
from xueshi.training.services.common import (
    EDITABLE,
    check_fields,
    deadline_or_none,
    default_pass_mark,
    lock_own_class,
    own_provider,
)

# --- drafting and filing -------------------------------------------------------------------

CLASS_FIELDS = (
    "title",
    "category",
    "required",
    "series",
    "mode",
    "start_date",
    "end_date",
    "hours",
    "capacity",
    "pass_mark",
    "location",
)


@transaction.atomic
def class_plan_create(
    *,
    actor: User,
    active: ActiveRole,
    title: str,
    category: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    required: bool = False,
    series: str = "",
    mode: str = "face_to_face",
    capacity: int = 50,
    pass_mark: int | None = None,
    location: str = "",
) -> ClassPlan:
    """A provider drafts a class (草稿). The region is the provider's; the pass mark
    defaults to the policy's for that region at the start date, else 60."""
    provider = own_provider(active)
    check_fields(
        title=title,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        capacity=capacity,
        pass_mark=pass_mark,
        category=category,
    )
    if pass_mark is None:
        pass_mark = default_pass_mark(provider.region_id, start_date)
    plan = ClassPlan.objects.create(
        provider=provider,
        region_id=provider.region_id,
        title=title.strip(),
        category=category,
        required=required and category == Category.PUBLIC,
        series=series,
        mode=mode,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        capacity=capacity,
        pass_mark=pass_mark,
        location=location.strip(),
    )
    audit_event_write(
        actor=actor, role=active.role, action="class_create", target=plan, to_status=plan.status
    )
    return plan


@transaction.atomic
def class_plan_update(
    *,
    class_plan_id: int,
    actor: User,
    active: ActiveRole,
    title: str,
    category: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    required: bool = False,
    series: str = "",
    mode: str = "face_to_face",
    capacity: int = 50,
    pass_mark: int | None = None,
    location: str = "",
) -> ClassPlan:
    """A provider changes a class still in draft (or not approved, before filing again)."""
    plan = lock_own_class(active, class_plan_id)
    if plan.status not in EDITABLE:
        raise ServiceError(
            f"培训班状态为“{plan.get_status_display()}”，只有草稿或未核准的培训班可以修改。"
        )
    check_fields(
        title=title,
        start_date=start_date,
        end_date=end_date,
        hours=hours,
        capacity=capacity,
        pass_mark=pass_mark,
        category=category,
    )
    if pass_mark is None:
        pass_mark = default_pass_mark(plan.region_id, start_date)
    plan.title = title.strip()
    plan.category = category
    plan.required = required and category == Category.PUBLIC
    plan.series = series
    plan.mode = mode
    plan.start_date = start_date
    plan.end_date = end_date
    plan.hours = hours
    plan.capacity = capacity
    plan.pass_mark = pass_mark
    plan.location = location.strip()
    plan.save(update_fields=list(CLASS_FIELDS))
    audit_event_write(
        actor=actor,
        role=active.role,
        action="class_update",
        target=plan,
        from_status=plan.status,
        to_status=plan.status,
    )
    return plan


def _authority_exists(plan: ClassPlan) -> bool:
    """Whether some industry authority of the class's series covers its region."""
    codes = [c for c in plan.region.path.split("/") if c]
    return any(
        plan.series in (authority.series or [])
        for authority in IndustryAuthority.objects.filter(region_id__in=codes)
    )


@transaction.atomic
def class_plan_file(
    *, class_plan_id: int, actor: User, active: ActiveRole, today: dt.date | None = None
) -> ClassPlan:
    """开班备案: the provider files the class before it starts, by the policy's deadline.

    The deadline is ``deadline.class_filing`` of the class's region at its start date
    (Shantou 2014: 10 days before; Guangdong from 2018-11: 30 days, reviewed by the
    industry authority; Luojiang: 10 working days). Late filing is refused with the date it
    was due and the clause; where no rule is set the class is filed without a deadline.
    """
    today = today or clock.today()
    plan = lock_own_class(active, class_plan_id)
    provider = Provider.objects.get(pk=plan.provider_id)
    if plan.status not in EDITABLE:
        raise ServiceError(f"培训班状态为“{plan.get_status_display()}”，不能再提交备案。")
    if provider.filing_status != ProviderFilingStatus.FILED:
        raise ServiceError(
            f"本机构备案状态为“{provider.get_filing_status_display()}”，不能提交开班备案。"
        )
    policy = current_policy()
    due = deadline_or_none("class_filing", plan.region_id, plan.start_date)
    if due is not None and today > due.due:
        raise ServiceError(
            f"{due.explanation.rstrip('。')}；已逾期。依据：{due.reference}", field="start_date"
        )
    if plan.start_date < today:
        raise ServiceError(
            f"开班日期 {plan.start_date} 已过，培训班须在开班前备案。", field="start_date"
        )
    approver = ChainRole.BUREAU.value
    if due is not None:
        resolved = policy.resolve("deadline.class_filing", plan.region_id, plan.start_date)
        assert resolved is not None
        approver = str(resolved.value.get("approver") or ChainRole.BUREAU.value)
    if approver == ChainRole.INDUSTRY_AUTHORITY.value:
        if not plan.series:
            raise ServiceError(
                "本地区的办班计划由行业主管部门审核，请先填写培训班面向的专业技术系列。"
                f"依据：{due.reference if due else ''}",
                field="series",
            )
        if not _authority_exists(plan):
            series = SERIES_LABELS.get(plan.series, plan.series)
            raise ServiceError(
                f"{plan.region.name}及上级没有主管{series}系列的行业主管部门，"
                "无法提交审核，请联系人社部门。",
                field="series",
            )
    before = plan.status
    plan.status = ClassStatus.FILED
    plan.filing_due = due.due if due else None
    plan.approver_role = approver
    plan.policy_version = policy.version
    plan.filed_at = clock.now()
    plan.decided_at = None
    plan.decided_by = None
    plan.decision_comment = ""
    plan.save(
        update_fields=[
            "status",
            "filing_due",
            "approver_role",
            "policy_version",
            "filed_at",
            "decided_at",
            "decided_by",
            "decision_comment",
        ]
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="class_file",
        target=plan,
        from_status=before,
        to_status=plan.status,
        policy_version=plan.policy_version,
        data={
            "filing_due": str(plan.filing_due) if plan.filing_due else None,
            "approver_role": approver,
            "reference": str(due.reference) if due else "",
        },
    )
    return plan


def _lock_awaiting(active: ActiveRole, class_plan_id: int) -> ClassPlan:
    plan = ClassPlan.objects.select_for_update().filter(pk=class_plan_id).first()
    if plan is None:
        raise ServiceError("培训班不存在。")
    if plan.status != ClassStatus.FILED:
        raise ServiceError(f"培训班状态为“{plan.get_status_display()}”，不在待审核状态。")
    if not ClassPlan.objects.filter(awaiting_scope(active), pk=plan.pk).exists():
        who = approver_label(plan) or "人社部门"
        raise ServiceError(f"该培训班的办班计划由{plan.region.name}的{who}审核，您无权办理。")
    return plan


def _decide(
    *, class_plan_id: int, actor: User, active: ActiveRole, status: ClassStatus, comment: str
) -> ClassPlan:
    plan = _lock_awaiting(active, class_plan_id)
    before = plan.status
    plan.status = status
    plan.decided_at = clock.now()
    plan.decided_by = actor
    plan.decision_comment = comment
    plan.save(update_fields=["status", "decided_at", "decided_by", "decision_comment"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="class_approve" if status == ClassStatus.APPROVED else "class_reject",
        target=plan,
        from_status=before,
        to_status=status,
        comment=comment,
        policy_version=plan.policy_version,
    )
    return plan


@transaction.atomic
def class_plan_approve(
    *, class_plan_id: int, actor: User, active: ActiveRole, comment: str = ""
) -> ClassPlan:
    """核准: the approver the policy names (bureau, or the series' industry authority)."""
    return _decide(
        class_plan_id=class_plan_id,
        actor=actor,
        active=active,
        status=ClassStatus.APPROVED,
        comment=comment.strip(),
    )


@transaction.atomic
def class_plan_reject(
    *, class_plan_id: int, actor: User, active: ActiveRole, reason: str
) -> ClassPlan:
    """不予核准, with the reason; the provider may correct the class and file it again."""
    reason = reason.strip()
    if not reason:
        raise ServiceError("不予核准时须填写理由。", field="reason")
    return _decide(
        class_plan_id=class_plan_id,
        actor=actor,
        active=active,
        status=ClassStatus.REJECTED,
        comment=reason,
    )
