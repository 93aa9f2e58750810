"""Shantou in 2025: a bureau, three engineers whose 2025 hours make them met under 72 hours
or under 90, and the notice a bureau drafts raising the total to 90."""

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
    met_by_72: Professional  # 20 + 42 + 12 = 74 hours: met under 72, short under 90
    met_by_90: Professional  # 20 + 50 + 20 = 90 hours: met under both
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
    for person, hours in ((a, (20, 42, 12)), (b, (20, 50, 20)), (c, (10, 0, 0))):
        for category, amount in zip(("public", "professional", "elective"), hours, strict=True):
            if amount:
                approved(person, category, amount)
    return Shantou(bureau, a, b, c)
