"""A pass enters the course's hours once, along the chain the region's policy sets for the
online route: Guangdong 2018 registers them at once; Guangde 2020 waits for the bureau."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.exams.conftest import World, answers, started
from xueshi.exams.models import Credit
from xueshi.exams.services import attempt_submit
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services import hour_record_transition
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db


def _pass(world: World, region: str = "") -> tuple[HourRecord, object]:
    person, me = world.learner(region=region)
    attempt, token = started(world, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt), active=me)
    credit = Credit.objects.get(attempt=attempt)
    return HourRecord.objects.get(pk=credit.record_id), person


def test_guangdong_registers_the_public_hours_at_once(guangdong: World) -> None:
    record, person = _pass(guangdong, region="440500")
    assert record.professional == person
    assert record.status == RecordState.APPROVED
    assert record.source == RecordSource.SYSTEM
    assert record.category == "public"
    assert record.hours == Decimal(30)
    assert record.credited_year == 2019
    assert record.chain["entered_by"] == ["system"]
    assert record.chain["steps"] == []
    assert "三(一)" in record.chain["reference"]


def test_guangde_hours_wait_for_the_bureau_to_verify_the_transcript(guangde: World) -> None:
    record, _ = _pass(guangde)
    assert record.status == RecordState.IN_REVIEW
    assert record.next_reviewer_role == "bureau"
    approved = hour_record_transition(
        record_id=record.pk,
        actor=guangde.bureau.assignment.user,
        active=guangde.bureau,
        action="approve",
    )
    assert approved.status == RecordState.APPROVED


def test_a_failed_attempt_then_a_pass_credits_once(guangde: World) -> None:
    person, me = guangde.learner()
    first, token = started(guangde, me)
    attempt_submit(attempt_id=first.pk, token=token, answers=answers(first, 0), active=me)
    second, token = started(guangde, me)
    attempt_submit(attempt_id=second.pk, token=token, answers=answers(second), active=me)
    assert HourRecord.objects.filter(professional=person).count() == 1
    assert Credit.objects.get(professional=person).attempt_id == second.pk
