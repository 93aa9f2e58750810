"""Issuing certificates, numbering them, booklets, and the bureau's verification."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import (
    BookletIssueKind,
    Certificate,
    CertificateShape,
    CertificateStatus,
    RosterStatus,
)
from xueshi.certificates.services import (
    booklet_issue,
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    roster_process,
    roster_submit,
)
from xueshi.certificates.signing import verify
from xueshi.compliance.bridge import person_year_verdict
from xueshi.compliance.models import PersonYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(settings, tmp_path):
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"


def approved(person, category: str, hours: int, year: int, **extra) -> HourRecord:
    """An approved record, as the end of its review chain leaves it."""
    return HourRecord.objects.create(
        professional=person,
        category=category,
        hours=Decimal(hours),
        content=f"{category} 培训",
        start_date=dt.date(year, 6, 1),
        end_date=dt.date(year, 6, 5),
        credited_year=year,
        status=extra.pop("status", RecordState.APPROVED),
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
        **extra,
    )


def complete_shantou_year(person, year: int = 2014) -> None:
    """Meet the year: 2014 by Shantou's notice for 2014 (20 + 42 + 12); a later year by the
    national 90 h with professional ≥ 60 (the 2014 notice governs its own year only)."""
    approved(person, "public", 20, year)
    approved(person, "professional", 42 if year <= 2014 else 60, year)
    approved(person, "elective", 12, year)


@pytest.fixture
def shantou():
    regions()
    employer = EmployerFactory(region_id="440500")
    person = employ(ProfessionalFactory(), employer)
    return {
        "person": person,
        "me": grant(person.user, Role.PROFESSIONAL),
        "boss": grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer),
        "bureau": grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500"),
        "employer": employer,
    }


def test_a_compliant_shantou_year_gives_a_signed_numbered_certificate(shantou) -> None:
    """S11: after the reviews the system generates the certificate; S12: it needs a stamp."""
    person, me = shantou["person"], shantou["me"]
    complete_shantou_year(person)
    certificate = certificate_issue(
        actor=person.user, active=me, professional_id=person.pk, year=2014
    )
    assert certificate.number == "4405002014000001"
    assert certificate.shape == CertificateShape.ANNUAL_CERTIFICATE
    assert certificate.hours == {
        "public": "20",
        "professional": "42",
        "elective": "12",
        "total": "74",
    }
    assert certificate.stamp_required
    assert not certificate.in_effect  # not yet stamped
    content = verify(certificate.payload, keyring()).content
    assert content["no"] == certificate.number
    assert content["nm"] == person.full_name
    assert "*" in content["id"]
    second = employ(ProfessionalFactory(), shantou["employer"])
    complete_shantou_year(second)
    other = certificate_issue(
        actor=shantou["boss"].assignment.user,
        active=shantou["boss"],
        professional_id=second.pk,
        year=2014,
    )
    assert other.number == "4405002014000002"


def _numbers(value: object) -> object:
    """A stored verdict with its figures as numbers ("20.0" and "20" are the same hours)."""
    if isinstance(value, dict):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers(v) for v in value]
    if isinstance(value, str):
        try:
            return Decimal(value)
        except ArithmeticError:
            return value
    return value


def test_an_open_year_issues_from_the_ledger_row_the_bureau_sees(shantou) -> None:
    """The certificate shows what the ledger shows: issued from the row's sums, no second
    evaluation, and with the same verdict a fresh evaluation gives."""
    person, me = shantou["person"], shantou["me"]
    complete_shantou_year(person)
    ledger_rebuild(year=2014)  # the records above were written without the services
    fresh = person_year_verdict(person, 2014)[0].as_dict()
    certificate = certificate_issue(
        actor=person.user, active=me, professional_id=person.pk, year=2014
    )
    assert _numbers(certificate.verdict) == _numbers({**fresh, "source": "ledger"})
    assert certificate.hours == {
        "public": "20",
        "professional": "42",
        "elective": "12",
        "total": "74",
    }


def test_a_ledger_row_of_an_older_policy_is_not_issued_from(shantou) -> None:
    person, me = shantou["person"], shantou["me"]
    complete_shantou_year(person)
    ledger_rebuild(year=2014)
    PersonYear.objects.filter(professional=person).update(
        policy_version="old", compliant=False, professional_hours=0
    )
    certificate = certificate_issue(
        actor=person.user, active=me, professional_id=person.pk, year=2014
    )
    assert certificate.verdict["source"] == "evaluation"
    assert certificate.hours["professional"] == "42"


def test_pending_reviews_in_the_ledger_row_block_the_certificate(shantou) -> None:
    person, me = shantou["person"], shantou["me"]
    complete_shantou_year(person)
    approved(person, "elective", 6, 2014, status=RecordState.IN_REVIEW)
    ledger_rebuild(year=2014)
    assert PersonYear.objects.get(professional=person, year=2014).pending == 1
    with pytest.raises(ServiceError, match="尚有 1 条学时记录在审核中"):
        certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)


def test_an_incomplete_year_is_refused_with_what_is_missing(shantou) -> None:
    person, me = shantou["person"], shantou["me"]
    approved(person, "public", 20, 2014)
    with pytest.raises(ServiceError, match="专业科目尚缺 42 学时"):
        certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)
    assert not Certificate.objects.exists()


def test_pending_reviews_block_the_certificate_where_reviews_must_be_complete(shantou) -> None:
    person, me = shantou["person"], shantou["me"]
    complete_shantou_year(person)
    approved(person, "elective", 6, 2014, status=RecordState.IN_REVIEW)
    with pytest.raises(ServiceError, match="审核中"):
        certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)


def test_one_valid_certificate_per_year_reissue_keeps_history(shantou) -> None:
    person, me, bureau = shantou["person"], shantou["me"], shantou["bureau"]
    complete_shantou_year(person)
    first = certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)
    with pytest.raises(ServiceError, match="已生成"):
        certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2014)
    with pytest.raises(ServiceError, match="换发原因"):
        certificate_reissue(
            actor=bureau.assignment.user, active=bureau, certificate_id=first.pk, reason=" "
        )
    second = certificate_reissue(
        actor=bureau.assignment.user, active=bureau, certificate_id=first.pk, reason="姓名更正"
    )
    first.refresh_from_db()
    assert first.status == CertificateStatus.SUPERSEDED
    assert first.status_reason == "姓名更正"
    assert second.reissue_of_id == first.pk
    assert second.number != first.number
    revoked = certificate_revoke(
        actor=bureau.assignment.user, active=bureau, certificate_id=second.pk, reason="学时造假"
    )
    assert revoked.status == CertificateStatus.REVOKED
    assert Certificate.objects.count() == 2  # nothing deleted


def test_guangdong_2018_certificate_is_the_employers_confirmation(shantou) -> None:
    """P6: except education and health, the employer confirms and the e-certificate is made."""
    person, me, boss = shantou["person"], shantou["me"], shantou["boss"]
    complete_shantou_year(person, 2019)
    with pytest.raises(ServiceError, match="用人单位审核确认"):
        certificate_issue(actor=person.user, active=me, professional_id=person.pk, year=2019)
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2019
    )
    assert certificate.shape == CertificateShape.ANNUAL_E_CERTIFICATE
    assert certificate.number == "GD201900000001"
    assert not certificate.stamp_required
    assert certificate.in_effect


def test_guangde_booklet_keeps_its_number_through_renewal_and_replacement(in_guangde_2020) -> None:
    """G5: first issue, renewal and replacement keep the number; replacement asks for
    professional hours to be re-entered against evidence."""
    regions()
    employer = EmployerFactory(region_id="341882")
    person = employ(ProfessionalFactory(region_id="341882"), employer)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="341882")
    actor = bureau.assignment.user
    booklet = booklet_issue(actor=actor, active=bureau, professional_id=person.pk, kind="first")
    assert booklet.number == "GDS000001"
    with pytest.raises(ServiceError, match="已领取过"):
        booklet_issue(actor=actor, active=bureau, professional_id=person.pk, kind="first")
    renewed = booklet_issue(
        actor=actor, active=bureau, professional_id=person.pk, kind=BookletIssueKind.RENEWAL
    )
    with pytest.raises(ServiceError, match="补办原因"):
        booklet_issue(actor=actor, active=bureau, professional_id=person.pk, kind="replacement")
    replaced = booklet_issue(
        actor=actor, active=bureau, professional_id=person.pk, kind="replacement", reason="丢失"
    )
    assert renewed.number == replaced.number == "GDS000001"
    assert replaced.copies == 3
    assert replaced.reentry_since is not None
    approved(person, "public", 30, 2020)
    approved(person, "professional", 60, 2020)
    certificate = certificate_issue(
        actor=actor, active=bureau, professional_id=person.pk, year=2020
    )
    assert certificate.number == "GDS000001-2020"
    assert certificate.booklet_id == booklet.pk


def test_verification_by_employer_roster_on_a_verification_day(shantou) -> None:
    """S12: the employer applies in batch; the bureau stamps on the 10th, 15th… (rolled)."""
    person, me, boss, bureau = (shantou[k] for k in ("person", "me", "boss", "bureau"))
    complete_shantou_year(person)
    certificate = certificate_issue(
        actor=person.user, active=me, professional_id=person.pk, year=2014
    )
    with pytest.raises(ServiceError, match="不接受个人申请"):
        roster_submit(actor=person.user, active=me, year=2014, certificate_ids=[certificate.pk])
    roster = roster_submit(
        actor=boss.assignment.user,
        active=boss,
        year=2014,
        certificate_ids=[certificate.pk],
        today=dt.date(2014, 6, 12),
    )
    with pytest.raises(ServiceError, match="下一个受理日是 2014-06-16"):
        roster_process(
            actor=bureau.assignment.user,
            active=bureau,
            roster_id=roster.pk,
            today=dt.date(2014, 6, 15),
        )  # a Sunday: rolled to Monday the 16th
    processed = roster_process(
        actor=bureau.assignment.user, active=bureau, roster_id=roster.pk, today=dt.date(2014, 6, 16)
    )
    assert processed.status == RosterStatus.PROCESSED
    certificate.refresh_from_db()
    assert certificate.stamped
    assert certificate.in_effect
    assert "五(二)2" in certificate.stamp_rule
    assert certificate.stamped_at <= timezone.now()


def test_an_undecided_cycle_is_recorded_and_says_it_cannot_decide() -> None:
    """Issue 10, finding 1: a Luojiang teacher whose cycle meets its courses is still
    无法判定 (the cycle's 规定学时数 is set by the provincial education authority and not in
    the data). The teacher's certificate is the school's record of the learning (§二(一),
    issue 17): written, but it says the cycle cannot be decided, names the figure and what
    hangs on it, and signs no “completed”."""
    regions()
    employer = EmployerFactory(region_id="350504")
    person = employ(ProfessionalFactory(region_id="350504", series="teacher"), employer)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    approved(person, "public", 12, 2015, required=True)
    approved(person, "public", 12, 2017, required=True)
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
    )
    assert certificate.verdict["decided"] is False
    assert "中小学教师5年周期内继续教育规定学时数" in certificate.consequence
    assert certificate.consequence.startswith("2018 年度能否评聘、晋升：无法判定")
    assert verify(certificate.payload, keyring()).content["ok"] is None
    assert not certificate.in_effect


def test_luojiang_missed_roster_is_forfeited_except_for_the_listed_reasons() -> None:
    """L8/L10: roster by the end of February of the next year; late → forfeited, except
    long-term training or sick leave."""
    regions()
    employer = EmployerFactory(region_id="350504")
    person = employ(ProfessionalFactory(region_id="350504"), employer)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    approved(person, "public", 30, 2017)
    approved(person, "professional", 60, 2017)
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
    )
    assert certificate.number == "LJ201700001"
    with pytest.raises(ServiceError, match="2018-02-28 前报送，已逾期"):
        roster_submit(
            actor=boss.assignment.user,
            active=boss,
            year=2017,
            certificate_ids=[certificate.pk],
            today=dt.date(2018, 3, 1),
        )
    roster = roster_submit(
        actor=boss.assignment.user,
        active=boss,
        year=2017,
        certificate_ids=[certificate.pk],
        today=dt.date(2018, 3, 1),
        late_reason="sick_leave",
    )
    assert roster.late_reason == "sick_leave"


def test_after_a_replacement_professional_hours_need_their_evidence_again(in_guangde_2020) -> None:
    """G5: 补办证书的专业课学时，只有申请人重新提供学时登记相关证明材料，方可补登学时."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from xueshi.certificates.services import booklet_reentry_confirm

    regions()
    employer = EmployerFactory(region_id="341882")
    person = employ(ProfessionalFactory(region_id="341882"), employer)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="341882")
    actor = bureau.assignment.user
    approved(person, "public", 30, 2020)
    professional = approved(person, "professional", 60, 2020)
    booklet_issue(actor=actor, active=bureau, professional_id=person.pk, kind="first")
    booklet_issue(
        actor=actor, active=bureau, professional_id=person.pk, kind="replacement", reason="丢失"
    )
    with pytest.raises(ServiceError, match="尚有 1 条待补登"):
        certificate_issue(actor=actor, active=bureau, professional_id=person.pk, year=2020)
    not_a_pdf = SimpleUploadedFile("证明.pdf", b"plain text", content_type="application/pdf")
    with pytest.raises(ServiceError, match="不是可接受的证明材料格式"):
        booklet_reentry_confirm(
            actor=actor, active=bureau, record_id=professional.pk, upload=not_a_pdf
        )
    scan = SimpleUploadedFile("培训证书.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    booklet_reentry_confirm(actor=actor, active=bureau, record_id=professional.pk, upload=scan)
    with pytest.raises(ServiceError, match="无需补登"):
        booklet_reentry_confirm(actor=actor, active=bureau, record_id=professional.pk, upload=scan)
    certificate = certificate_issue(
        actor=actor, active=bureau, professional_id=person.pk, year=2020
    )
    assert certificate.hours["professional"] == "60"


def _guangde_certificate() -> tuple[Any, Any, Any]:
    """A Guangde 2020 certificate, with the bureau and the employer's admin."""
    regions()
    employer = EmployerFactory(region_id="341882")
    person = employ(ProfessionalFactory(region_id="341882"), employer)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="341882")
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    booklet_issue(
        actor=bureau.assignment.user, active=bureau, professional_id=person.pk, kind="first"
    )
    approved(person, "public", 30, 2020)
    approved(person, "professional", 60, 2020)
    certificate = certificate_issue(
        actor=bureau.assignment.user, active=bureau, professional_id=person.pk, year=2020
    )
    return certificate, bureau, boss


