"""The catalogue: public subjects by region and year, professional-subject guides, and
providers with their filing status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.catalogue.services import (
    provider_filing_status_change,
    public_subject_add,
    subject_guide_add,
)
from xueshi.errors import ServiceError
from xueshi.organisations.models import ProviderFilingStatus

pytestmark = pytest.mark.django_db

TODAY = dt.date(2014, 4, 11)


@pytest.fixture
def bureaus():
    regions()
    return {
        "guangdong": grant(UserFactory(), Role.BUREAU_STAFF, region_id="440000"),
        "shantou": grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500"),
        "kaifeng": grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200"),
        "luojiang": grant(UserFactory(), Role.BUREAU_STAFF, region_id="350504"),
    }


def _add(active: ActiveRole, **extra: Any) -> PublicSubject:
    data: dict[str, Any] = {
        "actor": active.assignment.user,
        "active": active,
        "for_year": 2014,
        "title": "专业技术人员职业道德与诚信建设",
        "hours": Decimal(20),
        "required": True,
        "today": TODAY,
    }
    data.update(extra)
    return public_subject_add(**data)


# --- public subjects ------------------------------------------------------------------


def test_shantou_publishes_its_two_2014_subjects_and_past_year_make_up(bureaus) -> None:
    """S1, S7: two public subjects of 20 h in 2014, and 2013's subjects offered for make-up."""
    shantou = bureaus["shantou"]
    _add(shantou)
    _add(shantou, title="专业技术人员创新能力建设", required=False)
    makeup = _add(shantou, for_year=2013, title="专业技术人员心理健康与心理调适", makeup=True)

    assert makeup.makeup
    assert makeup.for_year == 2013
    assert PublicSubject.objects.filter(region_id="440500", for_year=2014).count() == 2
    assert AuditEvent.objects.filter(action="public_subject_add").count() == 3


def test_a_title_is_published_once_per_region_and_year(bureaus) -> None:
    _add(bureaus["shantou"])
    with pytest.raises(ServiceError, match="汕头市2014 年度已有名为") as caught:
        _add(bureaus["shantou"], hours=Decimal(10))
    assert caught.value.field == "title"
    # The same title in another year or another region is another subject.
    _add(bureaus["shantou"], for_year=2015)
    _add(bureaus["kaifeng"])
    assert PublicSubject.objects.count() == 3


@pytest.mark.parametrize(
    ("extra", "field", "message"),
    [
        ({"hours": Decimal(0)}, "hours", "学时应大于 0"),
        ({"hours": Decimal(-3)}, "hours", "学时应大于 0"),
        ({"hours": Decimal("1000")}, "hours", "学时不能超过"),
        ({"hours": Decimal("2.25")}, "hours", "一位小数"),
        ({"hours": Decimal("NaN")}, "hours", "学时应大于 0"),
        ({"for_year": 1999}, "for_year", "年度应在 2000 至 2015 之间"),
        ({"for_year": 2016}, "for_year", "年度应在 2000 至 2015 之间"),
        ({"title": "   "}, "title", "请填写名称"),
        ({"makeup": True}, "for_year", "补修科目的所属年度应早于今年"),
    ],
)
def test_bad_subjects_are_refused_with_chinese_messages(
    bureaus,
    extra: dict[str, Any],
    field: str,
    message: str,
) -> None:
    with pytest.raises(ServiceError, match=message) as caught:
        _add(bureaus["shantou"], **extra)
    assert caught.value.field == field
    assert not PublicSubject.objects.exists()


def test_only_province_and_city_bureaus_publish_public_subjects(bureaus) -> None:
    _add(bureaus["guangdong"], title="广东省公需科目")
    with pytest.raises(ServiceError, match="只有省级、市级人社部门"):
        _add(bureaus["luojiang"])
    employer = EmployerFactory()
    admin = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    with pytest.raises(ServiceError, match="只有省级、市级人社部门"):
        _add(admin)
    assert list(PublicSubject.objects.values_list("region_id", flat=True)) == ["440000"]


def test_the_list_shows_a_regions_own_and_its_provinces_subjects(client: Client, bureaus) -> None:
    _add(bureaus["shantou"], title="汕头科目")
    _add(bureaus["guangdong"], title="广东科目")
    _add(bureaus["kaifeng"], title="开封科目")
    person = employ(ProfessionalFactory(), EmployerFactory(region_id="440500"))
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)

    mine = client.get(reverse("catalogue:public_subjects")).content.decode()
    assert "汕头科目" in mine
    assert "广东科目" in mine
    assert "开封科目" not in mine

    everything = client.get(reverse("catalogue:public_subjects"), {"region": ""}).content.decode()
    assert "开封科目" in everything
    other_year = client.get(
        reverse("catalogue:public_subjects"), {"region": "440500", "year": 2015}
    ).content.decode()
    assert "汕头科目" not in other_year


