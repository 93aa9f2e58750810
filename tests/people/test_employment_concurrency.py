"""Employment under concurrency, on PostgreSQL: the person's row is locked first by every
employment service, so simultaneous requests, acceptances and withdrawals queue up — one
wins, the others are refused cleanly, and nothing deadlocks."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.db import connection

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    grant,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.people.models import Employment, EmploymentStatus
from xueshi.people.services import employment_accept, employment_request, employment_withdraw

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


@dataclass
class Outcome:
    done: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _race(work: list[tuple[str, Callable[[], object]]]) -> Outcome:
    outcome = Outcome()
    start = threading.Barrier(len(work))

    def run(label: str, call: Callable[[], object]) -> None:
        try:
            start.wait()
            try:
                call()
            except ServiceError:
                with outcome.lock:
                    outcome.refused.append(label)
            else:
                with outcome.lock:
                    outcome.done.append(label)
        except BaseException as exc:  # a deadlock or any other error fails the test
            with outcome.lock:
                outcome.unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item) for item in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return outcome


def test_asking_many_employers_at_once_leaves_exactly_one_open_request() -> None:
    regions()
    person = ProfessionalFactory()
    me = grant(person.user, Role.PROFESSIONAL)
    employers = [EmployerFactory() for _ in range(THREADS)]

    outcome = _race(
        [
            (
                str(e.pk),
                lambda e=e: employment_request(actor=person.user, active=me, employer_id=e.pk),
            )
            for e in employers
        ]
    )

    assert outcome.unexpected == []
    assert len(outcome.done) == 1
    assert len(outcome.refused) == THREADS - 1
    assert Employment.objects.filter(professional=person).count() == 1


def test_reviewers_accepting_while_the_person_withdraws_settle_on_one_outcome() -> None:
    """Either one acceptance wins (and the withdrawal is refused) or the withdrawal wins
    (and every acceptance is refused); never both, never two acceptances."""
    regions()
    employer = EmployerFactory()
    person = ProfessionalFactory()
    me = grant(person.user, Role.PROFESSIONAL)
    request = employment_request(actor=person.user, active=me, employer_id=employer.pk)
    reviewers = [
        grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer) for _ in range(THREADS)
    ]
    for active in reviewers:
        assert active.assignment.employer is not None  # loaded before the threads start

    work: list[tuple[str, Callable[[], object]]] = [
        (
            "accept",
            lambda a=a: employment_accept(
                actor=a.assignment.user, active=a, employment_id=request.pk
            ),
        )
        for a in reviewers
    ]
    work.append(
        (
            "withdraw",
            lambda: employment_withdraw(actor=person.user, active=me, employment_id=request.pk),
        )
    )
    outcome = _race(work)

    assert outcome.unexpected == []
    assert len(outcome.done) == 1
    assert len(outcome.refused) == THREADS
    request.refresh_from_db()
    person.refresh_from_db()
    if outcome.done == ["accept"]:
        assert request.status == EmploymentStatus.ACTIVE
        assert person.employer_id == employer.pk
    else:
        assert request.status == EmploymentStatus.WITHDRAWN
        assert person.employer_id is None
    events = AuditEvent.objects.filter(target_type="people.employment", target_id=str(request.pk))
    assert events.exclude(action="employment_request").count() == 1
