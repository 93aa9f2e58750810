"""Journey: 调训验证 (Luojiang §二(二); issue 17), in headless Chromium. A new engineer's year is
wholly the bureau's own trainings (its 初任班 and a 公共课); the employer issues the
certificate, the bureau verifies it directly from 待我验证的证书 with its training stamp (no
roster), and the public page shows who verified it, with which seal, and when."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import (
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
def dispatched(settings: Any, tmp_path: Path) -> Certificate:
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"
    regions()
    company = EmployerFactory(region_id="350504", name="泉州市洛江区市政工程有限公司")
    person = employ(ProfessionalFactory(full_name="陈辉", series="engineering"), company)
    bureau = grant(
        UserFactory(username="lj-hrss", full_name="林验证"), Role.BUREAU_STAFF, region_id="350504"
    )
    for category, hours, title in (
        ("professional", 60, "新录用专业技术人员初任培训班"),
        ("public", 30, "公共课：专业技术人员职业道德与诚信建设"),
    ):
        HourRecord.objects.create(
            professional=person,
            category=category,
            hours=Decimal(hours),
            content=title,
            start_date=dt.date(2017, 4, 10),
            end_date=dt.date(2017, 4, 21),
            credited_year=2017,
            status=RecordState.APPROVED,
            source=RecordSource.SYSTEM,
            chain={"entered_by": ["bureau"], "steps": []},
            declared_by=bureau.assignment.user,
            declared_role=Role.BUREAU_STAFF,
        )
    admin = grant(UserFactory(username="lj-company"), Role.EMPLOYER_ADMIN, employer=company)
    return certificate_issue(
        actor=admin.assignment.user, active=admin, professional_id=person.pk, year=2017
    )


def test_the_bureau_verifies_its_own_trainees_certificate_directly(
    browser: Any, dispatched: Certificate
) -> None:
    public = browser.page("anyone")
    public.goto(f"/certificates/verify/?no={dispatched.number}&code={dispatched.verification_code}")
    assert "待人力资源和社会保障部门调训验证" in public.locator("#verify-result").inner_text()

    bureau = browser.login("bureau", "lj-hrss", PASSWORD)
    bureau.locator("nav.site-nav").get_by_role("link", name="待我验证的证书").click()
    assert "陈辉" in bureau.locator("#awaiting").inner_text()
    bureau.once("dialog", lambda dialog: dialog.accept())
    with bureau.expect_navigation():
        bureau.locator("#awaiting").get_by_role("button", name="调训验证").click()
    assert "已调训验证" in bureau.content()

    public.reload()
    result = public.locator("#verify-result").inner_text()
    assert "有效" in result
    (line,) = public.locator(".stamp-line").all_inner_texts()
    dispatched.refresh_from_db()
    assert line == (
        "调训验证：洛江区人力资源和社会保障局（经办人 林验证，"
        "洛江区人力资源和社会保障局职业能力培训专用章），"
        f"{dispatched.stamped_at.astimezone():%Y-%m-%d}"
    )
