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
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.certificates.models import Certificate
from xueshi.certificates.services import certificate_issue, number_next
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord, RecordSource, RecordStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


def _run(workers: int, work) -> list[BaseException]:  # type: ignore[no-untyped-def]
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


def test_concurrent_issuance_for_many_people_gives_distinct_numbers_and_one_per_person() -> None:
    """40 people, each issued by 5 threads at once: 40 certificates, 40 numbers."""
    regions()
    employer = EmployerFactory(region_id="440500")
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    people = [employ(ProfessionalFactory(), employer) for _ in range(40)]
    for person in people:
        for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
            HourRecord.objects.create(
                professional=person,
                category=category,
                hours=Decimal(hours),
                content="x",
                start_date="2014-06-01",
                end_date="2014-06-02",
                credited_year=2014,
                status=RecordStatus.APPROVED,
                source=RecordSource.DECLARATION,
                declared_by=person.user,
                declared_role="professional",
            )

    def work(n: int) -> None:
        for person in people[n % 8 :: 8]:
            # another thread may have issued it first: "已生成" is the expected refusal
            with contextlib.suppress(ServiceError):
                certificate_issue(
                    actor=boss.assignment.user, active=boss, professional_id=person.pk, year=2014
                )

    assert _run(40, work) == []
    numbers = list(Certificate.objects.values_list("number", flat=True))
    assert len(numbers) == 40
    assert len(set(numbers)) == 40
    assert Certificate.objects.values("professional").distinct().count() == 40
