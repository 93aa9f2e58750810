"""Helpers the training services share: scope checks, deadlines, defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.organisations.models import Provider
from xueshi.policy_store import current_policy
from xueshi.rules import CalendarUnknown, Category, Deadline, RuleNotSet, deadline
from xueshi.training.models import ClassPlan, ClassStatus

DEFAULT_PASS_MARK = 60
EDITABLE = (ClassStatus.DRAFT, ClassStatus.REJECTED)


# --- helpers -------------------------------------------------------------------------------


def own_provider(active: ActiveRole) -> Provider:
    if active.role is not Role.PROVIDER_STAFF or active.assignment.provider_id is None:
        raise ServiceError("只有施教机构工作人员可以办理培训班。")
    return Provider.objects.get(pk=active.assignment.provider_id)


def lock_own_class(active: ActiveRole, class_plan_id: int) -> ClassPlan:
    """The provider's own class, locked; anything else is 'not found'."""
    provider = own_provider(active)
    plan = ClassPlan.objects.select_for_update().filter(pk=class_plan_id).first()
    if plan is None or plan.provider_id != provider.pk:
        raise ServiceError("培训班不存在，或不属于本机构。")
    return plan


def calendar_error(exc: CalendarUnknown) -> ServiceError:
    # The engine's message ends with an English gloss in brackets: keep the Chinese.
    return ServiceError(f"{str(exc).split(' (')[0]}。暂不能办理，请联系系统管理员。")


def deadline_or_none(rule: str, region: str, day: dt.date) -> Deadline | None:
    try:
        return deadline(current_policy(), rule, region, date=day)
    except RuleNotSet:
        return None
    except CalendarUnknown as exc:
        raise calendar_error(exc) from None


def default_pass_mark(region: str, day: dt.date) -> int:
    """The pass mark the policy sets (Guangde: 60, G1), else 60."""
    resolved = current_policy().resolve("assessment.pass_mark", region, day)
    if resolved is None or resolved.value is None:
        return DEFAULT_PASS_MARK
    return int(resolved.value)


def check_fields(
    *,
    title: str,
    start_date: dt.date,
    end_date: dt.date,
    hours: Decimal,
    capacity: int,
    pass_mark: int | None,
    category: str,
) -> None:
    if not title.strip():
        raise ServiceError("请填写培训名称。", field="title")
    if category not in {c.value for c in Category}:
        raise ServiceError("请选择科目类别。", field="category")
    if end_date < start_date:
        raise ServiceError("结班日期不能早于开班日期。", field="end_date")
    if hours <= 0:
        raise ServiceError("学时应大于 0。", field="hours")
    if capacity < 1:
        raise ServiceError("计划人数至少为 1 人。", field="capacity")
    if pass_mark is not None and not 0 <= pass_mark <= 100:
        raise ServiceError("合格分数应在 0 到 100 之间。", field="pass_mark")
