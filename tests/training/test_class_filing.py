"""Filing a class by the policy's deadline, and approval by the body the policy names."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.factories import ProviderFactory, UserFactory, grant
from tests.training.conftest import World
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.training.models import ClassPlan, ClassStatus
from xueshi.training.selectors import filing_queue
from xueshi.training.services import (
    class_plan_approve,
    class_plan_create,
    class_plan_file,
    class_plan_reject,
    class_plan_update,
)

SHANTOU_CLAUSE = "必须提前10天"


def _file(world: World, plan: ClassPlan, today: dt.date, staff=None) -> ClassPlan:
    staff = staff or world.staff
    return class_plan_file(
        class_plan_id=plan.pk, actor=staff.assignment.user, active=staff, today=today
    )


def test_late_filing_is_refused_with_the_due_date_and_clause(world: World) -> None:
    """Shantou 2014 (S15): a class starting 2014-06-20 must be filed by 2014-06-10; filing on
    06-11 is refused, the message says when it was due and quotes the notice."""
    plan = world.draft(start_date=dt.date(2014, 6, 20), end_date=dt.date(2014, 6, 22))
    with pytest.raises(ServiceError) as refused:
        _file(world, plan, dt.date(2014, 6, 11))
    message = refused.value.message
    assert message.startswith(
        "开班日期 2014-06-20，须提前 10 天备案，最迟 2014-06-10；已逾期。依据："
    )
    assert SHANTOU_CLAUSE in message
    assert "六(二)" in message
    plan.refresh_from_db()
    assert plan.status == ClassStatus.DRAFT
    assert plan.filing_due is None
    assert not AuditEvent.objects.filter(action="class_file").exists()


def test_filing_on_the_due_date_is_accepted_for_the_bureau(world: World) -> None:
    """Filed on the last day: status filed, due date, approver bureau, policy version, audit."""
    plan = world.draft(start_date=dt.date(2014, 6, 20), end_date=dt.date(2014, 6, 22))
    plan = _file(world, plan, dt.date(2014, 6, 10))
    assert plan.status == ClassStatus.FILED
    assert plan.filing_due == dt.date(2014, 6, 10)
    assert plan.approver_role == "bureau"
    assert plan.policy_version
    assert plan.filed_at is not None
    event = AuditEvent.objects.get(action="class_file", target_id=str(plan.pk))
    assert (event.from_status, event.to_status) == ("draft", "filed")
    assert event.data["approver_role"] == "bureau"
    assert SHANTOU_CLAUSE in event.data["reference"]


def test_shantou_2019_follows_guangdong_2018_thirty_days_and_the_authority(world: World) -> None:
    """From 2018-11-01 the provincial opinion governs (P3): 30 days before, reviewed by the
    industry authority; a class starting 2019-03-01 is due 2019-01-30."""
    plan = world.draft(start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 3, 3))
    with pytest.raises(ServiceError, match="最迟 2019-01-30；已逾期"):
        _file(world, plan, dt.date(2019, 1, 31))
    plan = _file(world, plan, dt.date(2019, 1, 30))
    assert plan.filing_due == dt.date(2019, 1, 30)
    assert plan.approver_role == "industry_authority"


def test_authority_review_needs_the_series(world: World) -> None:
    """Where the authority of the series approves, a class for no particular series cannot
    be filed: the provider is told to name the series."""
    plan = world.draft(series="", start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 3, 3))
    with pytest.raises(ServiceError, match="请先填写培训班面向的专业技术系列"):
        _file(world, plan, dt.date(2019, 1, 2))
    plan.refresh_from_db()
    assert plan.status == ClassStatus.DRAFT


def test_authority_review_needs_an_authority_of_the_series(world: World) -> None:
    """No authority governs accounting in Shantou: filing says so rather than waiting forever."""
    plan = world.draft(
        series="accounting", start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 3, 3)
    )
    with pytest.raises(ServiceError, match="没有主管会计系列的行业主管部门"):
        _file(world, plan, dt.date(2019, 1, 2))


def test_luojiang_counts_ten_working_days(world: World) -> None:
    """Luojiang (L6): 10 working days before 2017-06-20 is 2017-06-06 (Dragon Boat holiday
    on 05-30 does not fall in between; weekends do)."""
    provider = ProviderFactory(region_id="350504")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    plan = world.draft(staff=staff, start_date=dt.date(2017, 6, 20), end_date=dt.date(2017, 6, 21))
    assert plan.region_id == "350504"
    with pytest.raises(ServiceError, match="10 个工作日备案，最迟 2017-06-06；已逾期"):
        _file(world, plan, dt.date(2017, 6, 7), staff)
    plan = _file(world, plan, dt.date(2017, 6, 6), staff)
    assert (plan.filing_due, plan.approver_role) == (dt.date(2017, 6, 6), "bureau")


def test_unknown_calendar_year_is_a_clear_message(world: World) -> None:
    """Working days of 2027 are not known yet: filing answers in Chinese, nothing changes."""
    provider = ProviderFactory(region_id="350504")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    plan = world.draft(staff=staff, start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 2))
    with pytest.raises(ServiceError, match="2027 年的节假日安排尚未载入") as refused:
        _file(world, plan, dt.date(2026, 12, 1), staff)
    assert "(the working days" not in refused.value.message
    plan.refresh_from_db()
    assert plan.status == ClassStatus.DRAFT


def test_without_a_filing_rule_the_class_is_filed_without_deadline(world: World) -> None:
    """Kaifeng sets no class-filing deadline: the class is filed, no due date, bureau approves."""
    provider = ProviderFactory(region_id="410200")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    plan = world.draft(staff=staff, start_date=dt.date(2016, 9, 1), end_date=dt.date(2016, 9, 2))
    plan = _file(world, plan, dt.date(2016, 8, 31), staff)
    assert plan.status == ClassStatus.FILED
    assert plan.filing_due is None
    assert plan.approver_role == "bureau"


def test_a_class_already_started_cannot_be_filed_even_without_a_rule(world: World) -> None:
    provider = ProviderFactory(region_id="410200")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    plan = world.draft(staff=staff, start_date=dt.date(2016, 9, 1), end_date=dt.date(2016, 9, 2))
    with pytest.raises(ServiceError, match="开班日期 2016-09-01 已过"):
        _file(world, plan, dt.date(2016, 9, 2), staff)


@pytest.mark.parametrize(("status", "label"), [("suspended", "暂停"), ("revoked", "已取消备案")])
def test_a_provider_without_filing_status_cannot_file(
    world: World, status: str, label: str
) -> None:
    """S16: a provider that lost its filing status files no classes."""
    plan = world.draft()
    world.provider.filing_status = status
    world.provider.save()
    with pytest.raises(ServiceError, match=f"本机构备案状态为“{label}”"):
        _file(world, plan, dt.date(2014, 6, 1))
    plan.refresh_from_db()
    assert plan.status == ClassStatus.DRAFT


def test_another_providers_staff_cannot_file_or_edit(world: World) -> None:
    plan = world.draft()
    with pytest.raises(ServiceError, match="不属于本机构"):
        _file(world, plan, dt.date(2014, 6, 1), world.other_staff)
    with pytest.raises(ServiceError, match="不属于本机构"):
        class_plan_update(
            class_plan_id=plan.pk,
            actor=world.other_staff.assignment.user,
            active=world.other_staff,
            title="改名",
            category="professional",
            start_date=plan.start_date,
            end_date=plan.end_date,
            hours=Decimal(10),
        )


def test_draft_defaults_and_checks(world: World) -> None:
    """The pass mark defaults to 60 (no policy value in Shantou); hours must be positive,
    the end not before the start; 'required' only means something for public subjects."""
    plan = world.draft(pass_mark=None, required=True)
    assert plan.pass_mark == 60
    assert plan.required is False
    assert plan.region_id == "440500"
    with pytest.raises(ServiceError, match="学时应大于 0"):
        world.draft(hours=Decimal(0))
    with pytest.raises(ServiceError, match="结班日期不能早于开班日期"):
        world.draft(start_date=dt.date(2014, 6, 20), end_date=dt.date(2014, 6, 19))
    with pytest.raises(ServiceError, match="合格分数应在 0 到 100 之间"):
        world.draft(pass_mark=101)
    assert ClassPlan.objects.count() == 1


def test_guangde_pass_mark_comes_from_policy(world: World) -> None:
    """Guangde 2020 (G1): the pass mark is 60 by the notice."""
    provider = ProviderFactory(region_id="341882")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    plan = class_plan_create(
        actor=staff.assignment.user,
        active=staff,
        title="公需科目",
        category="public",
        start_date=dt.date(2020, 7, 1),
        end_date=dt.date(2020, 7, 3),
        hours=Decimal(30),
    )
    assert plan.pass_mark == 60


def test_the_city_bureau_approves_a_shantou_2014_class(world: World) -> None:
    plan = _file(world, world.draft(), dt.date(2014, 6, 1))
    assert list(filing_queue(world.bureau)) == [plan]
    plan = class_plan_approve(
        class_plan_id=plan.pk, actor=world.bureau.assignment.user, active=world.bureau
    )
    assert plan.status == ClassStatus.APPROVED
    assert plan.decided_by == world.bureau.assignment.user
    assert AuditEvent.objects.filter(action="class_approve", to_status="approved").count() == 1
    assert list(filing_queue(world.bureau)) == []


def test_the_province_bureau_covers_shantou(world: World) -> None:
    """A bureau sees its region and below: Guangdong's bureau may approve a Shantou class."""
    plan = _file(world, world.draft(), dt.date(2014, 6, 1))
    assert plan in filing_queue(world.province)
    plan = class_plan_approve(
        class_plan_id=plan.pk, actor=world.province.assignment.user, active=world.province
    )
    assert plan.status == ClassStatus.APPROVED


