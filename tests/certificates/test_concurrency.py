"""Certificate numbers under concurrency, on PostgreSQL: 1,000 issuances, 1,000 numbers.

``count() + 1`` collides under load (86 of 100 in STACK_NOTES); the locked counter row must
not. SQLite serialises writers on its file, so only PostgreSQL can show a race.
"""

from __future__ import annotations

import contextlib
import threading
from decimal import Decimal

import pytest
from django.db import connection

from tests.support.factories import (
    EmployerFactory,
    UserFactory,
    grant,
    make_ric,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.certificates.models import Certificate
from xueshi.certificates.services import certificate_issue, number_next
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


def _run(workers: int, work) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(workers)

    def target(n: int) -> None:
        try:
            start.wait()
            work(n)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_a_thousand_concurrent_numbers_are_all_distinct() -> None:
    numbers: list[str] = []
    lock = threading.Lock()

    def work(_: int) -> None:
        for _ in range(1000 // THREADS):
            number = number_next(fmt_text="{region}{year}{seq:06d}", region="440500", year=2014)
            with lock:
                numbers.append(number)

    assert _run(THREADS, work) == []
    assert len(numbers) == 1000
    assert len(set(numbers)) == 1000
    assert max(numbers) == "4405002014001000"


def _compliant_people(count: int) -> list[int]:
    """``count`` Shantou professionals with a complete 2014, made in bulk."""
    from xueshi.accounts.models import User
    from xueshi.people.models import Professional

    regions()
    employer = EmployerFactory(region_id="440500")
    users = User.objects.bulk_create([User(username=f"bulk{n}") for n in range(count)])
    people = Professional.objects.bulk_create(
        [
            Professional(
                user=user,
                full_name=f"批量{n}",
                id_number=make_ric(),
                series="engineering",
                title_level="intermediate",
                region_id="440500",
                employer=employer,
            )
            for n, user in enumerate(users)
        ]
    )
    HourRecord.objects.bulk_create(
        [
            HourRecord(
                professional=person,
                category=category,
                hours=Decimal(hours),
                content="x",
                start_date="2014-06-01",
                end_date="2014-06-02",
                credited_year=2014,
                status=RecordState.APPROVED,
                source=RecordSource.DECLARATION,
                declared_by=person.user,
                declared_role="professional",
            )
            for person in people
            for category, hours in (("public", 20), ("professional", 42), ("elective", 12))
        ]
    )
    return [person.pk for person in people]


def test_a_thousand_concurrent_issuances_give_a_thousand_distinct_numbers() -> None:
    """1,000 people, issued by 20 threads at once, every person asked for by two threads:
    1,000 certificates, 1,000 numbers, one per person."""
    people = _compliant_people(1000)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")

    def work(n: int) -> None:
        # thread n and thread n+10 ask for the same people, in opposite orders
        mine = people[n % 10 :: 10]
        for pk in mine if n < 10 else reversed(mine):
            # the second thread to ask is refused with "已生成"
            with contextlib.suppress(ServiceError):
                certificate_issue(
                    actor=bureau.assignment.user, active=bureau, professional_id=pk, year=2014
                )

    assert _run(THREADS, work) == []
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == 1000
    assert len(set(numbers)) == 1000
    assert Certificate.objects.values("professional").distinct().count() == 1000
