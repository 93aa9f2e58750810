"""Batch entry from learners' results already read (the API, online exams): the same checks,
report and entry as an Excel file, without one; and the Excel reader only turns cells into
those results."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from typing import Any

import pytest

from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, xlsx
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState
from xueshi.training.batch import LearnerScore, rows_digest
from xueshi.training.excel import NUMBER_CELL, read_rows
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.services import hour_batch_enter, hour_batch_upload

START, END = dt.date(2014, 7, 1), dt.date(2014, 7, 4)
IN_TIME = dt.date(2014, 7, 7)
LATE = dt.date(2014, 7, 14)  # after the 5 working days of S15


@pytest.fixture
def plan(world: World) -> ClassPlan:
    return world.approved(start_date=START, end_date=END, pass_mark=60)


@pytest.fixture
def people(plan: ClassPlan) -> list[Professional]:
    found = []
    for name in ("张三", "李四", "王五"):
        person, me = learner(full_name=name)
        enrol(plan, person, me)
        found.append(person)
    return found


def _enter(world: World, plan: ClassPlan, rows: list[LearnerScore], **kw: Any) -> HourBatch:
    return hour_batch_enter(
        class_plan_id=plan.pk,
        rows=rows,
        source=kw.pop("source", "在线考试"),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=kw.pop("today", IN_TIME),
        **kw,
    )


def test_an_online_exams_results_are_entered_without_a_file(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    """Decimal scores (an exam's) and text scores (an API's) alike: passed learners' hours
    entered, the failed one reported, the batch saved under its source with the rows'
    digest, and entering them again creates nothing."""
    one, two, three = people
    rows = [
        LearnerScore(1, one.full_name, id_number_of(one), Decimal("92.5")),
        LearnerScore(2, two.full_name, id_number_of(two), "59.5"),
        LearnerScore(3, three.full_name, id_number_of(three).lower(), Decimal(60)),
    ]
    batch = _enter(world, plan, rows)
    assert (batch.accepted, batch.created, batch.unchanged) == (True, 2, 0)
    assert (batch.file_name, batch.sha256) == ("在线考试", rows_digest(rows))
    assert [(r["row"], r["score"], r["result"]) for r in batch.report] == [
        (1, "92.5", "created"),
        (2, "59.5", "failed"),
        (3, "60", "created"),
    ]
    records = HourRecord.objects.filter(class_plan=plan)
    assert {r.professional_id for r in records} == {one.pk, three.pk}
    assert {r.status for r in records} == {RecordState.IN_REVIEW}
    scores = {e.professional_id: (e.score, e.passed) for e in plan.enrollments.all()}
    assert scores[two.pk] == (Decimal("59.5"), False)
    again = _enter(world, plan, rows, source="在线考试（重考）")
    assert (again.accepted, again.created, again.unchanged) == (True, 0, 2)
    assert AuditEvent.objects.filter(action="hour_batch_upload", to_status="accepted").count() == 2


def test_every_field_is_checked_whatever_the_source(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    """The checks are batch entry's, not the reader's: a score out of range or with two
    decimals, text that is not a number, an ID number with a wrong check digit (with the
    source's note), a name that does not match. One bad row enters nothing."""
    one, two, three = people
    wrong_digit = id_number_of(one)[:-1] + ("0" if id_number_of(one)[-1] != "0" else "1")
    rows = [
        LearnerScore(1, one.full_name, wrong_digit, Decimal(90), id_number_note="来源的说明"),
        LearnerScore(2, two.full_name, id_number_of(two), Decimal("101")),
        LearnerScore(3, three.full_name, id_number_of(three), Decimal("85.55")),
        LearnerScore(4, "某 人", id_number_of(three), " 优秀 "),
        LearnerScore(5, two.full_name, "", None),
    ]
    batch = _enter(world, plan, rows)
    assert batch.accepted is False
    messages = {r["row"]: r["message"] for r in batch.report}
    assert "校验位不正确" in messages[1]
    assert messages[1].endswith("（来源的说明）")
    assert messages[2] == "考核成绩 101 超出 0–100 的范围"
    assert messages[3] == "考核成绩 85.55 最多保留一位小数"
    assert messages[4] == "公民身份号码与第 3 行重复；考核成绩“优秀”不是数字"
    assert messages[5] == "请填写公民身份号码；未填写考核成绩"
    assert [r["score"] for r in batch.report] == ["90", "101", "85.55", "优秀", ""]
    assert not HourRecord.objects.exists()
    assert all(e.score is None for e in plan.enrollments.all())


def test_no_rows_too_many_rows_or_a_closed_class_are_refused(
    world: World, plan: ClassPlan, people: list[Professional], settings: Any
) -> None:
    one = people[0]
    row = LearnerScore(1, one.full_name, id_number_of(one), Decimal(90))
    with pytest.raises(ServiceError, match="没有学员成绩"):
        _enter(world, plan, [])
    settings.XUESHI_BATCH_MAX_ROWS = 2
    with pytest.raises(ServiceError, match="超过 2 名学员"):
        _enter(world, plan, [row] * 3)
    with pytest.raises(ServiceError, match="已逾期"):
        _enter(world, plan, [row], today=LATE)
    with pytest.raises(ServiceError, match="不属于本机构"):
        hour_batch_enter(
            class_plan_id=plan.pk,
            rows=[row],
            source="接口",
            actor=world.other_staff.assignment.user,
            active=world.other_staff,
            today=IN_TIME,
        )
    assert not HourBatch.objects.exists()


def test_the_excel_reader_gives_each_cell_as_it_says(people: list[Professional]) -> None:
    """Numbers become Decimals (whole numbers without a point, as Excel shows them), text
    stays text, an empty cell is None, and an ID number typed as a number carries the note
    that explains what Excel did to it."""
    one, two, _ = people
    data = xlsx(
        [
            [f" {one.full_name} ", id_number_of(one), 90],
            [two.full_name, float(id_number_of(two)[:15]), 59.5],
            ["王五", "440507198503070019", "八十"],
            ["赵六", "x", None],
        ]
    )
    assert read_rows(data) == [
        LearnerScore(2, one.full_name, id_number_of(one), Decimal(90)),
        LearnerScore(
            3,
            two.full_name,
            id_number_of(two)[:15],
            Decimal("59.5"),
            NUMBER_CELL,
        ),
        LearnerScore(4, "王五", "440507198503070019", "八十"),
        LearnerScore(5, "赵六", "x", None),
    ]


def test_a_file_and_its_rows_entered_directly_give_the_same_report(
    world: World, plan: ClassPlan, people: list[Professional]
) -> None:
    """The Excel path is the reader and the service: the rows it reads, entered without the
    file, are reported the same way; only the source and the digest differ."""
    one, two, three = people
    data = xlsx(
        [
            [one.full_name, id_number_of(one), 90],
            [two.full_name, id_number_of(two), "八十"],
            ["", id_number_of(three), 101],
        ]
    )
    from_file = hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(data, "成绩.xlsx"),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=IN_TIME,
    )
    direct = _enter(world, plan, read_rows(data), source="接口")
    assert from_file.accepted is direct.accepted is False
    assert from_file.report == direct.report
    assert (from_file.file_name, from_file.sha256) == (
        "成绩.xlsx",
        hashlib.sha256(data).hexdigest(),
    )
    assert (direct.file_name, direct.sha256) == ("接口", rows_digest(read_rows(data)))