def test_guangde_verification_is_registered_in_july_to_september(in_guangde_2020) -> None:
    """G4: 当年参加评审人员于 7、8、9 月验证登记."""
    certificate, bureau, boss = _guangde_certificate()
    roster = roster_submit(
        actor=boss.assignment.user,
        active=boss,
        year=2020,
        certificate_ids=[certificate.pk],
        title_evaluation=True,
        today=dt.date(2020, 6, 20),
    )
    with pytest.raises(ServiceError, match="2020-07-01 至 2020-09-30"):
        roster_process(
            actor=bureau.assignment.user,
            active=bureau,
            roster_id=roster.pk,
            today=dt.date(2020, 6, 30),
        )
    roster_process(
        actor=bureau.assignment.user, active=bureau, roster_id=roster.pk, today=dt.date(2020, 7, 1)
    )
    certificate.refresh_from_db()
    assert certificate.in_effect


def test_guangde_window_does_not_bind_those_not_in_title_evaluation(in_guangde_2020) -> None:
    """G4 (issue 10, finding 5): the July–September window is for those in this year's title
    evaluation; a roster of others (具体时间另行通知) is verified in June as well."""
    certificate, bureau, boss = _guangde_certificate()
    roster = roster_submit(
        actor=boss.assignment.user,
        active=boss,
        year=2020,
        certificate_ids=[certificate.pk],
        today=dt.date(2020, 6, 20),
    )
    assert not roster.title_evaluation
    roster_process(
        actor=bureau.assignment.user, active=bureau, roster_id=roster.pk, today=dt.date(2020, 6, 30)
    )
    certificate.refresh_from_db()
    assert certificate.in_effect
