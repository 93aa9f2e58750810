"""Learners of a class: enrolment, attendance per half day, assessment."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.organisations.models import ProviderFilingStatus
from xueshi.training.models import Attendance, ClassPlan, ClassStatus, Enrollment, HalfDay
from xueshi.training.selectors import entered_learners, professional_of
from xueshi.training.services.common import lock_own_class, own_provider

# --- enrolment -----------------------------------------------------------------------------


@transaction.atomic
def class_enroll(
    *, class_plan_id: int, actor: User, active: ActiveRole, today: dt.date | None = None
) -> Enrollment:
    """报名: a professional enrols once in an approved class that has not started and has
    places left. The class row is locked, so concurrent enrolments cannot pass capacity."""
    today = today or clock.today()
    me = professional_of(active)
    if me is None:
        raise ServiceError("只有已登记的专业技术人员可以报名培训班。")
    plan = ClassPlan.objects.select_for_update().filter(pk=class_plan_id).first()
    if plan is None or plan.status != ClassStatus.APPROVED:
        raise ServiceError("该培训班不存在或尚未核准，不能报名。")
    if plan.provider.filing_status != ProviderFilingStatus.FILED:
        raise ServiceError("该施教机构的备案状态已变更，暂不接受报名。")
    if plan.start_date < today:
        raise ServiceError(f"该培训班已于 {plan.start_date} 开班，报名已截止。")
    if plan.enrollments.filter(professional=me).exists():
        raise ServiceError("您已报名该培训班，不能重复报名。")
    if plan.enrollments.count() >= plan.capacity:
        raise ServiceError(f"该培训班名额已满（计划 {plan.capacity} 人）。")
    enrollment = Enrollment.objects.create(class_plan=plan, professional=me)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="enroll",
        target=enrollment,
        data={"class_plan": plan.pk},
    )
    return enrollment


# --- attendance ----------------------------------------------------------------------------


def _attendance_target(
    *, enrollment_id: int, day: dt.date, half_day: str, active: ActiveRole, today: dt.date
) -> Enrollment:
    provider = own_provider(active)
    enrollment = (
        Enrollment.objects.select_for_update()
        .select_related("class_plan")
        .filter(pk=enrollment_id, class_plan__provider=provider)
        .first()
    )
    if enrollment is None:
        raise ServiceError("学员不存在，或不是本机构培训班的学员。")
    plan = enrollment.class_plan
    if plan.status != ClassStatus.APPROVED:
        raise ServiceError("培训班尚未核准，不能登记考勤。")
    if half_day not in HalfDay.values:
        raise ServiceError("时段无效，应为上午或下午。")
    if not plan.start_date <= day <= plan.end_date:
        raise ServiceError(
            f"{day} 不是培训日（培训日期 {plan.start_date} 至 {plan.end_date}），不能登记考勤。"
        )
    if day > today:
        raise ServiceError(f"{day} 尚未到来，不能提前登记考勤。")
    return enrollment


@transaction.atomic
def attendance_sign_in(
    *,
    enrollment_id: int,
    day: dt.date,
    half_day: str,
    actor: User,
    active: ActiveRole,
    today: dt.date | None = None,
) -> Attendance:
    """签到 for one learner, one half day of a class day (L6: at least once each half day)."""
    today = today or clock.today()
    enrollment = _attendance_target(
        enrollment_id=enrollment_id, day=day, half_day=half_day, active=active, today=today
    )
    mark, _ = Attendance.objects.get_or_create(enrollment=enrollment, day=day, half_day=half_day)
    if mark.signed_in_at is not None:
        raise ServiceError(f"该学员{day} {HalfDay(half_day).label}已签到。")
    mark.signed_in_at = clock.now()
    mark.save(update_fields=["signed_in_at"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="attendance_sign_in",
        target=mark,
        data={"day": str(day), "half_day": half_day},
    )
    return mark


@transaction.atomic
def attendance_sign_out(
    *,
    enrollment_id: int,
    day: dt.date,
    half_day: str,
    actor: User,
    active: ActiveRole,
    today: dt.date | None = None,
) -> Attendance:
    """签退: only after the learner signed in for that half day."""
    today = today or clock.today()
    enrollment = _attendance_target(
        enrollment_id=enrollment_id, day=day, half_day=half_day, active=active, today=today
    )
    mark = Attendance.objects.filter(enrollment=enrollment, day=day, half_day=half_day).first()
    if mark is None or mark.signed_in_at is None:
        raise ServiceError(f"该学员{day} {HalfDay(half_day).label}尚未签到，不能签退。")
    if mark.signed_out_at is not None:
        raise ServiceError(f"该学员{day} {HalfDay(half_day).label}已签退。")
    mark.signed_out_at = clock.now()
    mark.save(update_fields=["signed_out_at"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="attendance_sign_out",
        target=mark,
        data={"day": str(day), "half_day": half_day},
    )
    return mark


# --- assessment ----------------------------------------------------------------------------


@transaction.atomic
def class_plan_assess(
    *,
    class_plan_id: int,
    scores: Mapping[int, Decimal | None],
    actor: User,
    active: ActiveRole,
    today: dt.date | None = None,
) -> int:
    """考核: record learners' scores (0–100); passed = score ≥ the class's pass mark.
    Returns how many enrolments changed. A learner whose hours are already entered cannot
    be marked as failed."""
    today = today or clock.today()
    plan = lock_own_class(active, class_plan_id)
    if plan.status != ClassStatus.APPROVED:
        raise ServiceError("培训班尚未核准，不能登记考核成绩。")
    if today < plan.start_date:
        raise ServiceError(f"培训班 {plan.start_date} 开班，开班前不能登记考核成绩。")
    entered = entered_learners(plan)
    changes: dict[str, str | None] = {}
    enrollments = plan.enrollments.select_for_update().filter(pk__in=list(scores))
    found = {e.pk: e for e in enrollments.select_related("professional")}
    for enrollment_id, score in scores.items():
        enrollment = found.get(enrollment_id)
        if enrollment is None:
            raise ServiceError("学员不属于本培训班。")
        if score is not None and not Decimal(0) <= score <= Decimal(100):
            raise ServiceError(f"{enrollment.professional.full_name}：成绩应在 0 到 100 之间。")
        passed = None if score is None else score >= plan.pass_mark
        if enrollment.score == score and enrollment.passed == passed:
            continue
        if enrollment.professional_id in entered and not passed:
            raise ServiceError(
                f"{enrollment.professional.full_name}的学时已登记，成绩不能改为不合格或空白。"
            )
        enrollment.score = score
        enrollment.passed = passed
        enrollment.save(update_fields=["score", "passed"])
        changes[str(enrollment.pk)] = None if score is None else str(score)
    if changes:
        audit_event_write(
            actor=actor,
            role=active.role,
            action="class_assess",
            target=plan,
            data={"scores": changes, "pass_mark": plan.pass_mark},
        )
    return len(changes)