def test_only_the_right_body_in_scope_may_approve(world: World) -> None:
    """A bureau elsewhere, an authority (where the bureau approves) and a provider cannot."""
    plan = _file(world, world.draft(), dt.date(2014, 6, 1))
    for active in (world.luojiang, world.authority):
        assert plan not in filing_queue(active)
        with pytest.raises(ServiceError, match="您无权办理"):
            class_plan_approve(class_plan_id=plan.pk, actor=active.assignment.user, active=active)
    with pytest.raises(ServiceError):
        class_plan_approve(
            class_plan_id=plan.pk, actor=world.staff.assignment.user, active=world.staff
        )
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED
    assert not AuditEvent.objects.filter(action="class_approve").exists()


def test_authority_classes_go_to_the_authority_of_the_series(world: World) -> None:
    """Guangdong 2018: the engineering authority approves an engineering class; the bureau and
    the health authority cannot."""
    plan = world.draft(start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 3, 3))
    plan = _file(world, plan, dt.date(2019, 1, 2))
    assert plan not in filing_queue(world.bureau)
    assert plan not in filing_queue(world.health_authority)
    for active in (world.bureau, world.health_authority):
        with pytest.raises(ServiceError, match="行业主管部门审核，您无权办理"):
            class_plan_approve(class_plan_id=plan.pk, actor=active.assignment.user, active=active)
    assert list(filing_queue(world.authority)) == [plan]
    plan = class_plan_approve(
        class_plan_id=plan.pk, actor=world.authority.assignment.user, active=world.authority
    )
    assert plan.status == ClassStatus.APPROVED


