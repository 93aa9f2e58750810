"""Luojiang's verification paths walked by their roles (issue 17; §二(一)): a health worker's
certificate first reviewed by the 卫计局, then verified by the bureau through the employer's
roster; a teacher's certificate checked and stamped by the education authority and, at the
end of the cycle, verified by it jointly with the bureau; wrong roles, wrong order and bodies
out of scope refused; every stamp on the certificate and on its public page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.certificates.test_services import approved
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
from xueshi.audit.models import AuditEvent
from xueshi.certificates.models import Certificate
from xueshi.certificates.services import (
    certificate_issue,
    certificate_stamp,
    roster_process,
    roster_submit,
)
from xueshi.certificates.verification import certificate_verification, result_markup
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_keys")]


@pytest.fixture
def luojiang():
    regions()
    health = AuthorityFactory(name="洛江区卫生和计划生育局", region_id="350504", series=["health"])
    education = AuthorityFactory(name="洛江区教育局", region_id="350504", series=["teacher"])
    return {
        "health": grant(UserFactory(full_name="王敏"), Role.AUTHORITY_REVIEWER, authority=health),
        "education": grant(
            UserFactory(full_name="陈老师"), Role.AUTHORITY_REVIEWER, authority=education
        ),
        "bureau": grant(UserFactory(full_name="林验证"), Role.BUREAU_STAFF, region_id="350504"),
    }


def credits(person, amount: int, year: int = 2017) -> HourRecord:
    return HourRecord.objects.create(
        professional=person,
        credits=Decimal(amount),
        credit_class="II",
        content="Ⅱ类学分项目",
        start_date=dt.date(year, 6, 1),
        end_date=dt.date(year, 6, 3),
        credited_year=year,
        status=RecordState.APPROVED,
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
    )


def stamp(active, certificate: Certificate) -> Certificate:
    return certificate_stamp(
        actor=active.assignment.user, active=active, certificate_id=certificate.pk
    )


def submit(boss, certificate: Certificate):
    """The hospital's roster of the certificate, in January after the year (§二(一))."""
    return roster_submit(
        actor=boss.assignment.user,
        active=boss,
        year=certificate.year,
        certificate_ids=[certificate.pk],
        today=dt.date(certificate.year + 1, 1, 10),
    )


def public_page(certificate: Certificate) -> str:
    found = certificate_verification(number=certificate.number, code=certificate.verification_code)
    assert found.certificate is not None
    return str(result_markup(found))


def test_health_first_the_health_authority_then_the_bureau_by_roster(luojiang) -> None:
    employer = EmployerFactory(region_id="350504", name="洛江区医院")
    person = employ(
        ProfessionalFactory(series="health", institution_level="secondary", full_name="孙丽"),
        employer,
    )
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    credits(person, 25)
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
    )
    assert [s["act"] for s in certificate.path] == ["初审", "验证"]
    assert certificate.stamp_required
    assert not certificate.in_effect
    assert "尚未完成验证" in public_page(certificate)
    assert "待行业主管部门初审" in public_page(certificate)

    # Out of order: neither the roster nor the bureau's stamp before the 卫计局's first review.
    with pytest.raises(ServiceError, match=r"当前待行业主管部门初审.*先送卫计局初审"):
        submit(boss, certificate)
    with pytest.raises(ServiceError, match="当前待行业主管部门初审，不能由人社部门工作人员办理"):
        stamp(luojiang["bureau"], certificate)
    # The education authority does not see health staff; the employer stamps nothing.
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        stamp(luojiang["education"], certificate)
    with pytest.raises(ServiceError, match="由行业主管部门或人社部门办理"):
        stamp(boss, certificate)

    certificate = stamp(luojiang["health"], certificate)
    assert certificate.stamps[0]["body"] == "洛江区卫生和计划生育局"
    assert certificate.stamps[0]["by"] == "王敏"
    assert not certificate.in_effect
    with pytest.raises(ServiceError, match="当前待人力资源和社会保障部门验证"):
        stamp(luojiang["health"], certificate)  # its step is done

    roster = submit(boss, certificate)
    roster_process(
        actor=luojiang["bureau"].assignment.user,
        active=luojiang["bureau"],
        roster_id=roster.pk,
        today=dt.date(2018, 1, 15),
    )
    certificate.refresh_from_db()
    assert certificate.in_effect
    assert [(s["act"], s["body"], s["by"]) for s in certificate.stamps] == [
        ("初审", "洛江区卫生和计划生育局", "王敏"),
        ("验证", "洛江区人力资源和社会保障局", "林验证"),
    ]
    assert certificate.stamps[1]["seal"] == "洛江区人力资源和社会保障局职业能力培训专用章"
    assert "先送卫计局初审" in certificate.stamp_rule
    page = public_page(certificate)
    assert "初审：洛江区卫生和计划生育局（经办人 王敏）" in page
    assert (
        "验证：洛江区人力资源和社会保障局（经办人 林验证，"
        "洛江区人力资源和社会保障局职业能力培训专用章）" in page
    )
    day = f"{timezone.localtime(certificate.stamped_at):%Y-%m-%d}"
    assert page.count(day) >= 2
    acts = AuditEvent.objects.filter(action="stamp", target_id=str(certificate.pk))
    assert acts.count() == 2


