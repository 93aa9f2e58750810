"""Voiding a pushed result (xAPI's voided statement): by the id the client sent it under,
idempotent, audited, only by the sender or its organisation; the voided record counts for
nothing, the ledger and the verdict move, and the receipt says so."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, register
from tests.support.factories import id_number_of
from xueshi.api.models import ClientKind, PushedResult, Scope
from xueshi.audit.models import AuditEvent
from xueshi.compliance.models import PersonYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.records.models import HourRecord
from xueshi.training.models import Enrollment

pytestmark = pytest.mark.django_db

VOID = "/api/v1/results/void/"
VERDICT = "/api/v1/compliance/verdicts/"


def _state() -> tuple[Any, ...]:
    return (
        sorted(HourRecord.objects.values_list("pk", "status", "last_comment")),
        sorted(Enrollment.objects.values_list("pk", "score", "passed")),
        sorted(PushedResult.objects.values_list("external_id", "voided_at", "void_reason")),
        sorted(PersonYear.objects.values_list("professional_id", "pending", "compliant")),
    )


def test_voiding_a_result_voids_its_record_and_the_ledger_and_verdict_follow(api: Api) -> None:
    pushed = api.push([api.item(0, "90"), api.item(1, "45")]).json()
    person = api.people[0]
    record = HourRecord.objects.get(professional=person, class_plan=api.plan)
    ledger_rebuild(year=2014)
    assert PersonYear.objects.get(professional=person, year=2014).pending == 1
    title = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])
    ask = {"id_number": id_number_of(person), "year": 2014}
    assert title.post(VERDICT, ask).json()["pending_records"] == 1

    response = api.signer.post(VOID, {"external_ids": ["ext-0", "ext-1"], "reason": "成绩录错"})

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["voided"], body["unchanged"], body["not_found"]) == (2, 0, 0)
    assert [i["result"] for i in body["items"]] == ["voided", "voided"]
    assert "不再计入" in body["items"][0]["message"]
    assert "学时记录未改动" in body["items"][1]["message"]  # a failed result entered none
    record.refresh_from_db()
    assert record.status == "voided"
    assert "成绩录错" in record.last_comment
    # the person's ledger row and verdict no longer see it
    assert PersonYear.objects.get(professional=person, year=2014).pending == 0
    assert title.post(VERDICT, ask).json()["pending_records"] == 0
    # the scores they wrote are cleared: the class no longer shows them as assessed
    seats = Enrollment.objects.filter(professional__in=api.people[:2])
    assert set(seats.values_list("score", "passed")) == {(None, None)}
    # audited: the call, and the record's change of state
    event = AuditEvent.objects.get(action="api_results_void")
    assert event.data["voided"] == ["ext-0", "ext-1"]
    void = AuditEvent.objects.get(action="void")
    assert (void.from_status, void.to_status) == ("in_review", "voided")
    # the push's receipt, fetched again, says which results were voided since, and why
    receipt = api.signer.get(f"/api/v1/receipts/{pushed['id']}/").json()
    assert [i["void_reason"] for i in receipt["items"]] == ["成绩录错", "成绩录错"]
    assert all(i["voided_at"] for i in receipt["items"])
    assert [i["result"] for i in receipt["items"]] == ["created", "failed"]


def test_voiding_again_changes_nothing_and_unknown_ids_are_named(api: Api) -> None:
    api.push([api.item(0, "90")])
    first = api.signer.post(VOID, {"external_ids": ["ext-0"], "reason": "重复报送"})
    assert first.json()["voided"] == 1
    before = _state()
    again = api.signer.post(VOID, {"external_ids": ["ext-0", "nope-1"], "reason": "再次作废"})
    assert again.status_code == 200
    assert [i["result"] for i in again.json()["items"]] == ["unchanged", "not_found"]
    assert _state() == before
    assert AuditEvent.objects.filter(action="void").count() == 1


def test_a_correction_goes_under_a_new_id_once_the_first_is_voided(api: Api) -> None:
    api.push([api.item(0, "90")])
    corrected = api.item(0, "70", external_id="ext-0-fix")
    # before voiding: the learner's hours are entered already (same learner, same class)
    assert api.push([corrected]).json()["items"][0]["result"] == "unchanged"
    api.signer.post(VOID, {"external_ids": ["ext-0"], "reason": "成绩录错"})
    # a new id after voiding enters the learner's hours again
    fixed = api.push([api.item(0, "70", external_id="ext-0-v2")]).json()
    assert fixed["items"][0]["result"] == "created", fixed
    statuses = HourRecord.objects.filter(professional=api.people[0]).values_list(
        "status", flat=True
    )
    assert sorted(statuses) == ["in_review", "voided"]
    assert Enrollment.objects.get(professional=api.people[0]).score == 70
    # the voided id cannot be used again
    reused = api.push([api.item(0, "90")]).json()
    assert reused["items"][0]["result"] == "conflict"
    assert "作废" in reused["items"][0]["message"]


def test_only_the_sender_or_its_organisation_may_void(api: Api) -> None:
    api.push([api.item(0, "90")])
    before = _state()
    other = register(
        api.world, name="另一机构平台", provider_id=api.world.other_staff.assignment.provider_id
    )
    key = api.signer.client.app_key
    for body in ({"external_ids": ["ext-0"]}, {"external_ids": ["ext-0"], "pushed_by": key}):
        response = other.post(VOID, {**body, "reason": "不是我的"})
        assert response.status_code == 200
        assert response.json()["items"][0]["result"] == "not_found"
    assert _state() == before
    title = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])
    refused = title.post(VOID, {"external_ids": ["ext-0"], "reason": "x"})
    assert refused.status_code == 403
    assert refused.json()["code"] == "scope_missing"
    assert _state() == before
    # a second system of the same provider voids the first's result, naming its sender
    sibling = register(api.world, name="汕头学习平台二期")
    response = sibling.post(
        VOID, {"external_ids": ["ext-0"], "reason": "换新系统", "pushed_by": key}
    )
    assert response.json()["items"][0]["result"] == "voided"
    row = PushedResult.objects.get(external_id="ext-0")
    assert row.voided_by == sibling.client


def test_a_void_request_needs_a_reason_and_distinct_ids(api: Api) -> None:
    api.push([api.item(0, "90")])
    before = _state()
    blank = api.signer.post(VOID, {"external_ids": ["ext-0"], "reason": "  "})
    assert blank.status_code == 400
    assert blank.json()["code"] == "invalid"
    twice = api.signer.post(VOID, {"external_ids": ["ext-0", "ext-0"], "reason": "错"})
    assert twice.status_code == 409
    assert twice.json()["code"] == "duplicate_external_id"
    assert _state() == before
