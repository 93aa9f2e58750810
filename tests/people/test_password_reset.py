"""Password reset by an employer's administrator or a bureau (people/password_reset.py):
a temporary password shown once, a forced change at the next login, one audit row; never
one's own account, an equal or higher role's, or an account outside the actor's scope."""

from __future__ import annotations

import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.organisations.models import Region
from xueshi.people.password_reset import (
    password_reset_refusal,
    reset_candidates,
    user_password_reset,
)

pytestmark = pytest.mark.django_db

OLD = "Old-Pass-2026"


@pytest.fixture(autouse=True)
def _regions() -> None:
    regions()


def _account(username: str) -> User:
    user = UserFactory(username=username)
    user.set_password(OLD)
    user.save()
    return user


def _staff_of(employer: object, username: str = "zhangsan") -> User:
    professional = ProfessionalFactory(user=_account(username))
    employ(professional, employer)
    grant(professional.user, Role.PROFESSIONAL)
    return professional.user


def _employer_admin(employer: object, username: str = "hr") -> ActiveRole:
    return grant(_account(username), Role.EMPLOYER_ADMIN, employer=employer)


def _bureau(code: str = "440500", username: str = "bureau") -> ActiveRole:
    return grant(_account(username), Role.BUREAU_STAFF, region=Region.objects.get(code=code))


def _reset(active: ActiveRole, target: User) -> str:
    actor = User.objects.get(pk=active.assignment.user_id)
    return user_password_reset(actor=actor, active=active, user_id=target.pk)[1]


def test_an_employer_admin_resets_a_staff_member_who_must_change_it_at_the_next_login() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    staff = _staff_of(employer)

    temporary = _reset(admin, staff)

    staff.refresh_from_db()
    assert staff.must_change_password
    assert staff.check_password(temporary)
    assert not staff.check_password(OLD)
    assert len(temporary) == 12
    event = AuditEvent.objects.get(action="password_reset")
    assert event.actor_id == admin.assignment.user_id
    assert event.role == Role.EMPLOYER_ADMIN
    assert event.target_id == str(staff.pk)
    assert temporary not in str(event.data)
    assert temporary not in event.comment

    # the next login goes to 修改密码 first, and nothing else opens until it is changed
    client = Client()
    signed_in = client.post(
        reverse("accounts:login"), {"username": staff.username, "password": temporary}
    )
    assert signed_in.status_code == 302
    response = client.get(reverse("reporting:my_year"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "您的密码已由管理员重置" in page
    client.post(
        reverse("accounts:password_change"),
        {
            "old_password": temporary,
            "new_password1": "New-Pass-77x",
            "new_password2": "New-Pass-77x",
        },
    )
    staff.refresh_from_db()
    assert not staff.must_change_password
    assert client.get(reverse("reporting:my_year")).status_code == 200


def test_every_reset_gives_a_new_random_password() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    staff = _staff_of(employer)
    first, second = _reset(admin, staff), _reset(admin, staff)
    assert first != second
    assert AuditEvent.objects.filter(action="password_reset").count() == 2


def test_the_reset_ends_the_accounts_other_sessions() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    staff = _staff_of(employer)
    old_session = Client()
    old_session.force_login(staff)
    assert old_session.get(reverse("accounts:dashboard")).status_code == 200
    _reset(admin, staff)
    assert old_session.get(reverse("accounts:dashboard")).status_code == 302  # signed out


def test_an_employer_admin_resets_its_own_reviewer_but_not_another_employers_staff() -> None:
    employer, other = EmployerFactory(), EmployerFactory()
    admin = _employer_admin(employer)
    reviewer = _account("reviewer")
    grant(reviewer, Role.EMPLOYER_REVIEWER, employer=employer)
    outsider = _staff_of(other, "lisi")
    other_reviewer = _account("other-reviewer")
    grant(other_reviewer, Role.EMPLOYER_REVIEWER, employer=other)

    assert password_reset_refusal(admin, reviewer) == ""
    for target in (outsider, other_reviewer):
        with pytest.raises(ServiceError, match="不在您的管理范围内"):
            _reset(admin, target)
        target.refresh_from_db()
        assert target.check_password(OLD)
        assert not target.must_change_password
    assert set(reset_candidates(admin)) == {reviewer}
    assert not AuditEvent.objects.filter(action="password_reset").exists()


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.EMPLOYER_ADMIN, "employer"),  # an equal role
        (Role.BUREAU_STAFF, "region"),
        (Role.AUTHORITY_REVIEWER, "authority"),
        (Role.SYSADMIN, ""),
        (Role.SECURITY_ADMIN, ""),
    ],
)
def test_an_equal_or_higher_role_is_never_reset(role: Role, scope: str) -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    bureau = _bureau()
    target = _staff_of(employer)  # in both actors' scope as a professional…
    values = {
        "employer": {"employer": employer},
        "region": {"region": Region.objects.get(code="440500")},
        "authority": {"authority": AuthorityFactory()},
        "": {},
    }[scope]
    grant(target, role, **values)  # …but also holding this role
    for actor in (admin, bureau):
        if role in (Role.EMPLOYER_ADMIN,) and actor is bureau:
            continue  # a bureau is above an employer's administrator
        with pytest.raises(ServiceError):
            _reset(actor, target)
        assert target not in reset_candidates(actor)
    target.refresh_from_db()
    assert target.check_password(OLD)


