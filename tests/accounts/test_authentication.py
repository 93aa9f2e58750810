"""Authentication to the baseline (docs/security.md, 等保 8.1.4.1 a–b): lockout after 5
wrong passwords (audited, lifted by the security administrator), password rules, Argon2,
staff password expiry, idle and absolute session limits, audited logins and role switches."""

from __future__ import annotations

import time
from typing import Any

import pytest
import time_machine
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.support.factories import EmployerFactory, UserFactory, grant, make_ric, regions
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.models import AuditEvent
from xueshi.config import settings as project_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _regions() -> None:
    regions()


PASSWORD = "Right-Pass-2026"
LOGIN = "/accounts/login/"


def _user(username: str = "linwei", *, role: Role | None = Role.PROFESSIONAL) -> User:
    user = UserFactory(username=username)
    user.set_password(PASSWORD)
    user.save()
    if role is not None:
        scope = {"employer": EmployerFactory()} if role in (Role.EMPLOYER_ADMIN,) else {}
        grant(user, role, **scope)
    return user


def _login(client: Client, username: str, password: str) -> int:
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def test_the_fifth_wrong_password_locks_the_account_and_the_lock_is_audited() -> None:
    _user()
    client = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(4):
        assert _login(client, "linwei", "wrong-Pass-1") == 200  # the form again, an error
    assert not AuditEvent.objects.filter(action="account_locked").exists()
    assert _login(client, "linwei", "wrong-Pass-1") == 429  # the 5th: locked

    # the 6th attempt, even with the right password and from another address, is refused
    response = Client(REMOTE_ADDR="198.51.100.7").post(
        LOGIN, {"username": "linwei", "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "账户已锁定" in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session

    failed = AuditEvent.objects.filter(action="login_failed")
    assert failed.count() == 4
    assert {e.client_address for e in failed} == {"203.0.113.9"}
    assert {e.result for e in failed} == {"failure"}
    lock = AuditEvent.objects.filter(action="account_locked").order_by("id").first()
    assert lock is not None
    assert lock.result == "locked"
    assert lock.target_id == str(User.objects.get(username="linwei").pk)
    assert lock.client_address == "203.0.113.9"
    assert "Right-Pass" not in str(lock.data)
    assert "wrong-Pass" not in str(lock.data)


def test_the_security_administrator_unlocks_an_account_and_it_is_audited() -> None:
    _user()
    for _ in range(5):
        _login(Client(), "linwei", "wrong-Pass-1")
    assert _login(Client(), "linwei", PASSWORD) == 429

    # the other administrators cannot
    sysadmin = _user("sys", role=Role.SYSADMIN)
    other = Client()
    other.force_login(sysadmin)
    assert other.get(reverse("accounts:locked_accounts")).status_code == 403
    assert other.post(reverse("accounts:account_unlock"), {"username": "linwei"}).status_code == 403

    security = _user("sec", role=Role.SECURITY_ADMIN)
    admin = Client()
    admin.force_login(security)
    listing = admin.get(reverse("accounts:locked_accounts")).content.decode()
    assert "linwei" in listing
    assert "data-confirm" in listing
    response = admin.post(reverse("accounts:account_unlock"), {"username": "linwei"}, follow=True)
    assert "已解除账户 linwei 的锁定" in response.content.decode()
    event = AuditEvent.objects.get(action="account_unlock")
    assert event.actor == security
    assert event.role == Role.SECURITY_ADMIN
    assert event.target_id == str(User.objects.get(username="linwei").pk)

    client = Client()
    assert client.post(LOGIN, {"username": "linwei", "password": PASSWORD}).status_code == 302
    assert AuditEvent.objects.filter(action="login", actor__username="linwei").exists()


def test_a_login_and_a_logout_are_audited_with_the_client_address() -> None:
    user = _user()
    client = Client(REMOTE_ADDR="192.0.2.44")
    assert _login(client, "linwei", PASSWORD) == 302
    client.post(reverse("accounts:logout"))
    login = AuditEvent.objects.get(action="login")
    logout = AuditEvent.objects.get(action="logout")
    assert (login.actor, login.client_address, login.result) == (user, "192.0.2.44", "success")
    assert (logout.actor, logout.client_address) == (user, "192.0.2.44")
    assert logout.role == Role.PROFESSIONAL


def test_an_unknown_username_fails_like_a_wrong_password() -> None:
    _user()
    known = Client().post(LOGIN, {"username": "linwei", "password": "wrong-Pass-1"})
    unknown = Client().post(LOGIN, {"username": "nobody", "password": "wrong-Pass-1"})
    assert known.status_code == unknown.status_code == 200
    assert known.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_a_role_switch_is_audited() -> None:
    user = _user(role=Role.EMPLOYER_ADMIN)
    other = grant(user, Role.PROFESSIONAL).assignment
    client = Client()
    client.force_login(user)
    client.post(reverse("accounts:role_switch"), {"role_id": other.pk})
    event = AuditEvent.objects.get(action="role_switch")
    assert (event.from_status, event.to_status) == (Role.EMPLOYER_ADMIN, Role.PROFESSIONAL)
    # someone else's role is refused and not audited
    stranger = RoleAssignment.objects.create(user=UserFactory(), role=Role.PROFESSIONAL)
    client.post(reverse("accounts:role_switch"), {"role_id": stranger.pk})
    assert AuditEvent.objects.filter(action="role_switch").count() == 1


# --- passwords --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("aaaaaaaaaaaa", "password_too_simple"),
        ("Ab1-x", "password_too_short"),
        ("Password123", "password_too_common"),
        ("P@ssw0rd", "password_too_common"),
        ("12345678901", "password_too_simple"),
        ("abcdefgh1234", "password_too_simple"),
        ("Linwei-2026", "password_too_similar"),
    ],
)
def test_weak_passwords_are_refused(password: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        validate_password(password, user=User(username="linwei-2026"))
    assert code in [error.code for error in caught.value.error_list]


def test_the_public_registration_refuses_aaaaaaaaaaaa_in_chinese(client: Client) -> None:
    """Issue 14 item 3."""
    response = client.post(
        reverse("people:register"),
        {
            "username": "someone",
            "password1": "aaaaaaaaaaaa",
            "password2": "aaaaaaaaaaaa",
            "full_name": "陈静",
            "id_number": make_ric(),
            "series": "engineering",
            "title_level": "intermediate",
            "region": "440500",
        },
    )
    assert "密码须包含小写字母、大写字母、数字、符号中的至少 3 类" in response.content.decode()


@pytest.mark.parametrize("password", ["Xueshi-2014", "xueshi-demo-2026", "Zhang.San.88"])
def test_passwords_of_three_classes_pass(password: str) -> None:
    validate_password(password, user=User(username="linwei"))


def test_argon2_hashes_new_passwords_and_older_hashes_still_verify(settings: Any) -> None:
    # (the test settings swap in MD5 for speed; here the project's own list)
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    assert project_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    hashed = make_password(PASSWORD)
    assert identify_hasher(hashed).algorithm == "argon2"
    assert check_password(PASSWORD, hashed)
    older = make_password(PASSWORD, hasher="pbkdf2_sha256")
    assert check_password(PASSWORD, older)


def test_a_password_change_checks_the_old_one_and_the_rules() -> None:
    user = _user()
    client = Client()
    client.force_login(user)
    url = reverse("accounts:password_change")
    weak = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "aaaaaaaaaa", "new_password2": "aaaaaaaaaa"},
    )
    assert "至少 3 类" in weak.content.decode()
    wrong = client.post(
        url,
        {"old_password": "nope", "new_password1": "New-Pass-77", "new_password2": "New-Pass-77"},
    )
    assert "原密码不正确" in wrong.content.decode()
    done = client.post(
        url,
        {"old_password": PASSWORD, "new_password1": "New-Pass-77", "new_password2": "New-Pass-77"},
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("New-Pass-77")
    assert AuditEvent.objects.filter(action="password_change", actor=user).exists()
    assert client.get(reverse("accounts:dashboard")).status_code == 200  # still signed in


def test_a_staff_password_older_than_90_days_must_be_changed_first() -> None:
    with time_machine.travel("2026-01-01 09:00 +0800", tick=False):
        staff = _user("boss", role=Role.EMPLOYER_ADMIN)
        person = _user("me")
    with time_machine.travel("2026-04-02 09:00 +0800", tick=False):  # 91 days later
        client = Client()
        client.force_login(staff)
        response = client.get(reverse("accounts:dashboard"))
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:password_change")
        assert "超过 90 天" in client.get(response["Location"]).content.decode()
        # a professional's password does not expire
        mine = Client()
        mine.force_login(person)
        assert mine.get(reverse("accounts:dashboard")).status_code == 200
        # after the change the staff member goes on
        client.post(
            reverse("accounts:password_change"),
            {
                "old_password": PASSWORD,
                "new_password1": "New-Pass-77",
                "new_password2": "New-Pass-77",
            },
        )
        assert client.get(reverse("accounts:dashboard")).status_code == 200


# --- sessions ---------------------------------------------------------------------------


def test_an_idle_session_ends_after_30_minutes() -> None:
    _user()
    with time_machine.travel(time.time(), tick=False) as clock:
        client = Client()
        _login(client, "linwei", PASSWORD)
        clock.shift(29 * 60)
        assert client.get(reverse("accounts:dashboard")).status_code == 200
        clock.shift(29 * 60)  # 58 minutes after login, 29 after the last request
        assert client.get(reverse("accounts:dashboard")).status_code == 200
        clock.shift(31 * 60)
        response = client.get(reverse("accounts:dashboard"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert client.get(reverse("accounts:dashboard")).status_code == 302  # really out
    assert AuditEvent.objects.filter(action="session_ended_idle").count() == 1


def test_a_busy_session_still_ends_8_hours_after_the_login() -> None:
    _user()
    with time_machine.travel(time.time(), tick=False) as clock:
        client = Client()
        _login(client, "linwei", PASSWORD)
        for _ in range(18):  # a request every 29 minutes: never idle
            clock.shift(29 * 60)
            last = client.get(reverse("accounts:dashboard"))
            if last.status_code != 200:
                break
        assert last.status_code == 302
    assert AuditEvent.objects.filter(action="session_ended_absolute").count() == 1


# --- 三员分立 ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Role.SYSADMIN, Role.SECURITY_ADMIN),
        (Role.SECURITY_ADMIN, Role.AUDIT_ADMIN),
        (Role.SYSADMIN, Role.AUDIT_ADMIN),
    ],
)
def test_one_account_cannot_hold_two_administrator_roles(first: Role, second: Role) -> None:
    user = _user("admin", role=first)
    with pytest.raises(IntegrityError), transaction.atomic():
        RoleAssignment.objects.create(user=user, role=second)
    # three accounts may hold the three roles
    RoleAssignment.objects.create(user=UserFactory(), role=second)
