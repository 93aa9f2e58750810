"""Registration of professionals and employers: the services and the pages."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from stdnum.cn import ric

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    id_number_of,
    make_uscc,
    regions,
)
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.organisations.models import Employer
from xueshi.people.models import Professional
from xueshi.people.services import (
    AlreadyRegistered,
    employer_register,
    professional_register,
)

pytestmark = pytest.mark.django_db

PASSWORD = "Xueshi-2014-Shantou"
_sequence = itertools.count(100)


def make_ric(birth: dt.date = dt.date(1985, 3, 7), area: str = "440507") -> str:
    """A resident ID number with a right check digit (ric.calc_check_digit reads the first
    17 of 18 characters, so it is given a placeholder for the digit it computes)."""
    body = f"{area}{birth:%Y%m%d}{next(_sequence) % 1000:03d}"
    return body + ric.calc_check_digit(body + "?")


@pytest.fixture(autouse=True)
def _regions() -> None:
    regions()


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def _person(**extra: Any) -> dict[str, Any]:
    data = {
        "username": "chenjing",
        "password": PASSWORD,
        "full_name": "陈静",
        "id_number": make_ric(),
        "series": "engineering",
        "title_level": "intermediate",
        "region_code": "440500",
    }
    data.update(extra)
    return data


def _form(**extra: Any) -> dict[str, Any]:
    data = _person()
    data = {
        "username": data["username"],
        "password1": PASSWORD,
        "password2": PASSWORD,
        "full_name": data["full_name"],
        "id_number": data["id_number"],
        "series": data["series"],
        "title_level": data["title_level"],
        "institution_level": "",
        "region": "440500",
    }
    data.update(extra)
    return data


# --- the service ----------------------------------------------------------------------


def test_professional_register_creates_user_person_role_and_audit_event() -> None:
    """One call: the account, the professional (ID number normalised) and the role."""
    number = make_ric()
    professional = professional_register(**_person(id_number=number[:17] + number[17].lower()))

    assert id_number_of(professional) == number.upper()
    assert professional.user.check_password(PASSWORD)
    assert professional.user.full_name == "陈静"
    assert professional.region_id == "440500"
    assert professional.employer is None
    assert list(
        RoleAssignment.objects.filter(user=professional.user).values_list("role", flat=True)
    ) == [Role.PROFESSIONAL]
    event = AuditEvent.objects.get(action="professional_register")
    assert event.target_id == str(professional.pk)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        (_wrong_check_digit(make_ric()), "公民身份号码校验位不正确，请核对。"),
        ("44050719851345" + "1234", "公民身份号码中的出生日期无效。"),
        (make_ric()[:17], "公民身份号码应为 18 位。"),
        ("4405071985030712AB", "公民身份号码格式不正确"),
        ("", "请填写公民身份号码。"),
    ],
)
def test_a_bad_id_number_is_refused_in_chinese_and_nothing_is_created(
    number: str, message: str
) -> None:
    with pytest.raises(ServiceError, match=message) as caught:
        professional_register(**_person(id_number=number))

    assert caught.value.field == "id_number"
    assert not User.objects.exists()
    assert not Professional.objects.exists()


def test_a_birth_date_that_does_not_exist_is_refused_even_with_a_right_check_digit() -> None:
    body = "44050719850230123"  # 30 February
    with pytest.raises(ServiceError, match="出生日期无效"):
        professional_register(**_person(id_number=body + ric.calc_check_digit(body + "?")))


def test_an_id_number_registers_once() -> None:
    """The second registration with the same number is refused (AlreadyRegistered, which
    the page answers like a success) and the refusal is audited."""
    number = make_ric()
    professional_register(**_person(id_number=number))

    with pytest.raises(AlreadyRegistered):
        professional_register(**_person(username="another", id_number=number))

    assert User.objects.count() == 1
    refused = AuditEvent.objects.get(action="professional_register", result="refused")
    assert refused.data == {"username": "another", "reason": "already_registered"}


def test_a_username_is_taken_once_whatever_its_case() -> None:
    professional_register(**_person())
    with pytest.raises(AlreadyRegistered):
        professional_register(**_person(username="ChenJing", id_number=make_ric()))
    assert User.objects.count() == 1


def test_a_weak_password_is_refused_by_djangos_validators() -> None:
    with pytest.raises(ServiceError) as caught:
        professional_register(**_person(password="12345678"))
    assert caught.value.field == "password1"
    assert not User.objects.exists()


def test_health_staff_must_give_their_institution_level_and_others_have_none() -> None:
    with pytest.raises(ServiceError, match="医疗卫生机构级别") as caught:
        professional_register(**_person(series="health"))
    assert caught.value.field == "institution_level"

    nurse = professional_register(
        **_person(series="health", institution_level="secondary", id_number=make_ric())
    )
    engineer = professional_register(
        **_person(username="engineer", institution_level="secondary", id_number=make_ric())
    )
    assert nurse.institution_level == "secondary"
    assert engineer.institution_level == ""


@pytest.mark.parametrize("code", ["440000", "000000", "999999", ""])
def test_a_person_registers_in_a_city_district_or_county_only(code: str) -> None:
    """A province (or an unknown code) says nothing about whose rules apply."""
    with pytest.raises(ServiceError, match="请选择所在地区") as caught:
        professional_register(**_person(region_code=code))
    assert caught.value.field == "region"


@pytest.mark.parametrize("code", ["440500", "350504", "410200", "341882"])
def test_the_seed_regions_accept_registrations(code: str) -> None:
    professional = professional_register(**_person(region_code=code))
    assert professional.region_id == code


def test_employer_register_creates_the_employer_and_its_administrator() -> None:
    code = make_uscc()
    employer = employer_register(
        name="汕头市第一中学",
        uscc=code.lower(),
        region_code="440500",
        contact_name="李明",
        contact_phone="0754-88888888",
        admin_username="stzx",
        admin_password=PASSWORD,
        admin_full_name="李明",
    )

    assert employer.uscc == code
    admin = RoleAssignment.objects.get(employer=employer)
    assert admin.role == Role.EMPLOYER_ADMIN
    assert admin.user.username == "stzx"
    assert AuditEvent.objects.filter(
        action="employer_register", target_id=str(employer.pk)
    ).exists()


def _employer(**extra: Any) -> dict[str, Any]:
    data = {
        "name": "汕头市第一中学",
        "uscc": make_uscc(),
        "region_code": "440500",
        "contact_name": "李明",
        "contact_phone": "0754-88888888",
        "admin_username": "stzx",
        "admin_password": PASSWORD,
        "admin_full_name": "李明",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91440500MA000000I1", "统一社会信用代码格式不正确"),
        ("91440500MA0000", "统一社会信用代码应为 18 位。"),
        ("", "请填写统一社会信用代码。"),
    ],
)
def test_a_bad_uscc_is_refused_in_chinese(code: str, message: str) -> None:
    with pytest.raises(ServiceError, match=message) as caught:
        employer_register(**_employer(uscc=code))
    assert caught.value.field == "uscc"
    assert not Employer.objects.exists()
    assert not User.objects.exists()


def test_a_uscc_with_a_wrong_check_character_is_named_as_such() -> None:
    code = make_uscc()
    wrong = code[:17] + ("0" if code[17] != "0" else "1")
    with pytest.raises(ServiceError, match="统一社会信用代码校验位不正确"):
        employer_register(**_employer(uscc=wrong))


def test_a_uscc_registers_once() -> None:
    code = make_uscc()
    employer_register(**_employer(uscc=code))
    with pytest.raises(ServiceError, match="该统一社会信用代码已注册"):
        employer_register(**_employer(uscc=code, admin_username="other"))
    assert Employer.objects.count() == 1
    assert User.objects.count() == 1


def test_employer_admin_errors_point_at_the_admin_fields() -> None:
    EmployerFactory()
    ProfessionalFactory(user__username="taken")
    with pytest.raises(AlreadyRegistered):
        employer_register(**_employer(admin_username="taken"))
    with pytest.raises(ServiceError) as caught:
        employer_register(**_employer(admin_username="tak en"))
    assert caught.value.field == "admin_username"
    with pytest.raises(ServiceError) as caught:
        employer_register(**_employer(admin_password="short"))
    assert caught.value.field == "admin_password1"


# --- the pages ------------------------------------------------------------------------


def test_register_page_offers_the_seed_regions_and_no_province(client: Client) -> None:
    content = client.get(reverse("people:register")).content.decode()
    for code in ("440500", "350504", "410200", "341882"):
        assert f'value="{code}"' in content
    assert 'value="440000"' not in content


def test_registering_sends_the_person_to_sign_in_and_the_account_works(client: Client) -> None:
    response = client.post(reverse("people:register"), _form())

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert Professional.objects.get().full_name == "陈静"
    signed_in = client.post(
        reverse("accounts:login"), {"username": "chenjing", "password": PASSWORD}
    )
    assert signed_in["Location"] == reverse("accounts:dashboard")
    dashboard = client.get(reverse("accounts:dashboard")).content.decode()
    assert "专业技术人员" in dashboard


def test_register_form_shows_chinese_errors_and_creates_nothing(client: Client) -> None:
    response = client.post(
        reverse("people:register"),
        _form(id_number=_wrong_check_digit(make_ric()), password2="different-Pass-9"),
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "公民身份号码校验位不正确，请核对。" in content
    assert "两次输入的密码不一致。" in content
    assert not User.objects.exists()


def _answer(client: Client, form: dict[str, Any]) -> tuple[int, str, str]:
    response = client.post(reverse("people:register"), form)
    page = client.get(response["Location"]).content.decode() if response.status_code == 302 else ""
    shown = page[page.find("<main") :] if "<main" in page else page
    shown = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", shown)  # per client
    return response.status_code, response.get("Location", ""), shown


def test_registration_answers_alike_whether_the_id_number_or_username_exists(
    client: Client,
) -> None:
    """Issue 14 item 9: a new registration, one with a registered ID number and one with a
    taken username get the same status, the same redirect and the same page."""
    existing = ProfessionalFactory(id_number=make_ric(), user__username="taken")
    new = _answer(client, _form())
    duplicate_id = _answer(Client(), _form(username="someone", id_number=id_number_of(existing)))
    taken_name = _answer(Client(), _form(username="TAKEN", id_number=make_ric()))

    assert new[0] == duplicate_id[0] == taken_name[0] == 302
    assert new[1] == duplicate_id[1] == taken_name[1] == reverse("accounts:login")
    assert new[2] == duplicate_id[2] == taken_name[2]
    assert "注册申请已受理" in new[2]
    assert "已注册" not in new[2].replace("此前已注册", "")
    assert Professional.objects.count() == 2


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "x" * 500, "series": "wizard", "region": "nowhere", "title_level": "king"},
        {"id_number": "\x00" * 18, "password1": "a", "password2": "a"},
        {
            "region": ["440500", "350504"],
            "id_number": "".join(chr(ord(c) + 0xFEE0) for c in "440507198503071234"),
        },
    ],
)
def test_malformed_registrations_answer_with_the_form_not_a_server_error(
    client: Client, data: dict[str, Any]
) -> None:
    response = client.post(reverse("people:register"), data)
    assert response.status_code == 200
    assert "请" in response.content.decode()
    assert not User.objects.exists()


def test_employer_registration_page_creates_the_admin_who_then_signs_in(client: Client) -> None:
    code = make_uscc()
    response = client.post(
        reverse("people:employer_register"),
        {
            "name": "汕头市第一中学",
            "uscc": code,
            "region": "440500",
            "contact_name": "李明",
            "contact_phone": "0754-88888888",
            "admin_username": "stzx",
            "admin_full_name": "李明",
            "admin_password1": PASSWORD,
            "admin_password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert Employer.objects.get().uscc == code
    client.post(reverse("accounts:login"), {"username": "stzx", "password": PASSWORD})
    staff_page = client.get(reverse("people:employer_staff"))
    assert staff_page.status_code == 200
    assert "汕头市第一中学" in staff_page.content.decode()


def test_employer_registration_page_shows_a_bad_uscc_in_chinese(client: Client) -> None:
    code = make_uscc()
    response = client.post(
        reverse("people:employer_register"),
        {"name": "单位", "uscc": code[:17] + ("0" if code[17] != "0" else "1"), "region": "440500"},
    )
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确，请核对。" in response.content.decode()
    assert not Employer.objects.exists()


def test_a_signed_in_user_is_sent_to_the_dashboard_instead_of_registering(client: Client) -> None:
    client.force_login(ProfessionalFactory().user)
    response = client.get(reverse("people:register"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:dashboard")


def test_birth_dates_in_the_future_are_not_accepted() -> None:
    """python-stdnum parses any calendar date; a person cannot be born next year."""
    future = dt.date(timezone.localdate().year + 1, 3, 7)
    body = f"440507{future:%Y%m%d}123"
    with pytest.raises(ServiceError, match="出生日期晚于今天"):
        professional_register(**_person(id_number=body + ric.calc_check_digit(body + "?")))
