"""Two bureau staff of one region publish at the same moment: each gets its own version
number, and two corrections of one notice make a chain (each replaces the one before), never
an error or two versions in force — on PostgreSQL with real threads."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection

from tests.policies.conftest import Shantou
from tests.support.drafts import NOTICE, PARAMETERS
from xueshi.policies.models import PolicyPublication
from xueshi.policies.selectors import publications_in_force
from xueshi.policies.services import policy_draft_save, policy_publish
from xueshi.policy_store import current_policy, policy_check_due

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 6


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


def _run(workers: int, work: Callable[[int], None]) -> list[BaseException]:
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


def test_concurrent_corrections_of_one_notice_each_replace_the_one_before(
    shantou: Shantou,
) -> None:
    user, active = shantou.bureau.assignment.user, shantou.bureau
    drafts = [
        policy_draft_save(
            actor=user,
            active=active,
            year=2025,
            notices_yaml=NOTICE,
            parameters_yaml=PARAMETERS.replace("value: 90", f"value: {80 + n}"),
        ).pk
        for n in range(THREADS)
    ]

    def work(n: int) -> None:
        policy_publish(actor=user, active=active, draft_id=drafts[n])

    assert _run(THREADS, work) == []
    publications = list(PolicyPublication.objects.order_by("number"))
    assert [p.number for p in publications] == list(range(1, THREADS + 1))
    assert [p.supersedes_id for p in publications] == [None, *(p.pk for p in publications[:-1])]
    [last] = publications_in_force()
    assert last == publications[-1]
    policy_check_due()
    total = current_policy().value("hours.total", "440500", dt.date(2025, 6, 1))
    assert total == Decimal(last.parameters_yaml.split("value: ")[1].split("\n")[0])
