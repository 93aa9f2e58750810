"""No record is counted twice through the open API: a pushed result of a learner who already
has the class's learning — declared by picking the class, or entered by the provider's Excel
batch — is refused with the existing record named (or left unchanged), never entered again;
a near duplicate is entered with its flag, as by every other channel (ADR 0013: the API calls
the batch service, ``hour_batch_enter``, whose bulk entry screens every learner)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.api.conftest import END, IN_TIME, START, Api
from tests.support.factories import grant, id_number_of
from tests.training.conftest import upload, xlsx
from xueshi.accounts.models import Role
from xueshi.api.models import PushedResult
from xueshi.people.models import Professional
from xueshi.records.models import FlagStatus, HourRecord, RecordSource
from xueshi.records.services import hour_record_declare
from xueshi.rules.integrity import FlagKind
from xueshi.rules.workflow import RecordState
from xueshi.training.services import hour_batch_upload

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"


def _declare(person: Professional, **kw: Any) -> HourRecord:
    data: dict[str, Any] = {
        "category": "professional",
        "content": "工程新技术研修班",
        "hours": Decimal(20),
        "start_date": START,
        "end_date": END,
        "today": IN_TIME.date(),
        "evidence": [
            SimpleUploadedFile("证明.pdf", PDF + str(person.pk).encode(), "application/pdf")
        ],
    }
    data.update(kw)
    return hour_record_declare(
        actor=person.user,
        active=grant(person.user, Role.PROFESSIONAL),
        professional=person,
        **data,
    )


def _live(person: Professional) -> list[tuple[str, str, Decimal]]:
    """The person's records that count or may count (not voided, not rejected)."""
    return sorted(
        HourRecord.objects.filter(professional=person)
        .exclude(status__in=[RecordState.VOIDED, RecordState.REJECTED])
        .values_list("source", "content", "hours")
    )


def test_a_pushed_result_of_a_declared_class_is_refused_naming_the_record(api: Api) -> None:
    declared = _declare(api.people[0], class_plan_id=api.plan.pk)
    before = _live(api.people[0])
    response = api.push([api.item(0), api.item(1)])
    assert response.status_code == 201, response.content
    items = response.json()["items"]
    assert [i["result"] for i in items] == ["refused", "created"]
    assert f"#{declared.pk}" in items[0]["message"]
    assert "不能重复登记" in items[0]["message"]
    # counted once: the declaration alone; the other learner entered
    assert _live(api.people[0]) == before
    assert HourRecord.objects.filter(professional=api.people[1], source="batch").count() == 1
    # the refused row was not kept: the same id may be sent again once the record is gone
    assert not PushedResult.objects.filter(external_id="ext-0").exists()
    again = api.push([api.item(0)]).json()["items"]
    assert again[0]["result"] == "refused"
    assert _live(api.people[0]) == before


def test_a_pushed_result_already_entered_by_the_excel_batch_is_not_entered_again(
    api: Api,
) -> None:
    rows = [[p.full_name, id_number_of(p), 90] for p in api.people[:2]]
    batch = hour_batch_upload(
        class_plan_id=api.plan.pk,
        upload=upload(xlsx(rows)),
        actor=api.world.staff.assignment.user,
        active=api.world.staff,
        today=IN_TIME.date(),
    )
    assert batch.accepted, batch.report
    before = [_live(p) for p in api.people[:2]]
    assert all(len(records) == 1 for records in before)
    response = api.push([api.item(0, "90"), api.item(1, "90")])
    assert response.status_code == 201, response.content
    assert [i["result"] for i in response.json()["items"]] == ["unchanged", "unchanged"]
    assert [_live(p) for p in api.people[:2]] == before


def test_a_near_duplicate_pushed_is_entered_with_its_flag_naming_the_other_record(
    api: Api,
) -> None:
    # Free text (no filed class of that title), the class's provider, overlapping days.
    other = _declare(
        api.people[0],
        content="建筑信息模型应用",
        hours=Decimal(8),
        provider_name=api.plan.provider.name,
        start_date=dt.date(2014, 7, 2),
        end_date=dt.date(2014, 7, 3),
    )
    response = api.push([api.item(0), api.item(1)])
    assert [i["result"] for i in response.json()["items"]] == ["created", "created"]
    entered = HourRecord.objects.get(professional=api.people[0], source=RecordSource.BATCH)
    flags = {(f.kind, f.other_record_id, f.status) for f in entered.flags.all()}
    assert (FlagKind.NEAR_DUPLICATE.value, other.pk, FlagStatus.OPEN.value) in flags
    clean = HourRecord.objects.get(professional=api.people[1], source=RecordSource.BATCH)
    assert not clean.flags.exists()
