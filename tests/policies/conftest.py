"""Shantou in 2025: a bureau and three professionals whose 2025 hours the draft notice of
``tests.support.drafts`` judges otherwise than the national rules do (or not)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest

from tests.support.factories import EmployerFactory, ProfessionalFactory, UserFactory, grant
from tests.support.factories import regions as mirror_regions
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState


def approved(person: Professional, category: str, hours: int, year: int = 2025) -> HourRecord:
    end = dt.date(year, 6, 10)
    return HourRecord.objects.create(
        professional=person,
        category=category,
        hours=Decimal(hours),
        credited_year=year,
        start_date=end - dt.timedelta(days=2),
        end_date=end,
        content=f"{category} {hours}",
        status=RecordState.APPROVED,
        chain={"entered_by": ["professional"], "steps": ["employer"]},
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
    )


@dataclass
class Shantou:
    bureau: ActiveRole
    becomes_met: Professional  # 20 + 58 + 12: short under the national rules, met by the notice
    becomes_short: Professional  # 30 + 60, no elective: met under the national rules, not by it
    short: Professional  # 10 hours: short under both


@pytest.fixture
def shantou(db: None) -> Shantou:
    mirror_regions()
    bureau = grant(UserFactory(username="st-bureau"), Role.BUREAU_STAFF, region_id="440500")
    design = EmployerFactory(name="汕头市建筑设计院")
    hospital = EmployerFactory(name="汕头市中心医院")
    a = ProfessionalFactory(full_name="林伟", employer=design)
    b = ProfessionalFactory(full_name="陈静", employer=hospital, series="health")
    c = ProfessionalFactory(full_name="吴昊", employer=design)
    for person, hours in ((a, (20, 58, 12)), (b, (30, 60, 0)), (c, (10, 0, 0))):
        for category, amount in zip(("public", "professional", "elective"), hours, strict=True):
            if amount:
                approved(person, category, amount)
    return Shantou(bureau, a, b, c)
