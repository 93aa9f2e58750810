"""Employers' continuing-education funding against Guangdong 2018 §四 (issue 13, item 5):
the share in force with its clause, the employer's report (validated, idempotent, audited,
corrections kept), the employer's page and the bureau's statistics with an Excel export."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.exports import export_download
from tests.support.factories import EmployerFactory, UserFactory, grant, regions
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.funding.models import EmployerFunding
from xueshi.funding.selectors import FundingStatus, funding_check, funding_rule
from xueshi.funding.services import employer_funding_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def employer() -> Any:
    regions()
    return EmployerFactory(region_id="440500", name="汕头市第一医院")


def _admin(employer: Any) -> Any:
    return grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)


def _record(active: Any, year: int, payroll: str, spending: str) -> tuple[Any, bool]:
    return employer_funding_record(
        actor=active.assignment.user,
        active=active,
        year=year,
        payroll_total=Decimal(payroll),
        spending=Decimal(spending),
    )


def test_the_share_is_guangdongs_while_its_opinion_is_in_force() -> None:
    regions()
    rule = funding_rule("440500", 2019)
    assert rule is not None
    assert rule.share == Decimal("1.5")
    assert "§" not in rule.citation
    assert "四" in rule.citation
    assert "1.5%" in rule.clause
    assert funding_rule("440500", 2018) is not None  # in force from 2018-11-01: the year's end
    assert funding_rule("440500", 2023) is not None  # until 2023-10-31: the year's start
    assert funding_rule("440500", 2017) is None
    assert funding_rule("440500", 2024) is None  # five years, not renewed in the data
    assert funding_rule("350504", 2019) is None  # Fujian: no share in the notices


def test_a_report_is_checked_against_the_share(employer: Any) -> None:
    active = _admin(employer)
    _record(active, 2019, "1000000", "12000")
    check = funding_check(employer, 2019)
    assert (check.share, check.required, check.shortfall) == (
        Decimal("1.20"),
        Decimal("15000.00"),
        Decimal("3000.00"),
    )
    assert check.status == FundingStatus.SHORT
    _record(active, 2019, "1000000", "15000")
    check = funding_check(employer, 2019)
    assert (check.status, check.shortfall) == (FundingStatus.MET, Decimal(0))
    assert funding_check(employer, 2020).status == FundingStatus.NOT_ENTERED
    assert funding_check(employer, 2025).status == FundingStatus.NO_RULE


def test_sending_the_same_figures_again_changes_nothing_a_correction_is_kept(
    employer: Any,
) -> None:
    active = _admin(employer)
    assert _record(active, 2019, "1000000", "12000")[1] is True
    assert _record(active, 2019, "1000000.00", "12000")[1] is False
    assert EmployerFunding.objects.count() == 1
    assert AuditEvent.objects.filter(action="employer_funding_record").count() == 1
    _record(active, 2019, "1000000", "16000")
    events = AuditEvent.objects.filter(action="employer_funding_record").order_by("pk")
    assert events.count() == 2
    assert events.last().data["before"] == {"payroll_total": "1000000.00", "spending": "12000.00"}
    assert EmployerFunding.objects.get().spending == Decimal("16000.00")


@pytest.mark.parametrize(
    ("year", "payroll", "spending", "message"),
    [
        (2019, "0", "0", "工资总额应大于 0 元"),
        (2019, "1000", "-1", "经费支出不能为负数"),
        (2019, "1000", "1001", "经费支出不能超过工资总额"),
        (2100, "1000", "10", "年度应在"),
    ],
)
def test_bad_figures_are_refused_and_nothing_is_written(
    employer: Any, year: int, payroll: str, spending: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message):
        _record(_admin(employer), year, payroll, spending)
    assert not EmployerFunding.objects.exists()
    assert not AuditEvent.objects.filter(action="employer_funding_record").exists()


def test_only_the_employers_administrator_reports(employer: Any) -> None:
    reviewer = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer)
    with pytest.raises(ServiceError, match="只有用人单位管理员"):
        _record(reviewer, 2019, "1000", "10")
    client = Client()
    client.force_login(reviewer.assignment.user)
    page = client.get(reverse("funding:employer"))
    assert page.status_code == 200
    assert "填报或更正" not in page.content.decode()
    client.post(
        reverse("funding:employer"), {"year": 2019, "payroll_total": "1000", "spending": "10"}
    )
    assert not EmployerFunding.objects.exists()


def test_the_employers_page_reports_and_shows_the_check_with_its_clause(employer: Any) -> None:
    client = Client()
    client.force_login(_admin(employer).assignment.user)
    response = client.post(
        reverse("funding:employer"),
        {"year": 2019, "payroll_total": "2000000", "spending": "20000", "note": ""},
        follow=True,
    )
    text = response.content.decode()
    assert "已保存 2019 年度继续教育经费" in text
    row = text[text.index('data-year="2019"') :]
    row = row[: row.index("</tr>")]
    assert "1.00%" in row
    assert "不低于 1.5%" in row
    assert "低于比例" in row
    assert "10000.00" in row
    assert "广东省" in row  # the citation of the opinion
    bad = client.post(
        reverse("funding:employer"), {"year": 2019, "payroll_total": "100", "spending": "200"}
    )
    assert "经费支出不能超过工资总额" in bad.content.decode()
    assert EmployerFunding.objects.get().spending == Decimal("20000.00")


def test_the_bureau_sees_its_employers_and_exports_them(employer: Any) -> None:
    other = EmployerFactory(region_id="440500", name="汕头市建筑设计院")
    far = EmployerFactory(region_id="350504", name="洛江区某中学")
    _record(_admin(employer), 2019, "1000000", "20000")
    _record(_admin(other), 2019, "1000000", "5000")
    _record(_admin(far), 2019, "1000000", "1")
    client = Client()
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    client.force_login(bureau.assignment.user)
    text = client.get(reverse("funding:bureau"), {"year": 2019}).content.decode()
    assert "汕头市第一医院" in text
    assert "汕头市建筑设计院" in text
    assert "洛江区某中学" not in text
    summary = text[text.index('id="summary"') : text.index('id="export"')]
    assert [int(n) for n in re.findall(r"<strong[^>]*>(\d+)</strong>", summary)] == [
        2,
        2,
        1,
        1,
    ]
    assert "1.25%" in summary  # 25,000 of 2,000,000
    short = client.get(reverse("funding:bureau"), {"year": 2019, "status": "short"})
    assert "汕头市建筑设计院" in short.content.decode()
    assert "汕头市第一医院" not in short.content.decode()
    data = export_download(client, reverse("funding:bureau_xlsx"), {"year": 2019})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0).to_python()
    assert rows[0][0] == "用人单位"
    by_name = {r[0]: r for r in rows[1:]}
    assert set(by_name) == {"汕头市第一医院", "汕头市建筑设计院"}
    assert by_name["汕头市建筑设计院"][5:9] == [0.5, 1.5, 10000.0, "低于比例"]
