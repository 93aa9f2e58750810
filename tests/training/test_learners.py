"""The catalogue, enrolment with capacity, attendance per half day, and assessment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.training.conftest import World, enrol, learner
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.organisations.models import ProviderFilingStatus
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_enter_for_class
from xueshi.training.models import Attendance, Enrollment
from xueshi.training.selectors import class_catalogue, class_entry, my_enrollments
from xueshi.training.services import (
    attendance_sign_in,
    attendance_sign_out,
    class_enroll,
    class_plan_assess,
)

START = dt.date(2014, 6, 20)


def test_catalogue_lists_approved_classes_not_started_with_places_left(world: World) -> None:
    open_class = world.approved(title="开放", start_date=START, end_date=START)
    world.draft(title="草稿")
    full = world.approved(title="满员", capacity=1, start_date=START, end_date=START)
    person, me = learner()
    enrol(full, person, me)
    started = world.approved(
        title="已开班", start_date=dt.date(2014, 6, 1), end_date=dt.date(2014, 6, 2)
    )
    found = list(class_catalogue(today=dt.date(2014, 6, 10)))
    assert found == [open_class]
    assert started not in found
    assert list(class_catalogue(today=dt.date(2014, 6, 10), category="public")) == []
    assert list(class_catalogue(today=dt.date(2014, 6, 10), region="440000")) == [open_class]
    assert list(class_catalogue(today=dt.date(2014, 6, 10), region="350000")) == []
    assert list(class_catalogue(today=dt.date(2014, 6, 10), region="999999")) == []


def test_enrolment_is_once_and_seen_by_the_professional(world: World) -> None:
    plan = world.approved(start_date=START, end_date=START)
    person, me = learner()
    enrollment = enrol(plan, person, me)
    assert list(my_enrollments(me)) == [enrollment]
    with pytest.raises(ServiceError, match="不能重复报名"):
        enrol(plan, person, me)
    assert Enrollment.objects.count() == 1
    assert AuditEvent.objects.filter(action="enroll").count() == 1


def test_capacity_is_enforced(world: World) -> None:
    """A class for two: the third learner is refused and nothing is created."""
    plan = world.approved(capacity=2, start_date=START, end_date=START)
    for _ in range(2):
        enrol(plan, *learner())
    with pytest.raises(ServiceError, match="名额已满（计划 2 人）"):
        enrol(plan, *learner())
    assert plan.enrollments.count() == 2


def test_enrolment_needs_an_approved_class_not_yet_started(world: World) -> None:
    person, me = learner()
    draft = world.draft()
    with pytest.raises(ServiceError, match="尚未核准"):
        enrol(draft, person, me)
    plan = world.approved(start_date=START, end_date=START)
    with pytest.raises(ServiceError, match="已于 2014-06-20 开班，报名已截止"):
        class_enroll(
            class_plan_id=plan.pk, actor=person.user, active=me, today=dt.date(2014, 6, 21)
        )
    world.provider.filing_status = ProviderFilingStatus.SUSPENDED
    world.provider.save()
    with pytest.raises(ServiceError, match="备案状态已变更"):
        enrol(plan, person, me)
    assert not Enrollment.objects.exists()


def test_only_a_professional_enrols(world: World) -> None:
    plan = world.approved(start_date=START, end_date=START)
    with pytest.raises(ServiceError, match="只有已登记的专业技术人员"):
        class_enroll(
            class_plan_id=plan.pk,
            actor=world.bureau.assignment.user,
            active=world.bureau,
            today=dt.date(2014, 6, 1),
        )


def _mark(world: World, enrollment: Enrollment, *, out: bool = False, **kw):
    data = {
        "enrollment_id": enrollment.pk,
        "day": START,
        "half_day": "am",
        "actor": world.staff.assignment.user,
        "active": world.staff,
        "today": START,
    }
    data.update(kw)
    return (attendance_sign_out if out else attendance_sign_in)(**data)


@pytest.fixture
def seat(world: World) -> Enrollment:
    plan = world.approved(start_date=START, end_date=START + dt.timedelta(days=1))
    return enrol(plan, *learner())


def test_sign_out_before_sign_in_is_refused(world: World, seat: Enrollment) -> None:
    with pytest.raises(ServiceError, match="尚未签到，不能签退"):
        _mark(world, seat, out=True)
    assert not Attendance.objects.filter(signed_out_at__isnull=False).exists()


def test_sign_in_then_out_per_half_day(world: World, seat: Enrollment) -> None:
    mark = _mark(world, seat)
    assert mark.signed_in_at is not None
    assert mark.signed_out_at is None
    with pytest.raises(ServiceError, match="已签到"):
        _mark(world, seat)
    mark = _mark(world, seat, out=True)
    assert mark.signed_out_at is not None
    with pytest.raises(ServiceError, match="已签退"):
        _mark(world, seat, out=True)
    afternoon = _mark(world, seat, half_day="pm")
    assert afternoon.pk != mark.pk
    assert Attendance.objects.filter(enrollment=seat).count() == 2
    assert AuditEvent.objects.filter(action__startswith="attendance_").count() == 3


def test_attendance_only_on_class_days_and_not_ahead(world: World, seat: Enrollment) -> None:
    with pytest.raises(ServiceError, match="不是培训日"):
        _mark(world, seat, day=START - dt.timedelta(days=1))
    with pytest.raises(ServiceError, match="尚未到来"):
        _mark(world, seat, day=START + dt.timedelta(days=1), today=START)
    with pytest.raises(ServiceError, match="时段无效"):
        _mark(world, seat, half_day="night")
    assert not Attendance.objects.exists()


def test_another_provider_cannot_mark_attendance(world: World, seat: Enrollment) -> None:
    with pytest.raises(ServiceError, match="不是本机构培训班的学员"):
        _mark(world, seat, actor=world.other_staff.assignment.user, active=world.other_staff)


def test_assessment_sets_passed_against_the_pass_mark(world: World) -> None:
    plan = world.approved(start_date=START, end_date=START, pass_mark=70)
    a = enrol(plan, *learner())
    b = enrol(plan, *learner())
    changed = class_plan_assess(
        class_plan_id=plan.pk,
        scores={a.pk: Decimal("70"), b.pk: Decimal("69.5")},
        actor=world.staff.assignment.user,
        active=world.staff,
        today=START,
    )
    assert changed == 2
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.score, a.passed) == (Decimal("70.0"), True)
    assert (b.score, b.passed) == (Decimal("69.5"), False)
    assert AuditEvent.objects.filter(action="class_assess").count() == 1


def test_assessment_refuses_out_of_range_and_before_the_class(world: World) -> None:
    plan = world.approved(start_date=START, end_date=START)
    a = enrol(plan, *learner())
    user, staff = world.staff.assignment.user, world.staff
    with pytest.raises(ServiceError, match="0 到 100"):
        class_plan_assess(
            class_plan_id=plan.pk,
            scores={a.pk: Decimal(101)},
            actor=user,
            active=staff,
            today=START,
        )
    with pytest.raises(ServiceError, match="开班前不能登记考核成绩"):
        class_plan_assess(
            class_plan_id=plan.pk,
            scores={a.pk: Decimal(80)},
            actor=user,
            active=staff,
            today=START - dt.timedelta(days=1),
        )
    a.refresh_from_db()
    assert a.score is None


def test_a_learner_with_entered_hours_cannot_be_failed(world: World) -> None:
    plan = world.approved(start_date=START, end_date=START)
    person, me = learner()
    a = enrol(plan, person, me)
    hour_record_enter_for_class(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional=person,
        entry=class_entry(plan),
    )
    with pytest.raises(ServiceError, match="学时已登记，成绩不能改为不合格"):
        class_plan_assess(
            class_plan_id=plan.pk,
            scores={a.pk: Decimal(10)},
            actor=world.staff.assignment.user,
            active=world.staff,
            today=START,
        )
    assert HourRecord.objects.count() == 1
