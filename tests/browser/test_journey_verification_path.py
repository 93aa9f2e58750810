"""Journey: a Luojiang teacher's certificate along the path its notice names (§二(一); issue
17), in headless Chromium. The school writes the cycle into the certificate; the education
bureau checks and stamps it (审核验印); at the cycle's end the bureau and the education bureau
each stamp the joint verification (统一验证); the public page then shows who verified, which
body and when, and that the next year's appointment and promotion cannot be decided."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.certificates.models import Certificate
from xueshi.certificates.services import certificate_issue
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"


@pytest.fixture
def teacher(settings: Any, tmp_path: Path) -> Certificate:
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"
    regions()
    school = EmployerFactory(region_id="350504", name="洛江区实验小学")
    person = employ(ProfessionalFactory(full_name="周杰", series="teacher"), school)
    HourRecord.objects.create(
        professional=person,
        category="professional",
        hours=Decimal(40),
        content="小学数学核心素养研修班",
        start_date=dt.date(2017, 7, 10),
        end_date=dt.date(2017, 7, 16),
        credited_year=2017,
        status=RecordState.APPROVED,
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
    )
    education = AuthorityFactory(name="洛江区教育局", region_id="350504", series=["teacher"])
    grant(
        UserFactory(username="lj-edu", full_name="陈审核"),
        Role.AUTHORITY_REVIEWER,
        authority=education,
    )
    grant(
        UserFactory(username="lj-hrss", full_name="林验证"), Role.BUREAU_STAFF, region_id="350504"
    )
    admin = grant(UserFactory(username="lj-school"), Role.EMPLOYER_ADMIN, employer=school)
    return certificate_issue(
        actor=admin.assignment.user, active=admin, professional_id=person.pk, year=2017
    )


def _stamp(page: Any, act: str) -> None:
    page.locator("nav.site-nav").get_by_role("link", name="待我验证的证书").click()
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.locator("#awaiting").get_by_role("button", name=act).click()
    assert f"已{act}" in page.content()


def test_a_teachers_cycle_verified_by_its_roles_and_shown_publicly(
    browser: Any, teacher: Certificate
) -> None:
    public = browser.page("anyone")
    public.goto(f"/certificates/verify/?no={teacher.number}&code={teacher.verification_code}")
    result = public.locator("#verify-result").inner_text()
    assert "尚未完成验证" in result
    assert "待行业主管部门审核验印" in result

    education = browser.login("education", "lj-edu", PASSWORD)
    bureau = browser.login("bureau", "lj-hrss", PASSWORD)
    # The bureau is not awaited before the yearly check: nothing on its list.
    bureau.locator("nav.site-nav").get_by_role("link", name="待我验证的证书").click()
    assert "暂无待您验证的证书" in bureau.locator("#awaiting").inner_text()

    _stamp(education, "审核验印")
    _stamp(bureau, "统一验证")
    public.reload()
    assert "待行业主管部门统一验证（会同办理）" in public.locator("#verify-result").inner_text()
    _stamp(education, "统一验证")

    public.reload()
    result = public.locator("#verify-result").inner_text()
    assert "有效" in result
    lines = public.locator(".stamp-line").all_inner_texts()
    assert [line.split("：", 1)[0] for line in lines] == ["审核验印", "统一验证", "统一验证"]
    assert "洛江区教育局（经办人 陈审核）" in lines[0]
    assert "洛江区人力资源和社会保障局（经办人 林验证）" in lines[1]
    assert "洛江区教育局（经办人 陈审核）" in lines[2]
    teacher.refresh_from_db()
    assert all(f"{teacher.stamped_at.astimezone():%Y}" in line for line in lines)
    assert "2018 年度能否评聘、晋升：无法判定" in public.locator("#consequence").inner_text()
