"""The Django admin of accounts, organisations, people and the catalogue answers for the
system administrator: every list (with a search), every add page and every change page."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from stdnum.cn import ric

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    employ,
    grant,
    id_number_of,
    regions,
)
from xueshi.accounts.models import Role, User
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.organisations.models import Region
from xueshi.people.models import Employment, Professional

pytestmark = pytest.mark.django_db

APPS = ("accounts", "organisations", "people", "catalogue")
READ_ONLY = {Region, Employment}


@pytest.fixture
def sysadmin_client(client: Client) -> Client:
    regions()
    person = employ(ProfessionalFactory(full_name="陈静"), EmployerFactory())
    grant(person.user, Role.PROFESSIONAL)
    ProviderFactory(sectors=["health"])
    authority = AuthorityFactory()
    PublicSubject.objects.create(region_id="440500", for_year=2014, title="公需科目一", hours=20)
    SubjectGuide.objects.create(authority=authority, year=2014, series="health", title="指南")
    user = UserFactory(is_staff=True, is_superuser=True)
    grant(user, Role.SYSADMIN)
    client.force_login(user)
    return client


def _registered() -> list[type]:
    return [m for m in admin.site._registry if m._meta.app_label in APPS]


def test_every_model_of_these_apps_is_registered() -> None:
    labels = {m._meta.label for m in _registered()}
    assert labels >= {
        "accounts.User",
        "accounts.RoleAssignment",
        "organisations.Region",
        "organisations.Employer",
        "organisations.IndustryAuthority",
        "organisations.Provider",
        "people.Professional",
        "people.Employment",
        "catalogue.PublicSubject",
        "catalogue.SubjectGuide",
    }


def test_every_admin_page_answers_for_the_system_administrator(sysadmin_client: Client) -> None:
    for model in _registered():
        info = (model._meta.app_label, model._meta.model_name)
        changelist = sysadmin_client.get(reverse("admin:{}_{}_changelist".format(*info)))
        assert changelist.status_code == 200, info
        assert model._meta.verbose_name_plural in changelist.content.decode()
        searched = sysadmin_client.get(
            reverse("admin:{}_{}_changelist".format(*info)), {"q": "汕头"}
        )
        assert searched.status_code == 200, info
        add = sysadmin_client.get(reverse("admin:{}_{}_add".format(*info)))
        # Regions mirror the policy and employment is history: neither is added by hand.
        assert add.status_code == (403 if model in READ_ONLY else 200), info
        obj = model._default_manager.first()
        assert obj is not None, info
        change = sysadmin_client.get(reverse("admin:{}_{}_change".format(*info), args=[obj.pk]))
        assert change.status_code == 200, info


def test_the_professional_list_shows_the_id_number_masked(sysadmin_client: Client) -> None:
    text = sysadmin_client.get(reverse("admin:people_professional_changelist")).content.decode()
    professional = Professional.objects.get(full_name="陈静")
    assert professional.masked_id_number in text
    assert id_number_of(professional) not in text


def test_employment_history_cannot_be_edited_or_deleted_in_the_admin(
    sysadmin_client: Client,
) -> None:
    employment = Professional.objects.get(full_name="陈静").employments.get()
    url = reverse("admin:people_employment_delete", args=[employment.pk])
    assert sysadmin_client.post(url, {"post": "yes"}).status_code == 403
    assert sysadmin_client.get(reverse("admin:people_employment_add")).status_code == 403
    assert Employment.objects.filter(pk=employment.pk, status="active").exists()


def test_the_system_administrator_creates_a_user_with_a_full_name(
    sysadmin_client: Client,
) -> None:
    response = sysadmin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "new-bureau",
            "full_name": "王科长",
            "usable_password": "true",
            "password1": "Xueshi-2014-Shantou",
            "password2": "Xueshi-2014-Shantou",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user = User.objects.get(username="new-bureau")
    assert user.full_name == "王科长"
    assert user.check_password("Xueshi-2014-Shantou")


def test_the_system_administrator_sets_a_users_password(sysadmin_client: Client) -> None:
    user = Professional.objects.get(full_name="陈静").user
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert sysadmin_client.get(url).status_code == 200
    response = sysadmin_client.post(
        url,
        {
            "usable_password": "true",
            "password1": "Another-Pass-2024",
            "password2": "Another-Pass-2024",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Another-Pass-2024")


def test_an_id_number_edited_in_the_admin_is_checked(sysadmin_client: Client) -> None:
    person = Professional.objects.get(full_name="陈静")
    url = reverse("admin:people_professional_change", args=[person.pk])
    form = sysadmin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "id"}
    body = "44050719850307123"
    data.update(
        {
            "id_number": body + ("0" if ric.calc_check_digit(body + "?") != "0" else "1"),
            "user": person.user_id,
            "employer": person.employer_id,
            "employments-TOTAL_FORMS": "0",
            "employments-INITIAL_FORMS": "0",
        }
    )
    response = sysadmin_client.post(url, data)
    assert response.status_code == 200
    assert "公民身份号码校验位不正确" in response.content.decode()


def test_roles_given_changed_and_taken_in_the_admin_are_audited(sysadmin_client: Client) -> None:
    from xueshi.accounts.models import RoleAssignment
    from xueshi.audit.models import AuditEvent

    clerk = UserFactory(username="clerk")
    added = sysadmin_client.post(
        reverse("admin:accounts_roleassignment_add"),
        {"user": clerk.pk, "role": Role.BUREAU_STAFF.value, "region": "440500"},
    )
    assert added.status_code == 302
    assignment = RoleAssignment.objects.get(user=clerk)
    grant_row = AuditEvent.objects.get(action="role_grant")
    assert grant_row.target_id == str(assignment.pk)
    assert grant_row.data["role"] == "bureau_staff"
    assert grant_row.data["region"] == "440500"
    assert grant_row.actor_id != clerk.pk

    deleted = sysadmin_client.post(
        reverse("admin:accounts_roleassignment_delete", args=[assignment.pk]), {"post": "yes"}
    )
    assert deleted.status_code == 302
    assert not RoleAssignment.objects.filter(user=clerk).exists()
    revoke = AuditEvent.objects.get(action="role_revoke")
    assert revoke.target_id == str(assignment.pk)
    assert revoke.data["user"] == clerk.pk
