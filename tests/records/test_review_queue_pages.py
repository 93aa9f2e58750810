"""The review queue reads ``awaiting`` (the chain role at the record's step, computed by the
database) and a page at a time: it holds exactly the records whose next reviewer is the
role, every one once across the pages, oldest first, in a number of queries that does not
grow with the page's rows."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.records.conftest import World
from xueshi.db import insert_like
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.review_views import PAGE_SIZE
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db
QUEUE_URL = reverse("records:review_queue")

# (status, steps, step): every state a record can be in, with chains of one to three steps.
STATES = [
    (RecordState.DRAFT, ["employer", "bureau"], 0),
    (RecordState.IN_REVIEW, ["employer", "bureau"], 0),
    (RecordState.IN_REVIEW, ["employer", "bureau"], 1),
    (RecordState.IN_REVIEW, ["bureau"], 0),
    (RecordState.IN_REVIEW, ["employer", "authority", "bureau"], 2),
    (RecordState.IN_REVIEW, ["employer"], 1),  # past the chain's end: nobody's
    (RecordState.APPROVED, ["employer", "bureau"], 2),
    (RecordState.RETURNED, ["employer", "bureau"], 0),
    (RecordState.REJECTED, ["bureau"], 0),
]


def _record(world: World, status: str, steps: list[str], step: int, **extra: Any) -> HourRecord:
    person = world.person
    return HourRecord.objects.create(
        professional=person,
        category="professional",
        hours=Decimal(2),
        credited_year=2014,
        start_date=dt.date(2014, 3, 1),
        end_date=dt.date(2014, 3, 2),
        content=extra.pop("content", "课程"),
        status=status,
        chain={"entered_by": ["professional"], "steps": steps},
        step=step,
        source=RecordSource.DECLARATION,
        declared_by=person.user,
        declared_role="professional",
        **extra,
    )


def test_awaiting_is_the_next_reviewer_whatever_wrote_the_row(world: World) -> None:
    made = [_record(world, *state) for state in STATES]
    # A batch's rows are written by insert_like (COPY / executemany), not by save().
    prototype = HourRecord(
        professional=world.person,
        category="public",
        hours=Decimal(1),
        credited_year=2014,
        start_date=dt.date(2014, 4, 1),
        end_date=dt.date(2014, 4, 1),
        content="批量",
        status=RecordState.IN_REVIEW,
        chain={"entered_by": ["provider"], "steps": ["employer", "bureau"]},
        step=1,
        source=RecordSource.DECLARATION,
        declared_by=world.person.user,
        declared_role="provider",
    )
    insert_like(prototype, "content", ["批量一", "批量二"])
    rows = list(HourRecord.objects.order_by("pk"))
    assert len(rows) == len(made) + 2
    for row in rows:
        assert row.awaiting == row.next_reviewer_role, (row.status, row.chain, row.step)
    assert {r.awaiting for r in rows} == {None, "employer", "bureau"}
    # A transition recomputes it.
    record = made[1]
    HourRecord.objects.filter(pk=record.pk).update(step=1)
    assert HourRecord.objects.get(pk=record.pk).awaiting == "bureau"
    HourRecord.objects.filter(pk=record.pk).update(status=RecordState.APPROVED)
    assert HourRecord.objects.get(pk=record.pk).awaiting is None


def _queue_ids(client: Client) -> list[int]:
    seen: list[int] = []
    page = 1
    while True:
        content = client.get(QUEUE_URL, {"page": page}).content.decode()
        ids = [int(pk) for pk in re.findall(r'id="record-(\d+)"', content)]
        assert len(ids) <= PAGE_SIZE
        seen += ids
        if "下一页" not in content:
            return seen
        page += 1


def test_queue_pages_hold_each_waiting_record_once_oldest_first(
    client: Client, world: World
) -> None:
    for n in range(2 * PAGE_SIZE + 3):
        steps, step = (["employer", "bureau"], n % 2) if n % 3 else (["bureau"], 0)
        _record(world, RecordState.IN_REVIEW, steps, step, content=f"课程{n}")
    _record(world, RecordState.RETURNED, ["bureau"], 0)
    client.force_login(world.bureau.assignment.user)
    seen = _queue_ids(client)
    expected = list(
        HourRecord.objects.filter(status=RecordState.IN_REVIEW)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
    )
    expected = [
        pk for pk in expected if HourRecord.objects.get(pk=pk).next_reviewer_role == "bureau"
    ]
    assert len(expected) > PAGE_SIZE
    assert seen == expected


def test_a_queue_page_takes_the_same_queries_for_few_rows_and_many(
    client: Client, world: World
) -> None:
    client.force_login(world.boss.assignment.user)
    counts = []
    for total in (2, PAGE_SIZE + 5):
        while HourRecord.objects.filter(awaiting="employer").count() < total:
            _record(world, RecordState.IN_REVIEW, ["employer", "bureau"], 0)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(QUEUE_URL)
        assert response.status_code == 200
        rows = re.findall(r'id="record-(\d+)"', response.content.decode())
        assert len(rows) == min(total, PAGE_SIZE)
        counts.append(len(captured))
    assert counts[0] == counts[1]  # no query per row (evidence, flags)
