"""The integrity checks of every entry channel reach a provider's batch: a learner who
already declared the class's learning is refused in the row's report (Excel) or the call
(the API, online exams), naming the record; other doubts are entered with a flag."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.factories import grant, id_number_of
from tests.training.conftest import World, enrol, learner, upload, xlsx
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services import hour_record_declare, hour_record_enter_for_class_bulk
from xueshi.rules.integrity import FlagKind
from xueshi.training.batch import LearnerScore
from xueshi.training.models import ClassPlan
from xueshi.training.selectors import class_entry
from xueshi.training.services import hour_batch_enter, hour_batch_upload

START, END = dt.date(2014, 7, 1), dt.date(2014, 7, 4)
IN_TIME = dt.date(2014, 7, 7)
PDF = b"%PDF-1.4\n%%EOF\n"


def _declare(person: Professional, **kw: Any) -> HourRecord:
    data: dict[str, Any] = {
        "category": "professional",
        "content": "工程新技术研修班",
        "hours": Decimal(20),
        "start_date": START,
        "end_date": END,
        "today": IN_TIME,
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


@pytest.fixture
def plan(world: World) -> ClassPlan:
    return world.approved(start_date=START, end_date=END, pass_mark=60)


@pytest.fixture
def people(plan: ClassPlan) -> list[Professional]:
    found = []
    for name in ("张三", "李四"):
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        found.append(person)
    return found


def test_excel_row_of_a_learner_who_declared_the_class_is_refused_naming_the_record(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    # Declared by picking the filed class (free text repeating its title is refused).
    declared = _declare(people[0], class_plan_id=plan.pk)
    rows = [[p.full_name, id_number_of(p), 90] for p in people]
    batch = hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(xlsx(rows)),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=IN_TIME,
    )
    assert batch.accepted is False
    report = {row["row"]: row for row in batch.report}
    assert report[2]["result"] == "error"
    assert f"#{declared.pk}" in report[2]["message"]
    assert "不能重复登记" in report[2]["message"]
    assert report[3]["result"] == "passed"
    assert not HourRecord.objects.filter(source=RecordSource.BATCH).exists()


def test_rows_of_an_online_exam_are_checked_the_same(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    _declare(people[1], class_plan_id=plan.pk)
    batch = hour_batch_enter(
        class_plan_id=plan.pk,
        rows=[
            LearnerScore(i + 1, p.full_name, id_number_of(p), Decimal(80))
            for i, p in enumerate(people)
        ],
        source="在线考试",
        actor=world.staff.assignment.user,
        active=world.staff,
        today=IN_TIME,
    )
    assert batch.accepted is False
    assert "不能重复登记" in batch.report[1]["message"]


def test_the_bulk_service_itself_refuses_a_duplicate(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    """The API calls the records service directly: it checks too, all or nothing."""
    _declare(people[0], class_plan_id=plan.pk)
    with pytest.raises(ServiceError, match=r"张三：与已有记录.*不能重复登记"):
        hour_record_enter_for_class_bulk(
            actor=world.staff.assignment.user,
            active=world.staff,
            professional_ids=[p.pk for p in people],
            entry=class_entry(plan),
        )
    assert not HourRecord.objects.filter(source=RecordSource.BATCH).exists()


def test_an_overlapping_class_is_entered_with_a_flag(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    other = _declare(
        people[0],
        content="医院感染管理",
        hours=Decimal(8),
        start_date=dt.date(2014, 7, 2),
        end_date=dt.date(2014, 7, 2),
    )
    created = hour_record_enter_for_class_bulk(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional_ids=[p.pk for p in people],
        entry=class_entry(plan),
    )
    assert created == {p.pk for p in people}
    flagged = HourRecord.objects.get(professional=people[0], source=RecordSource.BATCH)
    assert [(f.kind, f.other_record_id) for f in flagged.flags.all()] == [
        (FlagKind.OVERLAP, other.pk)
    ]
    clean = HourRecord.objects.get(professional=people[1], source=RecordSource.BATCH)
    assert not clean.flags.exists()
