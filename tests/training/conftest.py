"""A Shantou world for classes: a filed provider and its staff, the city bureau, the
province bureau, an industry authority for engineering, learners; and helpers to draft,
file and approve classes on given days and to build Excel files."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from tests.support.factories import (
    AuthorityFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    grant,
    make_ric,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.organisations.models import Provider
from xueshi.people.models import Professional
from xueshi.training.models import ClassPlan, Enrollment
from xueshi.training.services import (
    class_enroll,
    class_plan_approve,
    class_plan_create,
    class_plan_file,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class World:
    provider: Provider
    staff: ActiveRole  # provider staff of ``provider``
    other_staff: ActiveRole  # staff of another Shantou provider
    bureau: ActiveRole  # Shantou city bureau (440500)
    province: ActiveRole  # Guangdong province bureau (440000)
    luojiang: ActiveRole  # Luojiang district bureau (350504): out of Shantou's scope
    authority: ActiveRole  # Shantou authority for engineering
    health_authority: ActiveRole  # Shantou authority for health only

    def draft(self, **fields: Any) -> ClassPlan:
        data: dict[str, Any] = {
            "title": "工程新技术研修班",
            "category": "professional",
            "series": "engineering",
            "start_date": dt.date(2014, 6, 20),
            "end_date": dt.date(2014, 6, 22),
            "hours": Decimal(20),
            "capacity": 30,
            "location": "汕头市行政学院",
        }
        data.update(fields)
        staff = data.pop("staff", self.staff)
        return class_plan_create(actor=staff.assignment.user, active=staff, **data)

    def approved(self, *, filed_on: dt.date | None = None, **fields: Any) -> ClassPlan:
        """A class drafted, filed on time and approved by the bureau (the 2014 approver)."""
        plan = self.draft(**fields)
        staff = fields.get("staff", self.staff)
        filed_on = filed_on or plan.start_date - dt.timedelta(days=40)
        plan = class_plan_file(
            class_plan_id=plan.pk, actor=staff.assignment.user, active=staff, today=filed_on
        )
        approver = self.authority if plan.approver_role == "industry_authority" else self.bureau
        return class_plan_approve(
            class_plan_id=plan.pk, actor=approver.assignment.user, active=approver
        )


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Test users need no slow password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: Any) -> World:
    regions()
    provider = ProviderFactory(region_id="440500", name="汕头市行政学院")
    other = ProviderFactory(region_id="440500", name="汕头市卫生学校")
    engineering = AuthorityFactory(region_id="440500", series=["engineering"], name="市住建局")
    health = AuthorityFactory(region_id="440500", series=["health"], name="市卫健局")
    return World(
        provider=provider,
        staff=grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider),
        other_staff=grant(UserFactory(), Role.PROVIDER_STAFF, provider=other),
        bureau=grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500"),
        province=grant(UserFactory(), Role.BUREAU_STAFF, region_id="440000"),
        luojiang=grant(UserFactory(), Role.BUREAU_STAFF, region_id="350504"),
        authority=grant(UserFactory(), Role.AUTHORITY_REVIEWER, authority=engineering),
        health_authority=grant(UserFactory(), Role.AUTHORITY_REVIEWER, authority=health),
    )


def valid_ric() -> str:
    """A resident ID number with a correct check digit (``calc_check_digit`` reads the first
    17 of 18 characters; tests/support's make_ric passes 17, so its last digit is off)."""
    body = make_ric()[:17]
    return body + ric.calc_check_digit(body + "0")


def learner(**fields: Any) -> tuple[Professional, ActiveRole]:
    fields.setdefault("id_number", valid_ric())
    person = ProfessionalFactory(**fields)
    return person, grant(person.user, Role.PROFESSIONAL)


def enrol(plan: ClassPlan, person: Professional, me: ActiveRole) -> Enrollment:
    return class_enroll(
        class_plan_id=plan.pk,
        actor=person.user,
        active=me,
        today=plan.start_date - dt.timedelta(days=1),
    )


def xlsx(rows: list[list[Any]], *, header: list[str] | None = None) -> bytes:
    """An Excel file whose first sheet has ``header`` (default: the template's) and rows."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, header if header is not None else ["姓名", "公民身份号码", "考核成绩"])
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is None:
                continue
            sheet.write(number, column, value)
    book.close()
    return out.getvalue()


def upload(data: bytes, name: str = "成绩.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)
