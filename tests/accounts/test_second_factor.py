"""二次验证: bureau, authority and administrator roles sign in with a TOTP code after the
password; enrolment with a QR; professionals and employers with the password alone."""

from __future__ import annotations

import re
import time
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.support.factories import UserFactory, grant, regions
from xueshi.accounts.models import Role, User
from xueshi.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

PASSWORD = "Right-Pass-2026"


def _user(role: Role, username: str = "bureau") -> User:
    regions()
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    grant(user, role, **({"region_id": "440500"} if role is Role.BUREAU_STAFF else {}))
    return user


def _password(client: Client, username: str) -> Any:
    return client.post(reverse("accounts:login"), {"username": username, "password": PASSWORD})


def _code(device: TOTPDevice, offset: int = 0) -> str:
    return f"{totp(device.bin_key, t0=device.t0 - offset, step=device.step):06d}"


@pytest.mark.parametrize("role", [Role.BUREAU_STAFF, Role.SYSADMIN, Role.AUDIT_ADMIN])
def test_a_right_password_alone_does_not_sign_in_these_roles(role: Role) -> None:
    user = _user(role)
    client = Client()
    response = _password(client, user.username)
    assert response["Location"] == reverse("accounts:second_factor")
    assert "_auth_user_id" not in client.session
    dashboard = client.get(reverse("accounts:dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"].startswith(reverse("accounts:login"))


def test_enrolment_shows_a_qr_and_signs_in_with_the_first_code() -> None:
    user = _user(Role.BUREAU_STAFF)
    client = Client()
    _password(client, "bureau")
    page = client.get(reverse("accounts:second_factor")).content.decode()
    assert 'src="data:image/png;base64,' in page
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', page)
    assert secret is not None
    device = TOTPDevice.objects.get(user=user)
    assert not device.confirmed
    wrong = client.post(reverse("accounts:second_factor"), {"token": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp's own back-off after a wrong code (1 s, doubling)
    done = client.post(reverse("accounts:second_factor"), {"token": _code(device)})
    assert done["Location"] == reverse("accounts:dashboard")
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    actions = set(AuditEvent.objects.filter(actor=user).values_list("action", flat=True))
    assert {"second_factor_enrol", "second_factor_failed", "login"} <= actions


def test_an_enrolled_account_needs_its_code_and_five_wrong_codes_end_the_attempt() -> None:
    user = _user(Role.BUREAU_STAFF)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client = Client()
    _password(client, "bureau")
    assert "otp-qr" not in client.get(reverse("accounts:second_factor")).content.decode()
    for _ in range(4):
        client.post(reverse("accounts:second_factor"), {"token": "123456"})
        device.refresh_from_db()
        device.throttling_failure_count = 0  # django-otp's own back-off aside
        device.throttling_failure_timestamp = None
        device.save()
    last = client.post(reverse("accounts:second_factor"), {"token": "123456"})
    assert last["Location"] == reverse("accounts:login")
    again = client.post(reverse("accounts:second_factor"), {"token": _code(device)})
    assert again["Location"] == reverse("accounts:login")  # nothing pending any more
    assert "_auth_user_id" not in client.session


def test_the_code_must_follow_the_password_within_five_minutes() -> None:
    user = _user(Role.BUREAU_STAFF)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with time_machine.travel(time.time(), tick=False) as clock:
        client = Client()
        _password(client, "bureau")
        clock.shift(301)
        response = client.post(reverse("accounts:second_factor"), {"token": _code(device)})
    assert response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_a_professional_signs_in_with_the_password_alone() -> None:
    _user(Role.PROFESSIONAL, "me")
    client = Client()
    assert _password(client, "me")["Location"] == reverse("accounts:dashboard")


def test_the_demo_prints_a_code_that_signs_in(settings: Any) -> None:
    user = _user(Role.BUREAU_STAFF, "shantou-bureau")
    out = StringIO()
    call_command("demo_otp", "shantou-bureau", stdout=out)
    code = re.search(r"当前验证码：(\d{6})", out.getvalue())
    assert code is not None
    client = Client()
    _password(client, "shantou-bureau")
    done = client.post(reverse("accounts:second_factor"), {"token": code.group(1)})
    assert done["Location"] == reverse("accounts:dashboard")
    assert TOTPDevice.objects.get(user=user).confirmed
    settings.PRODUCTION = True
    with pytest.raises(Exception, match="生产环境"):
        call_command("demo_otp", "shantou-bureau", stdout=StringIO())


@pytest.mark.parametrize("role", [Role.BUREAU_STAFF, Role.SECURITY_ADMIN])
def test_every_request_of_an_unverified_session_of_these_roles_ends_it(role: Role) -> None:
    """A session its device did not verify (a role given after the login, a session made some
    other way) reaches no page: it is ended, audited, and the account sent to sign in again."""
    user = _user(role)
    client = Client()
    client.unverified_force_login(user)
    response = client.get(reverse("accounts:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(actor=user, action="session_ended_unverified").count() == 1
    again = client.get(reverse("accounts:dashboard"), follow=True)
    assert "二次验证" in again.content.decode()


def test_a_role_needing_the_second_factor_given_during_a_session_ends_it() -> None:
    user = _user(Role.PROFESSIONAL, username="clerk")
    client = Client()
    client.unverified_force_login(user)
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    grant(user, Role.BUREAU_STAFF, region_id="440500")
    response = client.get(reverse("accounts:dashboard"))
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session


def test_a_verified_session_keeps_working() -> None:
    user = _user(Role.BUREAU_STAFF)
    client = Client()
    client.force_login(user)  # the test suite's sign-in includes the second factor
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert client.get(reverse("accounts:dashboard")).status_code == 200
    assert "_auth_user_id" in client.session
