"""Pushing learners' results: the Excel path's service, xAPI's idempotency on the client's
ids, identity checked first, receipts kept."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.training.conftest import valid_ric
from xueshi.api.models import ApiReceipt, PushedResult
from xueshi.audit.models import AuditEvent
from xueshi.records.models import HourRecord
from xueshi.training.models import Enrollment, HourBatch

pytestmark = pytest.mark.django_db


def _state() -> tuple[Any, ...]:
    return (
        sorted(HourRecord.objects.values_list("professional_id", "status", "hours")),
        sorted(Enrollment.objects.values_list("pk", "score", "passed")),
        sorted(PushedResult.objects.values_list("external_id", "content_sha256", "result")),
        HourBatch.objects.count(),
    )


def test_a_push_enters_passed_learners_through_the_batch_service(api: Api) -> None:
    response = api.push([api.item(0, "90"), api.item(1, 45), api.item(2, "75.5")])
    assert response.status_code == 201, response.content
    receipt = response.json()
    assert [i["external_id"] for i in receipt["items"]] == ["ext-0", "ext-1", "ext-2"]
    assert [i["result"] for i in receipt["items"]] == ["created", "failed", "created"]
    assert (receipt["rows"], receipt["created"], receipt["failed"]) == (3, 2, 1)
    entered = HourRecord.objects.filter(class_plan=api.plan, source="batch")
    assert sorted(entered.values_list("professional_id", flat=True)) == sorted(
        [api.people[0].pk, api.people[2].pk]
    )
    batch = HourBatch.objects.get()
    assert batch.accepted
    assert batch.file_name.startswith("接口报送")
    assert AuditEvent.objects.filter(action="hour_batch_upload").count() == 1
    assert AuditEvent.objects.filter(action="api_results_push").count() == 1
    # the receipt can be fetched again later, by its id
    again = api.signer.get(f"/api/v1/receipts/{receipt['id']}/")
    assert again.status_code == 200
    assert again.json() == receipt


def test_the_same_batch_again_changes_nothing(api: Api) -> None:
    items = [api.item(0, "90"), api.item(1, 45), api.item(2, "75.5")]
    assert api.push(items).status_code == 201
    before = _state()
    for _ in range(2):
        response = api.push(items)
        assert response.status_code == 201
        assert [i["result"] for i in response.json()["items"]] == ["unchanged"] * 3
        assert _state() == before
    # the same content written differently is the same content
    items[2] = {**items[2], "score": "75.50", "name": " 王 五 "}
    assert [i["result"] for i in api.push(items).json()["items"]] == ["unchanged"] * 3


def test_an_id_sent_again_with_other_content_is_a_conflict_and_changes_nothing(api: Api) -> None:
    api.push([api.item(0, "90"), api.item(1, "80")])
    before = _state()
    response = api.push([api.item(0, "70"), api.item(1, "80")])
    assert response.status_code == 201
    body = response.json()
    assert [i["result"] for i in body["items"]] == ["conflict", "unchanged"]
    assert "作废" in body["items"][0]["message"]
    assert (body["conflicts"], body["unchanged"]) == (1, 1)
    assert _state() == before
    assert Enrollment.objects.get(professional=api.people[0]).score == 90


def test_a_batch_with_an_id_twice_is_refused_whole(api: Api) -> None:
    response = api.push([api.item(0), api.item(1, external_id="ext-0")])
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "duplicate_external_id"
    assert "第 2 条" in problem["detail"]
    assert not HourRecord.objects.exists()
    assert not ApiReceipt.objects.exists()


def test_identity_is_checked_first_and_a_refused_row_may_be_sent_again(api: Api) -> None:
    wrong = {**api.item(1), "name": "李思"}
    unknown = {**api.item(2), "id_number": valid_ric(), "external_id": "ext-x"}
    response = api.push([api.item(0), wrong, unknown])
    items = response.json()["items"]
    assert [i["result"] for i in items] == ["created", "refused", "refused"]
    assert "姓名与公民身份号码不符" in items[1]["message"]
    assert "未在系统中注册" in items[2]["message"]
    assert HourRecord.objects.filter(class_plan=api.plan).count() == 1
    # corrected, the same id is taken: a refused row was not kept
    fixed = api.push([api.item(1)]).json()["items"]
    assert fixed == [
        {
            "external_id": "ext-1",
            "result": "created",
            "message": "已登记学时",
            "voided_at": None,
            "void_reason": "",
        }
    ]


def test_a_client_pushes_only_to_its_own_providers_classes(api: Api) -> None:
    other = api.world.approved(
        start_date=api.plan.start_date,
        end_date=api.plan.end_date,
        staff=api.world.other_staff,
    )
    response = api.signer.post(f"/api/v1/classes/{other.pk}/results/", {"items": [api.item(0)]})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_another_clients_receipt_is_not_found(api: Api) -> None:
    from tests.api.conftest import register

    receipt = api.push([api.item(0)]).json()
    stranger = register(api.world, name="另一个平台")
    response = stranger.get(f"/api/v1/receipts/{receipt['id']}/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_malformed_items_are_refused_with_the_field_named(api: Api) -> None:
    response = api.push([{**api.item(0), "external_id": "空 格"}])
    assert response.status_code == 400
    problem = response.json()
    assert problem["code"] == "invalid"
    assert "编号应为" in problem["detail"]
    assert api.push([]).json()["code"] == "invalid"