def test_rejection_needs_a_reason_and_the_provider_can_file_again(world: World) -> None:
    plan = _file(world, world.draft(), dt.date(2014, 6, 1))
    user = world.bureau.assignment.user
    with pytest.raises(ServiceError, match="须填写理由"):
        class_plan_reject(class_plan_id=plan.pk, actor=user, active=world.bureau, reason="  ")
    plan = class_plan_reject(
        class_plan_id=plan.pk, actor=user, active=world.bureau, reason="缺少培训教学计划"
    )
    assert (plan.status, plan.decision_comment) == (ClassStatus.REJECTED, "缺少培训教学计划")
    with pytest.raises(ServiceError, match="不在待审核状态"):
        class_plan_approve(class_plan_id=plan.pk, actor=user, active=world.bureau)
    plan = class_plan_update(
        class_plan_id=plan.pk,
        actor=world.staff.assignment.user,
        active=world.staff,
        title="工程新技术研修班（补充教学计划）",
        category="professional",
        series="engineering",
        start_date=plan.start_date,
        end_date=plan.end_date,
        hours=Decimal(20),
    )
    plan = _file(world, plan, dt.date(2014, 6, 2))
    assert plan.status == ClassStatus.FILED
    assert plan.decision_comment == ""


def test_a_filed_class_cannot_be_edited_or_filed_twice(world: World) -> None:
    plan = _file(world, world.draft(), dt.date(2014, 6, 1))
    with pytest.raises(ServiceError, match="只有草稿或未核准的培训班可以修改"):
        class_plan_update(
            class_plan_id=plan.pk,
            actor=world.staff.assignment.user,
            active=world.staff,
            title="改名",
            category="professional",
            start_date=plan.start_date,
            end_date=plan.end_date,
            hours=Decimal(10),
        )
    with pytest.raises(ServiceError, match="不能再提交备案"):
        _file(world, plan, dt.date(2014, 6, 1))