def test_nobody_resets_their_own_password_here() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    me = User.objects.get(pk=admin.assignment.user_id)
    with pytest.raises(ServiceError, match="不能重置自己的密码"):
        _reset(admin, me)


def test_a_bureau_resets_accounts_in_its_region_and_below_only() -> None:
    city = _bureau("341800")
    local_employer = EmployerFactory(region_id="341882")  # a county of the city
    far_employer = EmployerFactory(region_id="350500")
    near_staff = _staff_of(local_employer, "near")
    far_staff = _staff_of(far_employer, "far")
    employer_admin = _employer_admin(local_employer, "local-hr")
    provider_user = _account("provider")
    grant(provider_user, Role.PROVIDER_STAFF, provider=ProviderFactory(region_id="341800"))
    far_provider = _account("far-provider")
    grant(far_provider, Role.PROVIDER_STAFF, provider=ProviderFactory(region_id="350504"))
    peer = _bureau("341882", "county-bureau")  # a bureau below is still a bureau

    admin_user = User.objects.get(pk=employer_admin.assignment.user_id)
    for target in (near_staff, admin_user, provider_user):
        assert password_reset_refusal(city, target) == ""
        _reset(city, target)
    for target in (far_staff, far_provider, User.objects.get(pk=peer.assignment.user_id)):
        with pytest.raises(ServiceError):
            _reset(city, target)
    assert set(reset_candidates(city)) == {near_staff, admin_user, provider_user}
    assert set(reset_candidates(city, "near")) == {near_staff}


def test_other_roles_cannot_reset_and_the_page_is_theirs_only() -> None:
    employer = EmployerFactory()
    staff = _staff_of(employer)
    reviewer = _account("reviewer")
    active = grant(reviewer, Role.EMPLOYER_REVIEWER, employer=employer)
    with pytest.raises(ServiceError, match="只有用人单位管理员和人社部门"):
        _reset(active, staff)
    client = Client()
    client.force_login(reviewer)
    assert client.get(reverse("people:password_reset_list")).status_code == 403
    assert client.post(reverse("people:password_reset", args=[staff.pk])).status_code == 403


def test_the_page_lists_the_scope_and_shows_the_temporary_password_once() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    staff = _staff_of(employer)
    outsider = _staff_of(EmployerFactory(), "outsider")
    client = Client()
    client.force_login(User.objects.get(pk=admin.assignment.user_id))

    listing = client.get(reverse("people:password_reset_list")).content.decode()
    assert staff.username in listing
    assert outsider.username not in listing
    assert "重置密码" in client.get(reverse("accounts:dashboard")).content.decode()

    refused = client.post(reverse("people:password_reset", args=[outsider.pk]), follow=True)
    assert "不在您的管理范围内" in refused.content.decode()
    missing = client.post(reverse("people:password_reset", args=[10**9]), follow=True)
    assert "不在您的管理范围内" in missing.content.decode()  # the same words: nothing revealed

    response = client.post(reverse("people:password_reset", args=[staff.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    match = re.search(r'id="temporary-password">([^<]+)<', response.content.decode())
    assert match is not None
    staff.refresh_from_db()
    assert staff.check_password(match.group(1))
    # shown once: the list and the dashboard afterwards do not carry it
    assert match.group(1) not in client.get(reverse("people:password_reset_list")).content.decode()
    assert match.group(1) not in client.get(reverse("accounts:dashboard")).content.decode()


def test_a_temporary_password_expires_after_72_hours_and_the_refusal_is_audited() -> None:
    employer = EmployerFactory()
    admin = _employer_admin(employer)
    staff = _staff_of(employer)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        temporary = _reset(admin, staff)
    with time_machine.travel("2026-03-05 10:00 +0800", tick=False):  # 73 hours later
        client = Client()
        refused = client.post(
            reverse("accounts:login"), {"username": staff.username, "password": temporary}
        )
        assert refused.status_code == 200
        assert "已失效" in refused.content.decode()
        assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.get(action="login_refused")
    assert event.actor_id == staff.pk
    assert event.result == "refused"
    assert event.data["reason"] == "temporary_password_expired"
    with time_machine.travel("2026-03-05 10:00 +0800", tick=False):
        again = _reset(admin, staff)  # a new reset gives it another 72 hours
        signed_in = Client().post(
            reverse("accounts:login"), {"username": staff.username, "password": again}
        )
        assert signed_in.status_code == 302


def test_a_temporary_password_signs_in_within_72_hours() -> None:
    employer = EmployerFactory()
    staff = _staff_of(employer)
    with time_machine.travel("2026-03-02 09:00 +0800", tick=False):
        temporary = _reset(_employer_admin(employer), staff)
    with time_machine.travel("2026-03-05 08:00 +0800", tick=False):  # 71 hours later
        response = Client().post(
            reverse("accounts:login"), {"username": staff.username, "password": temporary}
        )
    assert response.status_code == 302