def test_the_make_up_filter_separates_past_year_subjects(client: Client, bureaus) -> None:
    _add(bureaus["shantou"], title="当年科目")
    _add(bureaus["shantou"], for_year=2012, title="补修科目甲", makeup=True)
    client.force_login(bureaus["shantou"].assignment.user)
    url = reverse("catalogue:public_subjects")

    makeup = client.get(url, {"kind": "makeup"}).content.decode()
    current = client.get(url, {"kind": "current"}).content.decode()
    assert "补修科目甲" in makeup
    assert "当年科目" not in makeup
    assert "当年科目" in current
    assert "补修科目甲" not in current


def test_the_add_page_publishes_and_shows_errors_in_chinese(client: Client, bureaus) -> None:
    client.force_login(bureaus["shantou"].assignment.user)
    url = reverse("catalogue:public_subject_add")
    assert client.get(url).status_code == 200

    bad = client.post(url, {"for_year": "二〇一四", "title": "", "hours": "-1"})
    content = bad.content.decode()
    assert bad.status_code == 200
    assert "年度应为四位数字。" in content
    assert "请填写科目名称。" in content
    assert "学时应大于 0。" in content

    year = timezone.localdate().year
    ok = client.post(url, {"for_year": year, "title": "新科目", "hours": "20"})
    assert ok.status_code == 302
    dup = client.post(url, {"for_year": year, "title": "新科目", "hours": "10"})
    assert "已有名为“新科目”的公需科目" in dup.content.decode()
    assert PublicSubject.objects.count() == 1


def test_the_add_page_is_refused_to_district_bureaus_and_other_roles(
    client: Client, bureaus
) -> None:
    url = reverse("catalogue:public_subject_add")
    client.force_login(bureaus["luojiang"].assignment.user)
    assert client.get(url).status_code == 403
    person = ProfessionalFactory()
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"for_year": 2014, "title": "x", "hours": "2"}).status_code == 403
    assert not PublicSubject.objects.exists()


# --- guides ---------------------------------------------------------------------------


def test_an_authority_publishes_guides_for_its_own_series_only(client: Client, bureaus) -> None:
    authority = AuthorityFactory(name="汕头市卫生健康局", series=["health"])
    reviewer = grant(UserFactory(), Role.AUTHORITY_REVIEWER, authority=authority)
    guide = subject_guide_add(
        actor=reviewer.assignment.user,
        active=reviewer,
        year=2014,
        series="health",
        title="2014 年卫生系列专业科目指南",
        content="急诊急救新进展",
        today=TODAY,
    )
    assert guide.authority == authority
    with pytest.raises(ServiceError, match="不主管教师系列") as caught:
        subject_guide_add(
            actor=reviewer.assignment.user,
            active=reviewer,
            year=2014,
            series="teacher",
            title="教师指南",
            today=TODAY,
        )
    assert caught.value.field == "series"
    with pytest.raises(ServiceError, match="只有行业主管部门"):
        subject_guide_add(
            actor=UserFactory(), active=bureaus["shantou"], year=2014, series="health", title="x"
        )
    assert SubjectGuide.objects.count() == 1

    client.force_login(reviewer.assignment.user)
    page = client.get(reverse("catalogue:guide_add")).content.decode()
    assert 'value="health"' in page
    assert 'value="teacher"' not in page
    refused = client.post(
        reverse("catalogue:guide_add"), {"year": 2014, "series": "teacher", "title": "教师指南"}
    )
    assert "请选择本部门主管的专业技术系列。" in refused.content.decode()
    listing = client.get(reverse("catalogue:guides"), {"series": "health"}).content.decode()
    assert "2014 年卫生系列专业科目指南" in listing


def test_guides_page_is_open_to_every_role_but_adding_is_not(client: Client, bureaus) -> None:
    client.force_login(bureaus["shantou"].assignment.user)
    assert client.get(reverse("catalogue:guides")).status_code == 200
    assert client.get(reverse("catalogue:guide_add")).status_code == 403


# --- providers ------------------------------------------------------------------------


def test_a_bureau_suspends_a_provider_in_its_region_with_a_reason(bureaus) -> None:
    """S16: a provider can lose its filing status; the change is audited with its reason."""
    provider = ProviderFactory(region_id="440500")
    shantou = bureaus["shantou"]
    changed = provider_filing_status_change(
        actor=shantou.assignment.user,
        active=shantou,
        provider_id=provider.pk,
        status="suspended",
        reason="未组织考核即发放证明",
    )
    assert changed.filing_status == ProviderFilingStatus.SUSPENDED
    event = AuditEvent.objects.get(action="provider_filing_status_change")
    assert (event.from_status, event.to_status) == ("filed", "suspended")
    assert event.comment == "未组织考核即发放证明"


