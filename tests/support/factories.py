"""Test data: factories for the system-of-record models, and role helpers."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import factory
from stdnum.cn import ric, uscc

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.organisations.models import Employer, IndustryAuthority, Provider, Region
from xueshi.organisations.services import regions_sync_from_policy
from xueshi.people.identity import id_number_decrypt
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.policy_store import current_policy

_serial = itertools.count(1)


def regions() -> None:
    """Mirror the policy's regions (idempotent); call before creating organisations."""
    if not Region.objects.exists():
        regions_sync_from_policy(policy=current_policy())


def make_ric(birth: dt.date = dt.date(1985, 3, 7), area: str = "440507") -> str:
    """A valid resident ID number with a fresh sequence part."""
    seq = f"{next(_serial) % 1000:03d}"
    body = f"{area}{birth:%Y%m%d}{seq}"
    return body + ric.calc_check_digit(body + "0")  # it reads 18 characters


def id_number_of(person: Professional) -> str:
    """The person's full ID number, decrypted. Tests only: the application shows a full
    number through ``people.identity.id_number_reveal``, which audits the read."""
    return id_number_decrypt(person.id_number_encrypted, person.id_number_index)


def make_uscc() -> str:
    body = f"91440500MA{next(_serial):07d}"[:17]
    return body + uscc.calc_check_digit(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pass-1234")


class EmployerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Employer

    name = factory.Sequence(lambda n: f"测试单位{n}")
    uscc = factory.LazyFunction(make_uscc)
    region_id = "440500"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"施教机构{n}")
    region_id = "440500"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndustryAuthority

    name = factory.Sequence(lambda n: f"主管部门{n}")
    region_id = "440500"
    series = factory.LazyFunction(lambda: ["health"])


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    full_name = factory.Sequence(lambda n: f"专技人员{n}")
    id_number = factory.LazyFunction(make_ric)
    series = "engineering"
    title_level = "intermediate"
    region_id = "440500"
    employer = None


def employ(professional: Professional, employer: Employer) -> Professional:
    Employment.objects.create(
        professional=professional,
        employer=employer,
        status=EmploymentStatus.ACTIVE,
        started_on=dt.date(2014, 1, 1),
    )
    professional.employer = employer
    professional.region = employer.region
    professional.save(update_fields=["employer", "region"])
    return professional


def grant(user: User, role: Role, **scope: Any) -> ActiveRole:
    assignment, _ = RoleAssignment.objects.get_or_create(user=user, role=role, **scope)
    return ActiveRole(assignment)


def hours(value: str | int) -> Decimal:
    return Decimal(str(value))
