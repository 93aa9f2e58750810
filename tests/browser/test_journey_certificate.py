"""Journey: from a compliant year to a printed, stamped, publicly verified certificate.

Shantou 2014 (S11, S12): after the reviews the professional generates the certificate and
prints it; the employer submits its roster for verification; the bureau stamps it; anyone can
check it on the public page, where it now shows as valid and stamped.
"""

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
    id_number_of,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Certificate
from xueshi.certificates.offline import qr_texts_from_pdf
from xueshi.certificates.token import PATH, token_from_text, token_verify
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"


@pytest.fixture
def compliant(settings: Any, tmp_path: Path) -> dict[str, Any]:
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"
    regions()
    employer = EmployerFactory(region_id="440500", name="汕头市第二中学")
    person = employ(ProfessionalFactory(full_name="郭晓"), employer)
    grant(person.user, Role.PROFESSIONAL)
    for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
        HourRecord.objects.create(
            professional=person,
            category=category,
            hours=Decimal(hours),
            content="培训",
            start_date=dt.date(2014, 6, 2),
            end_date=dt.date(2014, 6, 4),
            credited_year=2014,
            status=RecordState.APPROVED,
            source=RecordSource.DECLARATION,
            declared_by=person.user,
            declared_role="professional",
        )
    admin = UserFactory(username="school-admin")
    grant(admin, Role.EMPLOYER_ADMIN, employer=employer)
    bureau = UserFactory(username="shantou-verifier")
    grant(bureau, Role.BUREAU_STAFF, region_id="440500")
    return {"person": person}


def test_compliant_year_to_stamped_publicly_verified_certificate(
    browser: Any, compliant: dict[str, Any], tmp_path: Path
) -> None:
    person = compliant["person"]
    me = browser.login("professional", person.user.username, PASSWORD)
    me.locator("nav.site-nav").get_by_role("link", name="我的证书").click()
    me.get_by_role("button", name="生成 2014 年度证书").click()
    me.wait_for_url("**/certificates/*/")
    assert "已生成证书 4405002014000001" in me.content()

    with me.expect_download() as download:
        me.get_by_role("link", name="下载 PDF（A4 横向）").click()
    pdf = tmp_path / "certificate.pdf"
    download.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")
    (qr,) = qr_texts_from_pdf(pdf)
    # The QR: a short signed token (number and verification code) at an upper-case address.
    signed = token_verify(token_from_text(qr) or "", keyring())
    certificate = Certificate.objects.get()
    assert (signed.number, signed.code) == (certificate.number, certificate.verification_code)

    public = browser.page("anyone")
    public.goto(browser.base_url + qr[qr.index(PATH) :])
    assert "尚未验证盖章" in public.locator("#verify-result").inner_text()

    employer = browser.login("employer", "school-admin", PASSWORD)
    employer.locator("nav.site-nav").get_by_role("link", name="证书与验证").click()
    employer.goto("/certificates/employer/?year=2014")
    employer.get_by_role("button", name="报送验证花名册").click()
    employer.wait_for_url("**/certificates/rosters/*/")
    assert employer.locator("#roster-status").inner_text() == "已报送"

    bureau = browser.login("bureau", "shantou-verifier", PASSWORD)
    bureau.locator("nav.site-nav").get_by_role("link", name="证书验证").click()
    bureau.locator("#rosters").get_by_role("link", name="查看").click()
    bureau.get_by_role("link", name="验证盖章").click()
    bureau.get_by_role("button", name="确认验证盖章").click()
    bureau.wait_for_url("**/certificates/rosters/*/")
    assert bureau.locator("#roster-status").inner_text() == "已验证"

    public.reload()
    result = public.locator("#verify-result").inner_text()
    assert "有效" in result
    assert "已验证盖章" in result
    assert id_number_of(person) not in public.content()
    assert Certificate.objects.get().stamped