def test_a_province_bureau_reaches_providers_below_it_and_a_city_does_not_reach_others(
    bureaus,
) -> None:
    shantou_provider = ProviderFactory(region_id="440500")
    kaifeng_provider = ProviderFactory(region_id="410200")
    guangdong = bureaus["guangdong"]
    provider_filing_status_change(
        actor=guangdong.assignment.user,
        active=guangdong,
        provider_id=shantou_provider.pk,
        status="revoked",
        reason="检查不合格",
    )
    with pytest.raises(ServiceError, match="不在本部门管辖范围内"):
        provider_filing_status_change(
            actor=guangdong.assignment.user,
            active=guangdong,
            provider_id=kaifeng_provider.pk,
            status="revoked",
            reason="检查不合格",
        )
    kaifeng_provider.refresh_from_db()
    assert kaifeng_provider.filing_status == ProviderFilingStatus.FILED


@pytest.mark.parametrize(
    ("status", "reason", "message"),
    [
        ("filed", "原因", "已是“已备案”"),
        ("closed", "原因", "请选择有效的备案状态"),
        ("suspended", "  ", "请填写变更原因"),
    ],
)
def test_bad_status_changes_are_refused(bureaus, status: str, reason: str, message: str) -> None:
    provider = ProviderFactory(region_id="440500")
    shantou = bureaus["shantou"]
    with pytest.raises(ServiceError, match=message):
        provider_filing_status_change(
            actor=shantou.assignment.user,
            active=shantou,
            provider_id=provider.pk,
            status=status,
            reason=reason,
        )
    assert not AuditEvent.objects.exists()


def test_the_provider_list_filters_and_the_change_needs_confirmation(
    client: Client, bureaus
) -> None:
    school = ProviderFactory(name="汕头市卫生学校", region_id="440500", sectors=["health"])
    ProviderFactory(name="汕头市行政学院", region_id="440500", sectors=["engineering"])
    ProviderFactory(name="开封市继续教育基地", region_id="410200")
    client.force_login(bureaus["shantou"].assignment.user)
    url = reverse("catalogue:providers")

    health = client.get(url, {"sector": "health"}).content.decode()
    assert "汕头市卫生学校" in health
    assert "汕头市行政学院" not in health
    assert "卫生" in health
    shantou_only = client.get(url, {"region": "440500"}).content.decode()
    assert "开封市继续教育基地" not in shantou_only
    everything = client.get(url).content.decode()
    assert everything.count("变更备案状态") == 2  # only for its own region's providers

    change = reverse("catalogue:provider_status", args=[school.pk])
    unconfirmed = client.post(change, {"status": "suspended", "reason": "检查"})
    assert "请勾选确认后再提交。" in unconfirmed.content.decode()
    school.refresh_from_db()
    assert school.filing_status == ProviderFilingStatus.FILED

    done = client.post(change, {"status": "suspended", "reason": "检查", "confirm": "on"})
    assert done.status_code == 302
    school.refresh_from_db()
    assert school.filing_status == ProviderFilingStatus.SUSPENDED


def test_a_bureau_cannot_open_the_change_page_of_a_provider_outside_its_region(
    client: Client, bureaus
) -> None:
    other = ProviderFactory(region_id="410200")
    client.force_login(bureaus["shantou"].assignment.user)
    response = client.post(
        reverse("catalogue:provider_status", args=[other.pk]),
        {"status": "revoked", "reason": "x", "confirm": "on"},
        follow=True,
    )
    assert "不在本部门管辖范围内" in response.content.decode()
    other.refresh_from_db()
    assert other.filing_status == ProviderFilingStatus.FILED


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("catalogue:public_subjects", {"region": "nowhere", "kind": "x"}, "请选择有效的地区。"),
        ("catalogue:public_subjects", {"year": "abc", "page": "-1"}, "年度应为四位数字。"),
        ("catalogue:public_subjects", {"year": "99999999999999999999"}, "年度不能晚于 2100。"),
        ("catalogue:guides", {"year": "2014", "series": "wizard"}, "请选择有效的专业技术系列。"),
        ("catalogue:guides", {"page": "last", "q": "x" * 500}, "不能超过 64 个字符"),
        ("catalogue:providers", {"region": "\x00", "status": "gone"}, "请选择有效的地区。"),
    ],
)
def test_malformed_filters_answer_with_a_message_not_a_server_error(
    client: Client,
    bureaus,
    name: str,
    params: dict[str, str],
    message: str,
) -> None:
    client.force_login(bureaus["shantou"].assignment.user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    assert message in response.content.decode()
