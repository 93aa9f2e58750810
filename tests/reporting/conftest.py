"""Fixtures of the reporting tests: people in the seed regions and their hour records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache

from tests.support.factories import EmployerFactory, ProfessionalFactory, employ, regions
from xueshi.organisations.models import Employer
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

MakeRecord = Callable[..., HourRecord]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    """Test users need no slow password hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_chart_cache() -> Any:
    """The charts keep their figures in the cache (``reporting.charts.cached``): none is
    carried from one test's database to the next."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def seeded(db: Any) -> None:
    regions()


@pytest.fixture
def make_person(seeded: None) -> Callable[..., Professional]:
    """A professional employed in ``region`` (a new employer there unless one is given)."""

    def make(
        region: str = "440500", employer: Employer | None = None, **fields: Any
    ) -> Professional:
        employer = employer or EmployerFactory(region_id=region)
        return employ(ProfessionalFactory(region_id=region, **fields), employer)

    return make


@pytest.fixture
def make_record() -> MakeRecord:
    """An hour record written directly, in any state (the services are tested elsewhere)."""

    def make(
        person: Professional,
        category: str = "professional",
        hours: int | str | Decimal = 0,
        *,
        year: int = 2014,
        status: str = RecordState.APPROVED,
        taken_on: dt.date | None = None,
        steps: tuple[str, ...] = ("employer", "bureau"),
        step: int = 0,
        comment: str = "",
        **fields: Any,
    ) -> HourRecord:
        end = taken_on or dt.date(year, 6, 10)
        return HourRecord.objects.create(
            professional=person,
            category=category,
            hours=Decimal(str(hours)),
            credited_year=year,
            start_date=end - dt.timedelta(days=2),
            end_date=end,
            content=fields.pop("content", f"{category} {hours}"),
            status=status,
            chain={"entered_by": ["professional"], "steps": list(steps)},
            step=step,
            last_comment=comment,
            source=RecordSource.DECLARATION,
            declared_by=person.user,
            declared_role="professional",
            **fields,
        )

    return make
