"""年度工作总结 (issue 13, item 4; Shantou 2014 §六(六): 12月20日前报市人社局): a draft from the
data, saved, submitted once with confirmation, and the bureau above seeing who has not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import (
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    grant,
    regions,
)
from xueshi import clock
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.inspections.models import SummaryStatus, WorkSummary
from xueshi.inspections.summaries import summaries_below, work_summary_save
from xueshi.organisations.models import Region
from xueshi.training.models import ClassPlan, ClassStatus, Enrollment

pytestmark = pytest.mark.django_db


@pytest.fixture
def academy() -> Any:
    regions()
    provider = ProviderFactory(name="汕头市行政学院", region_id="440500")
    for n in range(2):
        plan = ClassPlan.objects.create(
            provider=provider,
            region_id="440500",
            title=f"研修班{n + 1}",
            category="professional",
            start_date=dt.date(2014, 5, 5 + n),
            end_date=dt.date(2014, 5, 7 + n),
            hours=Decimal(21),
            status=ClassStatus.APPROVED,
        )
        for passed in (True, True, False):
            Enrollment.objects.create(
                class_plan=plan, professional=ProfessionalFactory(), passed=passed
            )
    return provider


def test_a_provider_drafts_and_submits_its_summary_once(academy: Any) -> None:
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=academy)
    client = Client()
    client.force_login(staff.assignment.user)
    with clock.at(dt.date(2014, 12, 10)):
        page = client.get(reverse("inspections:summary"), {"year": 2014}).content.decode()
    assert "报送期限：2014年12月20日 前" in page
    assert "六(六)" in page
    figures = page[page.index('id="figures"') :]
    assert "举办培训班（个）</dt><dd" in figures
    url = reverse("inspections:summary")
    with clock.at(dt.date(2014, 12, 10)):
        client.post(url, {"year": 2014, "text": "全年举办两期研修班。", "save": ""})
        summary = WorkSummary.objects.get()
        assert summary.status == SummaryStatus.DRAFT
        assert summary.figures["classes"] == 2
        assert (summary.figures["learners"], summary.figures["passed"]) == (6, 4)
        unconfirmed = client.post(
            url, {"year": 2014, "text": "全年举办两期研修班。", "submit": ""}, follow=True
        )
        assert "报送前请勾选确认" in unconfirmed.content.decode()
        assert WorkSummary.objects.get().status == SummaryStatus.DRAFT
        client.post(
            url, {"year": 2014, "text": "全年举办两期研修班。", "submit": "", "confirm": "on"}
        )
    assert WorkSummary.objects.get().status == SummaryStatus.SUBMITTED
    with (
        clock.at(dt.date(2014, 12, 11)),
        pytest.raises(ServiceError, match=r"已于 .* 报送，不能再修改"),
    ):
        work_summary_save(
            actor=staff.assignment.user, active=staff, year=2014, text="改", submit=False
        )
    assert list(
        AuditEvent.objects.filter(target_type="inspections.worksummary")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["work_summary_save", "work_summary_submit"]


def test_the_bureau_above_sees_who_has_not_submitted_and_who_is_late(academy: Any) -> None:
    ProviderFactory(name="汕头市卫生学校", region_id="440500")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=academy)
    with clock.at(dt.date(2014, 12, 10)):
        work_summary_save(
            actor=staff.assignment.user, active=staff, year=2014, text="总结", submit=True
        )
    city = Region.objects.get(code="440500")
    with clock.at(dt.date(2014, 12, 25)):
        rows = {r.name: r for r in summaries_below(city, 2014)}
        assert rows["汕头市行政学院"].state == "已报送"
        assert not rows["汕头市行政学院"].late
        assert rows["汕头市卫生学校"].state == "未报送"
        assert rows["汕头市卫生学校"].late  # the 20th has passed
        bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
        client = Client()
        client.force_login(bureau.assignment.user)
        page = client.get(reverse("inspections:summaries"), {"year": 2014}).content.decode()
    assert 'id="missing">1<' in page
    assert "未报送（逾期）" in page


def test_only_providers_and_bureaus_write_summaries(academy: Any) -> None:
    employer_admin = grant(UserFactory(), Role.PROFESSIONAL)
    with pytest.raises(ServiceError, match="只有施教机构和人力资源社会保障部门"):
        work_summary_save(
            actor=employer_admin.assignment.user,
            active=employer_admin,
            year=2014,
            text="x",
            submit=True,
        )
    assert not WorkSummary.objects.exists()