def test_teacher_yearly_check_then_the_joint_verification_and_its_consequence(luojiang) -> None:
    employer = EmployerFactory(region_id="350504", name="洛江区实验小学")
    person = employ(ProfessionalFactory(series="teacher", full_name="周杰"), employer)
    school = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    approved(person, "public", 6, 2015, required=True)
    approved(person, "public", 6, 2017, required=True)
    approved(person, "professional", 40, 2017)
    # The professional cannot write the school's record into the certificate.
    own = grant(person.user, Role.PROFESSIONAL)
    with pytest.raises(ServiceError, match="由任职学校把继续教育情况记入证书"):
        certificate_issue(actor=person.user, active=own, professional_id=person.pk, year=2017)
    certificate = certificate_issue(
        actor=school.assignment.user, active=school, professional_id=person.pk, year=2017
    )
    assert certificate.years_label == "2013–2017 周期"
    assert [(s["act"], s["by"]) for s in certificate.path] == [
        ("审核验印", ["industry_authority"]),
        ("统一验证", ["industry_authority", "bureau"]),
    ]
    # The cycle's 规定学时数 is not in the data: the consequence cannot be decided.
    assert certificate.consequence.startswith("2018 年度能否评聘、晋升：无法判定（")
    assert "规定学时数" in certificate.consequence
    assert "二(一)" in certificate.consequence

    with pytest.raises(ServiceError, match="当前待行业主管部门审核验印"):
        stamp(luojiang["bureau"], certificate)
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        stamp(luojiang["health"], certificate)
    certificate = stamp(luojiang["education"], certificate)
    assert certificate.stamps[-1]["act"] == "审核验印"

    # The joint step: the bureau first is fine, but alone it does not complete the path.
    certificate = stamp(luojiang["bureau"], certificate)
    assert not certificate.in_effect
    with pytest.raises(ServiceError, match="待行业主管部门统一验证（会同办理）"):
        stamp(luojiang["bureau"], certificate)
    certificate = stamp(luojiang["education"], certificate)
    assert certificate.in_effect
    assert [(s["act"], s["body"]) for s in certificate.stamps] == [
        ("审核验印", "洛江区教育局"),
        ("统一验证", "洛江区人力资源和社会保障局"),
        ("统一验证", "洛江区教育局"),
    ]
    with pytest.raises(ServiceError, match="已完成验证"):
        stamp(luojiang["education"], certificate)
    page = public_page(certificate)
    assert "审核验印：洛江区教育局（经办人 陈老师）" in page
    assert "统一验证：洛江区人力资源和社会保障局（经办人 林验证）" in page
    assert "2018 年度能否评聘、晋升：无法判定" in page


def test_the_authority_sees_what_waits_for_it_and_stamps_from_its_page(luojiang) -> None:
    employer = EmployerFactory(region_id="350504")
    person = employ(ProfessionalFactory(series="teacher", full_name="周杰"), employer)
    school = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    approved(person, "professional", 40, 2017)
    certificate = certificate_issue(
        actor=school.assignment.user, active=school, professional_id=person.pk, year=2017
    )
    client = Client()
    client.force_login(luojiang["education"].assignment.user)
    session = client.session
    session["active_role"] = luojiang["education"].assignment.pk
    session.save()
    page = client.get(reverse("certificates:awaiting"))
    assert page.status_code == 200
    assert certificate.number in page.content.decode()
    assert "审核验印" in page.content.decode()
    client.post(reverse("certificates:stamp", args=[certificate.pk]), {"next": "/"})
    certificate.refresh_from_db()
    assert certificate.stamps[0]["body"] == "洛江区教育局"
    # Next the cycle's joint verification, in which the education authority takes part too.
    after = client.get(reverse("certificates:awaiting")).content.decode()
    assert f"确认对证书 {certificate.number}（周杰）办理统一验证" in after
    assert "办理审核验印" not in after


