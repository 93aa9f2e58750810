"""Certificate pages: public verification, issuing, printing, rosters, the bureau's stamp."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

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
from xueshi.certificates.models import Certificate, PrintJob, PrintJobStatus, RosterStatus
from xueshi.certificates.services import certificate_issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings):
    settings.XUESHI_JOBS_INLINE = True
    regions()
    employer = EmployerFactory(region_id="440500", name="汕头市第一中学")
    person = employ(ProfessionalFactory(full_name="陈一"), employer)
    complete_shantou_year(person)
    me = grant(person.user, Role.PROFESSIONAL)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    return {"person": person, "me": me, "boss": boss, "bureau": bureau}


def _client(active) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def test_a_professional_generates_and_downloads_a_certificate(world) -> None:
    client = _client(world["me"])
    page = client.get(reverse("certificates:mine"))
    assert "生成 2014 年度证书" in page.content.decode()
    response = client.post(
        reverse("certificates:issue"),
        {"professional": world["person"].pk, "year": 2014, "next": reverse("certificates:mine")},
    )
    certificate = Certificate.objects.get()
    assert response.url == reverse("certificates:detail", args=[certificate.pk])
    pdf = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")


def test_public_page_shows_the_full_content_of_a_valid_qr(world) -> None:
    certificate = certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    page = Client().get(f"{reverse('certificates:verify')}?c={quote(certificate.payload)}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "陈一" in text
    assert world["person"].masked_id_number in text
    assert id_number_of(world["person"]) not in text
    assert "42 学时" in text
    assert "尚未验证盖章" in text
    assert "二维码签名有效" in text


@pytest.mark.parametrize(
    "payload",
    [
        "garbage",
        "XS1.k1.abc",
        "XS1." + "A" * 5000,
        "http://x/?c=",
        "%00%FF",
        "XS1.k20261121.e30.AAAA",
    ],
)
def test_bad_qr_payloads_get_a_clear_answer_never_a_500(world, payload: str) -> None:
    page = Client().get(reverse("certificates:verify"), {"c": payload})
    assert page.status_code == 200
    assert 'id="verify-error"' in page.content.decode()


def test_a_number_alone_answers_nothing(world) -> None:
    """Without its code (or the holder's name) a number is not looked up: the page asks for
    it, and says the same whether a certificate has that number or not."""
    certificate = certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    alone = Client().get(reverse("certificates:verify"), {"no": certificate.number})
    assert 'id="verify-result"' not in alone.content.decode()
    assert "请输入证书编号和核验码" in alone.content.decode()
    answers = [
        Client().get(reverse("certificates:verify"), {"no": number, "code": "2345ABCD"})
        for number in (certificate.number, "9999")
    ]
    texts = {a.content.decode().replace(certificate.number, "9999") for a in answers}
    assert len(texts) == 1
    assert "证书编号与核验码（或持证人姓名）不符" in texts.pop()


def test_a_revoked_certificate_shows_as_revoked(world) -> None:
    certificate = certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    client = _client(world["bureau"])
    client.post(
        reverse("certificates:change_status", args=[certificate.pk, "revoke"]),
        {"reason": "伪造证明"},
    )
    page = Client().get(
        reverse("certificates:verify"),
        {"no": certificate.number, "code": certificate.verification_code},
    )
    text = page.content.decode()
    assert "已撤销" in text
    assert "伪造证明" not in text  # the reason is not a verifier's business


def test_employer_batch_print_makes_one_pdf_with_progress(world) -> None:
    certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    client = _client(world["boss"])
    response = client.post(reverse("certificates:print_start"), {"year": 2014})
    job = PrintJob.objects.get()
    assert job.status == PrintJobStatus.DONE
    assert (job.done, job.total) == (1, 1)
    page = client.get(response.url, HTTP_HX_REQUEST="true")
    assert 'id="print-download"' in page.content.decode()
    download = client.get(reverse("certificates:print_download", args=[job.pk]))
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    other = _client(grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=EmployerFactory()))
    assert other.get(reverse("certificates:print_job", args=[job.pk])).status_code == 404


def test_an_empty_print_job_fails_with_a_reason(world) -> None:
    _client(world["boss"]).post(reverse("certificates:print_start"), {"year": 2016})
    job = PrintJob.objects.get()
    assert job.status == PrintJobStatus.FAILED
    assert "没有有效的证书" in job.error


def test_roster_to_stamp_through_the_pages(world) -> None:
    """S12: the employer submits the roster; the bureau stamps it on a verification day."""
    certificate = certificate_issue(
        actor=world["person"].user,
        active=world["me"],
        professional_id=world["person"].pk,
        year=2014,
    )
    boss = _client(world["boss"])
    response = boss.post(
        reverse("certificates:roster_new"), {"year": 2014, "certificates": [certificate.pk]}
    )
    roster_url = response.url
    xlsx = boss.get(roster_url + "xlsx/")
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"
    bureau = _client(world["bureau"])
    assert "待验证的花名册" in bureau.get(reverse("certificates:bureau")).content.decode()
    process = roster_url + "process/"
    with time_machine.travel(dt.datetime(2014, 6, 15, 10, tzinfo=dt.UTC)):  # a Sunday
        bureau.post(process)
    certificate.refresh_from_db()
    assert not certificate.stamped
    with time_machine.travel(dt.datetime(2014, 6, 16, 3, tzinfo=dt.UTC)):
        bureau.post(process)
    certificate.refresh_from_db()
    assert certificate.stamped
    assert certificate.roster_entries.get().roster.status == RosterStatus.PROCESSED
    name = certificate.professional.full_name
    page = Client().get(reverse("certificates:verify"), {"no": certificate.number, "name": name})
    assert "已验证盖章" in page.content.decode()


def test_a_professional_cannot_submit_a_roster_or_open_the_bureau_page(world) -> None:
    me = _client(world["me"])
    assert me.post(reverse("certificates:roster_new"), {"year": 2014}).status_code == 403
    assert me.get(reverse("certificates:bureau")).status_code == 403


def test_the_bureau_reenters_a_replaced_booklets_hours_through_the_page(in_guangde_2020) -> None:
    """G5 in the browser's terms: find the holder, upload the evidence again, 补登."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.certificates.test_services import approved
    from xueshi.certificates.services import booklet_issue

    regions()
    person = employ(ProfessionalFactory(region_id="341882"), EmployerFactory(region_id="341882"))
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="341882")
    record = approved(person, "professional", 60, 2020)
    booklet_issue(
        actor=bureau.assignment.user, active=bureau, professional_id=person.pk, kind="first"
    )
    booklet_issue(
        actor=bureau.assignment.user,
        active=bureau,
        professional_id=person.pk,
        kind="replacement",
        reason="损毁",
    )
    client = _client(bureau)
    page = client.get(reverse("certificates:bureau"), {"holder": id_number_of(person)})
    assert "待补登" not in page.content.decode()
    assert f'value="{record.pk}"' in page.content.decode()
    client.post(
        reverse("certificates:reentry"),
        {
            "record": record.pk,
            "holder": id_number_of(person),
            "evidence": SimpleUploadedFile(
                "证明.pdf", b"%PDF-1.4 x", content_type="application/pdf"
            ),
        },
    )
    page = client.get(reverse("certificates:bureau"), {"holder": id_number_of(person)})
    assert "没有待补登的学时" in page.content.decode()
