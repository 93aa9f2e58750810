"""Races on PostgreSQL with real threads: the same attempt submitted from many tabs at once is
scored once and its hours entered once; many tabs starting at once share one attempt.

The services lock the attempt's row (and the learner's, before counting attempts or
crediting), so the racers are serialised; SQLite cannot show a race."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.exams.conftest import GUANGDE_DAY, World, answers, started, world_of
from tests.support.race import race
from xueshi import clock
from xueshi.exams.models import Attempt, AttemptStatus, Credit
from xueshi.exams.services import attempt_start, attempt_submit
from xueshi.exams.services.attempts import CLOSED
from xueshi.records.models import HourRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 12


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")


@pytest.fixture
def world() -> World:
    with clock.at(GUANGDE_DAY):
        return world_of("341882", 2020, GUANGDE_DAY)


def test_twelve_submits_of_one_passing_attempt_credit_the_hours_exactly_once(
    world: World,
) -> None:
    with clock.at(GUANGDE_DAY):
        person, me = world.learner()
        attempt, token = started(world, me)
    given = answers(attempt)
    outcome = race(
        [
            lambda: attempt_submit(attempt_id=attempt.pk, token=token, answers=given, active=me)
            for _ in range(THREADS)
        ],
        around=lambda: clock.at(GUANGDE_DAY),
    )
    assert outcome.unexpected == []
    assert len(outcome.results) == 1
    assert outcome.refusals == [CLOSED] * (THREADS - 1)
    assert HourRecord.objects.filter(professional=person).count() == 1
    assert Credit.objects.filter(professional=person).count() == 1
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.SUBMITTED


def test_twelve_tabs_starting_at_once_share_one_attempt(world: World) -> None:
    with clock.at(GUANGDE_DAY):
        person, me = world.learner()
    outcome = race(
        [lambda: attempt_start(exam_id=world.exam.pk, active=me) for _ in range(THREADS)],
        around=lambda: clock.at(GUANGDE_DAY),
    )
    assert outcome.unexpected == []
    assert outcome.refusals == []
    started_ids = {a.pk for a in outcome.results if isinstance(a, Attempt)}
    assert len(started_ids) == 1
    assert started_ids == {Attempt.objects.get(professional=person).pk}
