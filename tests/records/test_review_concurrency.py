"""Concurrent approvals on PostgreSQL: nothing lost, nothing doubled.

32 reviewers approve the same 10 records at the same moment, each in its own thread and
database connection. The transition locks the record's row (``SELECT … FOR UPDATE``), so the
first approval of each record wins and every other attempt finds the record already past the
reviewer's step and is refused with a ServiceError. SQLite cannot show a race (its
select_for_update is a no-op and writers serialise on the file), so this runs on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

import pytest
from django.db import connection

from tests.records.conftest import World
from tests.support.factories import UserFactory, grant
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_transition
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 32
RECORDS = 10


@dataclass
class Round:
    succeeded: Counter[int] = field(default_factory=Counter)  # record id → approvals
    refused: int = 0
    unexpected: list[BaseException] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _race(reviewers: list[ActiveRole], record_ids: list[int]) -> Round:
    """Every reviewer tries to approve every record, all threads released at once."""
    outcome = Round()
    start = threading.Barrier(len(reviewers))

    def work(active: ActiveRole, seed: int) -> None:
        order = list(record_ids)
        random.Random(seed).shuffle(order)
        try:
            start.wait()
            for record_id in order:
                try:
                    hour_record_transition(
                        record_id=record_id,
                        actor=active.assignment.user,
                        active=active,
                        action="approve",
                    )
                except ServiceError:
                    with outcome.lock:
                        outcome.refused += 1
                else:
                    with outcome.lock:
                        outcome.succeeded[record_id] += 1
        except BaseException as exc:  # anything but a clean refusal fails the test
            with outcome.lock:
                outcome.unexpected.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(active, n)) for n, active in enumerate(reviewers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a reviewer thread hung"
    return outcome


def _approvals(record_ids: list[int]) -> Counter[str]:
    return Counter(
        AuditEvent.objects.filter(
            action="approve", target_type="records.hourrecord", target_id__in=map(str, record_ids)
        ).values_list("target_id", flat=True)
    )


def test_32_reviewers_approving_the_same_records_move_each_exactly_one_step(
    world: World,
) -> None:
    """Round 1 (employer step) then round 2 (bureau step): every record is approved exactly
    once per step, one audit event each, and every other attempt is refused cleanly."""
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")
    employer = world.person.employer
    # Ten trainings of a week each, one after another (two at once would be flagged).
    records = [
        world.declare(
            content=f"培训{n}",
            salt=str(n).encode(),
            start_date=dt.date(2014, 6, 2) + dt.timedelta(days=7 * n),
            end_date=dt.date(2014, 6, 8) + dt.timedelta(days=7 * n),
        )
        for n in range(RECORDS)
    ]
    ids = [r.pk for r in records]
    assert set(HourRecord.objects.filter(pk__in=ids).values_list("step", flat=True)) == {0}

    employer_reviewers = [
        grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer) for _ in range(THREADS)
    ]
    first = _race(employer_reviewers, ids)

    assert first.unexpected == []
    assert first.succeeded == Counter(dict.fromkeys(ids, 1))
    assert first.refused == THREADS * RECORDS - RECORDS
    after_first = HourRecord.objects.filter(pk__in=ids)
    assert {(r.status, r.step) for r in after_first} == {(RecordState.IN_REVIEW, 1)}
    assert {r.next_reviewer_role for r in after_first} == {"bureau"}
    assert _approvals(ids) == Counter({str(pk): 1 for pk in ids})

    bureaus = [grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500") for _ in range(THREADS)]
    for active in bureaus:
        assert active.assignment.region is not None  # loaded before the threads start
    second = _race(bureaus, ids)

    assert second.unexpected == []
    assert second.succeeded == Counter(dict.fromkeys(ids, 1))
    assert second.refused == THREADS * RECORDS - RECORDS
    after_second = HourRecord.objects.filter(pk__in=ids)
    assert {(r.status, r.step) for r in after_second} == {(RecordState.APPROVED, 2)}
    assert _approvals(ids) == Counter({str(pk): 2 for pk in ids})
    steps = Counter(
        AuditEvent.objects.filter(action="approve", target_id__in=map(str, ids)).values_list(
            "data__step", flat=True
        )
    )
    assert steps == Counter({1: RECORDS, 2: RECORDS})
    print(
        f"\nround 1: {sum(first.succeeded.values())} approved, {first.refused} refused; "
        f"round 2: {sum(second.succeeded.values())} approved, {second.refused} refused"
    )
