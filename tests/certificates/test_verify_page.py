"""The public verification page as its load takes it: anonymous scans get a page without the
signed-in layout, from one query, with every value escaped; signed-in users keep their
navigation. The baseline views of bench/verify_wrk.py are not mounted unless asked for."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve, reverse

from tests.certificates.test_services import complete_shantou_year
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
from xueshi.certificates.models import Certificate
from xueshi.certificates.selectors import hours_shown, qr_url
from xueshi.certificates.services import certificate_issue, certificate_revoke
from xueshi.certificates.token import PATH as TOKEN_PATH
from xueshi.certificates.verification import SHOWN_FIELDS, certificate_lookup

pytestmark = pytest.mark.django_db


def issued_to(full_name: str, employer_name: str = "汕头市第一中学") -> Certificate:
    """A Shantou professional's 2014 certificate, issued by themselves."""
    regions()
    employer = EmployerFactory(region_id="440500", name=employer_name)
    person = employ(ProfessionalFactory(full_name=full_name), employer)
    complete_shantou_year(person)
    me = grant(person.user, Role.PROFESSIONAL)
    return certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)


def revoke(certificate: Certificate, reason: str) -> None:
    """Revoked by the Shantou bureau."""
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    certificate_revoke(
        actor=bureau.assignment.user, active=bureau, certificate_id=certificate.pk, reason=reason
    )


@pytest.fixture
def certificate() -> Certificate:
    return issued_to("陈一", "汕头市<第一>中学")


def _page(client: Client, number: str, code: str = "2345ABCD") -> str:
    response = client.get(reverse("certificates:verify"), {"no": number, "code": code})
    assert response.status_code == 200
    return response.content.decode()


def _scan(client: Client, certificate: Certificate) -> Any:
    """What a phone opens: the QR's short address (its path; the host is the test server's)."""
    url = qr_url(certificate)
    return client.get(url[url.index(TOKEN_PATH) :])


def test_an_anonymous_scan_gets_the_result_without_the_signed_in_layout(
    certificate: Certificate,
) -> None:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        response = _scan(client, certificate)
    text = response.content.decode()
    assert len(queries) == 1  # the certificate and the names it shows; no session, no user
    assert 'id="verify-result"' in text
    assert certificate.number in text
    assert "陈一" in text
    assert certificate.professional.masked_id_number in text
    assert id_number_of(certificate.professional) not in text
    assert "尚未验证盖章" in text
    assert "42 学时" in text
    assert reverse("accounts:login") in text
    assert "退出" not in text
    assert "csrftoken" not in response.cookies
    assert "二维码签名有效" in text


def test_a_signed_in_user_keeps_the_navigation(certificate: Certificate) -> None:
    client = Client()
    client.force_login(certificate.professional.user)
    text = _page(client, certificate.number, certificate.verification_code)
    assert 'id="verify-result"' in text
    assert "陈一" in text
    assert "退出" in text
    assert "我的证书" in text  # the professional's navigation


def test_every_value_on_the_page_is_escaped(certificate: Certificate) -> None:
    revoke(certificate, '伪造<script>alert("x")</script>')
    text = _page(Client(), certificate.number, certificate.verification_code)
    assert "已撤销" in text
    assert "<script>" not in text
    # The reason is the holder's and the bureau's business, not a verifier's.
    assert "伪造" not in text
    assert "汕头市&lt;第一&gt;中学" in text
    assert "汕头市<第一>中学" not in text


def test_a_typed_number_is_echoed_escaped_and_an_overlong_one_is_refused() -> None:
    text = _page(Client(), '"><b>x</b>')
    assert "<b>x</b>" not in text
    assert 'value="&quot;&gt;&lt;b&gt;x&lt;/b&gt;"' in text
    assert "证书编号与核验码（或持证人姓名）不符" in text
    assert "输入的内容无效" in _page(Client(), "9" * 41)
    nul = Client().get(reverse("certificates:verify"), {"no": "12\x0034"})
    assert "输入的内容无效" in nul.content.decode()


def test_the_page_without_a_query_asks_for_nothing() -> None:
    text = Client().get(reverse("certificates:verify")).content.decode()
    assert 'id="verify-error"' not in text
    assert 'name="no"' in text


def test_the_one_query_reads_what_the_orm_reads(certificate: Certificate) -> None:
    found = certificate_lookup(certificate.number)
    assert found is not None
    loaded, names = found
    fresh = Certificate.objects.select_related("professional", "region", "employer").get(
        pk=certificate.pk
    )
    for field in SHOWN_FIELDS:
        assert getattr(loaded, field) == getattr(fresh, field), field
    assert names == {
        "holder_name": fresh.professional.full_name,
        "holder_id_number": fresh.professional.masked_id_number,  # stored masked
        "region_name": fresh.region.name,
        "employer_name": fresh.employer.name if fresh.employer else None,
    }
    assert certificate_lookup("no-such-number") is None


def test_the_benchmark_baseline_is_not_mounted_by_default(settings: Any) -> None:
    with pytest.raises(Resolver404):
        resolve("/_bench/certificate/")


def test_the_figures_show_in_the_order_they_are_issued_in() -> None:
    """PostgreSQL's jsonb keeps an object's keys in an order of its own (shortest first)."""
    stored = {"total": "74", "public": "20", "elective": "12", "professional": "42"}
    assert [line["label"] for line in hours_shown(stored)] == [
        "公需科目",
        "专业科目",
        "选修科目",
        "合计",
    ]
    assert hours_shown({"credits": "25"}) == ({"label": "学分", "figure": "25 分"},)