def dispatched_training(person, bureau, category: str, hours: int, title: str) -> HourRecord:
    """A record of the bureau's own training (统一调训), as the bureau registers it: entered
    by the bureau, with no review after it."""
    return HourRecord.objects.create(
        professional=person,
        category=category,
        hours=Decimal(hours),
        content=title,
        start_date=dt.date(2017, 4, 10),
        end_date=dt.date(2017, 4, 20),
        credited_year=2017,
        status=RecordState.APPROVED,
        source=RecordSource.SYSTEM,
        chain={"entered_by": ["bureau"], "steps": []},
        declared_by=bureau.assignment.user,
        declared_role=Role.BUREAU_STAFF,
    )


def test_the_bureaus_own_training_is_verified_by_it_directly_with_its_stamp(luojiang) -> None:
    """§二(二) 调训验证: a year of the bureau's own 初任班 and 公共课 is verified by the bureau
    directly (no roster), with its training stamp, shown on the public page: who and when."""
    employer = EmployerFactory(region_id="350504", name="泉州市洛江区市政工程有限公司")
    person = employ(ProfessionalFactory(series="engineering", full_name="陈辉"), employer)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    bureau = luojiang["bureau"]
    dispatched_training(person, bureau, "public", 30, "公共课：专业技术人员职业道德")
    dispatched_training(person, bureau, "professional", 60, "新录用专业技术人员初任培训班")
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
    )
    assert [(s["act"], s["by"], s["kind"]) for s in certificate.path] == [
        ("调训验证", ["bureau"], "dispatched")
    ]
    assert "二(二)" in certificate.path[0]["citation"]
    assert not certificate.in_effect
    assert "待人力资源和社会保障部门调训验证" in public_page(certificate)
    with pytest.raises(ServiceError, match="由行业主管部门或人社部门办理"):
        stamp(boss, certificate)

    certificate = stamp(bureau, certificate)  # directly: no roster
    assert certificate.in_effect
    assert certificate.stamps[0]["seal"] == "洛江区人力资源和社会保障局职业能力培训专用章"
    assert "直接验证" in certificate.stamp_rule
    page = public_page(certificate)
    day = f"{timezone.localtime(certificate.stamped_at):%Y-%m-%d}"
    assert (
        "调训验证：洛江区人力资源和社会保障局（经办人 林验证，"
        f"洛江区人力资源和社会保障局职业能力培训专用章），{day}" in page
    )


def test_a_year_with_other_trainings_keeps_the_years_path(luojiang) -> None:
    """Hours of another provider's class in the year: the centralised verification (§二(一))."""
    employer = EmployerFactory(region_id="350504")
    person = employ(ProfessionalFactory(series="engineering"), employer)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    dispatched_training(person, luojiang["bureau"], "public", 30, "公共课")
    approved(person, "professional", 60, 2017)
    certificate = certificate_issue(
        actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
    )
    assert [(s["act"], s["kind"]) for s in certificate.path] == [("验证", "year")]


def test_each_stamp_is_signed_and_an_altered_or_forged_stamp_is_not_taken(luojiang) -> None:
    """Each stamp is signed with the certificate's payload and the stamp before it: a stamp
    altered in the database (handler, date), moved from another certificate, or added
    without its signature is named on the public page, and the certificate is not in effect."""
    employer = EmployerFactory(region_id="350504", name="洛江区医院")
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    issued = []
    for name in ("林芳", "孙丽"):
        person = employ(
            ProfessionalFactory(series="health", institution_level="secondary", full_name=name),
            employer,
        )
        credits(person, 25)
        certificate = certificate_issue(
            actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2017
        )
        certificate = stamp(luojiang["health"], certificate)
        issued.append(stamp(luojiang["bureau"], certificate))
    linfang, sunli = issued
    assert all(s["sig"].startswith("XSV1.") for s in linfang.stamps)
    assert linfang.stamps[0]["sig"] != sunli.stamps[0]["sig"]
    good = public_page(linfang)
    assert "与签名不符" not in good
    assert ">有效<" in good

    def tampered(stamps: list) -> str:
        Certificate.objects.filter(pk=linfang.pk).update(stamps=stamps)
        linfang.refresh_from_db()
        return public_page(linfang)

    original = [dict(s) for s in linfang.stamps]
    altered = [dict(s) for s in original]
    altered[1]["by"] = "冒名者"
    page = tampered(altered)
    assert "验证记录与签名不符" in page
    assert "第 2 条验证记录与其签名不符" in page
    assert ">有效<" not in page

    backdated = [dict(s) for s in original]
    backdated[0]["at"] = "2017-01-02T09:00:00+08:00"
    assert "第 1 条验证记录与其签名不符" in tampered(backdated)

    moved = [dict(sunli.stamps[0]), dict(original[1])]  # another certificate's stamp
    assert "第 1 条验证记录与其签名不符" in tampered(moved)

    unsigned = [dict(s) for s in original]
    del unsigned[1]["sig"]
    assert "第 2 条验证记录与其签名不符" in tampered(unsigned)

    assert "与签名不符" not in tampered(original)
