"""The anomaly board (issue 13, item 2): open flags by type and provider with drill-down, and
providers' patterns — entries rushed before the deadline, large classes all passed, many
enrolments in one second — each raised only past its threshold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import (
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.inspections.anomalies import (
    LARGE_CLASS,
    RUSH_MIN,
    SAME_SECOND,
    flags_by_kind_and_provider,
    provider_patterns,
)
from xueshi.organisations.models import Region
from xueshi.records.models import FlagStatus, HourRecord, IntegrityFlag, RecordSource
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus, Enrollment

pytestmark = pytest.mark.django_db

# Shantou 2014 §六(三): hours entered within 5 working days of a class's end.
END = dt.date(2014, 5, 9)  # a Friday
DUE = dt.date(2014, 5, 16)


def _class(provider: Any, title: str) -> ClassPlan:
    return ClassPlan.objects.create(
        provider=provider,
        region_id="440500",
        title=title,
        category="professional",
        start_date=END - dt.timedelta(days=2),
        end_date=END,
        hours=Decimal(21),
        status=ClassStatus.APPROVED,
    )


def _learners(plan: ClassPlan, count: int, **enrolment: Any) -> list[Any]:
    """Enrolled one a minute, as people enrol themselves."""
    people = [ProfessionalFactory(region_id="440500") for _ in range(count)]
    start = dt.datetime(2014, 4, 1, 9, tzinfo=dt.UTC)
    for n, person in enumerate(people):
        made = Enrollment.objects.create(class_plan=plan, professional=person, **enrolment)
        at = start + dt.timedelta(minutes=n)
        Enrollment.objects.filter(pk=made.pk).update(created_at=at)
    return people


def _entered(plan: ClassPlan, people: list[Any], on: dt.date) -> None:
    for person in people:
        record = HourRecord.objects.create(
            professional=person,
            class_plan=plan,
            category="professional",
            hours=Decimal(21),
            content=plan.title,
            start_date=plan.start_date,
            end_date=plan.end_date,
            credited_year=2014,
            status=RecordState.APPROVED,
            source=RecordSource.DECLARATION,
            declared_by=UserFactory(),
            declared_role="provider_staff",
        )
        at = timezone.make_aware(dt.datetime.combine(on, dt.time(10)))
        HourRecord.objects.filter(pk=record.pk).update(created_at=at)


@pytest.fixture
def shantou() -> Region:
    regions()
    return Region.objects.get(code="440500")


def test_a_provider_entering_most_hours_at_the_deadline_is_shown(shantou: Region) -> None:
    rushed, calm = ProviderFactory(name="赶工学院"), ProviderFactory(name="从容学院")
    plan = _class(rushed, "赶工班")
    _entered(plan, _learners(plan, RUSH_MIN), DUE)
    other = _class(calm, "从容班")
    _entered(other, _learners(other, RUSH_MIN), END + dt.timedelta(days=1))
    few = _class(calm, "临期小班")
    _entered(few, _learners(few, 3), DUE)  # at the deadline, but few and a small share
    patterns = provider_patterns(shantou, 2014)
    assert [(p.provider, p.kind) for p in patterns] == [("赶工学院", "deadline_rush")]
    assert patterns[0].classes == [(plan.pk, "赶工班")]
    assert f"{RUSH_MIN} 条在登记截止日当天或前一天录入" in patterns[0].explanation


def test_large_classes_all_passed_and_enrolments_in_one_second(shantou: Region) -> None:
    provider, honest = ProviderFactory(name="全过学院"), ProviderFactory(name="如实学院")
    big = _class(provider, "大班")
    _learners(big, LARGE_CLASS, passed=True)
    one_failed = _class(honest, "有人未过")
    _learners(one_failed, LARGE_CLASS - 1, passed=True)
    _learners(one_failed, 1, passed=False)
    small = _class(honest, "小班")
    _learners(small, LARGE_CLASS - 1, passed=True)
    burst = _class(honest, "同秒班")
    people = _learners(burst, SAME_SECOND)
    moment = dt.datetime(2014, 4, 2, 9, 0, 0, 123000, tzinfo=dt.UTC)
    Enrollment.objects.filter(professional__in=people).update(created_at=moment)
    kinds = {(p.provider, p.kind): p for p in provider_patterns(shantou, 2014)}
    assert set(kinds) == {("全过学院", "all_pass"), ("如实学院", "same_second")}
    assert kinds[("全过学院", "all_pass")].classes == [(big.pk, "大班")]
    assert kinds[("如实学院", "same_second")].classes == [(burst.pk, "同秒班")]


def test_open_flags_by_type_and_provider_and_their_records(shantou: Region) -> None:
    plan = _class(ProviderFactory(name="汕头市行政学院"), "研修班")
    people = _learners(plan, 3)
    _entered(plan, people, END)
    records = list(HourRecord.objects.order_by("pk"))
    for record in records[:2]:
        IntegrityFlag.objects.create(record=record, kind="overlap", message="与另一班时间重叠")
    IntegrityFlag.objects.create(
        record=records[2],
        kind="overlap",
        message="与另一班时间重叠",
        status=FlagStatus.CLEARED,
        cleared_at=timezone.now(),
        comment="核实为上下午两个时段",
    )
    counts = flags_by_kind_and_provider(shantou, 2014)
    assert [(c.label, c.provider, c.count) for c in counts] == [("时间重叠", "汕头市行政学院", 2)]
    client = Client()
    client.force_login(grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500").assignment.user)
    board = client.get(reverse("inspections:anomalies"), {"year": 2014}).content.decode()
    assert "待核实的疑点（2）" in board
    listed = client.get(
        reverse("inspections:anomaly_records"),
        {"year": 2014, "kind": "overlap", "provider": "汕头市行政学院"},
    ).content.decode()
    assert people[0].full_name in listed
    assert people[2].full_name not in listed  # its flag was cleared
    far = Client()
    far.force_login(grant(UserFactory(), Role.BUREAU_STAFF, region_id="350504").assignment.user)
    assert (
        "没有待核实的疑点"
        in far.get(reverse("inspections:anomalies"), {"year": 2014}).content.decode()
    )
