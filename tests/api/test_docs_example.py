"""docs/api.md's example client, run as a new sector system would: against a real server,
it pushes a batch, sends it again after a "timeout" without doubling anything, and a 职称
system's client pulls the verdict with its clauses, today's and as of an earlier day."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from tests.api.conftest import Api, register
from tests.support.factories import id_number_of
from xueshi.api.models import ClientKind, Scope
from xueshi.records.models import HourRecord

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "docs" / "examples"))

from xueshi_client import ApiError, XueshiClient

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_documented_client_docks(api: Api, live_server: Any) -> None:
    provider = XueshiClient(live_server.url, api.signer.client.app_key, api.signer.secret)
    # docs/api.md §6: first the classes, to find the class's id
    assert [c["id"] for c in provider.classes(2014)["results"]] == [api.plan.pk]
    items = [api.item(0, "90"), api.item(1, "55"), {**api.item(2), "name": "王五五"}]
    receipt = provider.push_results(api.plan.pk, items)
    assert [i["result"] for i in receipt["items"]] == ["created", "failed", "refused"]
    assert provider.receipt(receipt["id"])["items"] == receipt["items"]
    # the answer was lost: the system sends the same batch again
    again = provider.push_results(api.plan.pk, items[:2])
    assert [i["result"] for i in again["items"]] == ["unchanged", "unchanged"]
    assert HourRecord.objects.filter(class_plan=api.plan).count() == 1
    # a result sent wrong is voided, and the correction sent under a new id
    voided = provider.void_results([items[1]["external_id"]], "成绩录错")
    assert [i["result"] for i in voided["items"]] == ["voided"]
    assert provider.void_results([items[1]["external_id"]], "成绩录错")["unchanged"] == 1
    fixed = provider.push_results(
        api.plan.pk, [{**items[1], "external_id": "ext-1-fix", "score": "65"}]
    )
    assert [i["result"] for i in fixed["items"]] == ["created"]
    assert provider.receipt(receipt["id"])["items"][1]["void_reason"] == "成绩录错"
    title = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])
    system = XueshiClient(live_server.url, title.client.app_key, title.secret)
    verdict = system.verdict(id_number_of(api.people[0]), 2014)
    assert verdict["status"] == "未达标"
    assert all(r["reference"]["clause"] for r in verdict["requirements"])
    assert verdict["pending_records"] == 1  # the result pushed today, in review
    # as of the day before the push (docs/api.md, as_of): the record was not there yet
    before = system.verdict(id_number_of(api.people[0]), 2014, as_of="2014-07-06")
    assert (before["as_of"], before["pending_records"]) == ("2014-07-06", 0)
    with pytest.raises(ApiError) as refused:
        system.push_results(api.plan.pk, items)
    assert (refused.value.status, refused.value.code) == (403, "scope_missing")
