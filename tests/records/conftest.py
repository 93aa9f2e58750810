"""A small Shantou world for the record views: two employers, their staff and reviewers, and
the city bureau; hours of 2014 follow the 2014 notice (professional: employer → bureau)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    hours,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_declare

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(name: str = "证明.pdf", body: bytes = b"") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF + body, content_type="application/pdf")


def files_on_disk() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@dataclass
class World:
    person: Professional
    me: ActiveRole
    boss: ActiveRole  # employer reviewer of the person's employer
    admin: ActiveRole  # employer admin of the same employer
    bureau: ActiveRole  # Shantou bureau
    other_person: Professional
    other_boss: ActiveRole  # reviewer of another employer
    far_bureau: ActiveRole  # a bureau elsewhere (Kaifeng)

    def declare(self, person: Professional | None = None, **extra: Any) -> HourRecord:
        person = person or self.person
        me = self.me if person == self.person else grant(person.user, Role.PROFESSIONAL)
        data: dict[str, Any] = {
            "actor": person.user,
            "active": me,
            "professional": person,
            "category": "professional",
            "content": "新技术培训",
            "hours": hours(42),
            "start_date": dt.date(2014, 6, 2),
            "end_date": dt.date(2014, 6, 8),
            "evidence": [pdf(body=str(person.pk).encode() + extra.pop("salt", b""))],
            "today": dt.date(2014, 9, 1),
        }
        data.update(extra)
        return hour_record_declare(**data)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Factories hash a password per user; the production hasher is slow on purpose."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    regions()
    employer = EmployerFactory(region_id="440500")
    other_employer = EmployerFactory(region_id="440500")
    person = employ(ProfessionalFactory(full_name="张三"), employer)
    other_person = employ(ProfessionalFactory(full_name="李四"), other_employer)
    return World(
        person=person,
        me=grant(person.user, Role.PROFESSIONAL),
        boss=grant(UserFactory(full_name="单位审核员"), Role.EMPLOYER_REVIEWER, employer=employer),
        admin=grant(UserFactory(full_name="单位管理员"), Role.EMPLOYER_ADMIN, employer=employer),
        bureau=grant(UserFactory(full_name="市人社局"), Role.BUREAU_STAFF, region_id="440500"),
        other_person=other_person,
        other_boss=grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=other_employer),
        far_bureau=grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200"),
    )
