"""Batch entry of passed learners' hours from Excel: row-by-row report, all or nothing,
re-upload doubles nothing, the entry deadline from the policy."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
import python_calamine
import xlsxwriter
from django.core.exceptions import ValidationError

from tests.support.factories import ProviderFactory, UserFactory, grant, id_number_of
from tests.training.conftest import World, enrol, learner, upload, valid_ric, xlsx
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.organisations.validators import normalise_ric
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState
from xueshi.training.excel import template_write
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.services import class_plan_approve, class_plan_file, hour_batch_upload

START, END = dt.date(2014, 7, 1), dt.date(2014, 7, 4)  # ends on a Friday
IN_TIME = dt.date(2014, 7, 7)
DUE = dt.date(2014, 7, 11)  # 5 working days after Friday 2014-07-04 (S15)


class Class:
    def __init__(self, world: World) -> None:
        self.world = world
        self.plan: ClassPlan = world.approved(start_date=START, end_date=END, pass_mark=60)
        self.people: list[Professional] = []
        for name in ("张三", "李四", "王五"):
            person, me = learner(full_name=name)
            enrol(self.plan, person, me)
            self.people.append(person)

    def upload(self, rows: list[list[Any]], today: dt.date = IN_TIME, **kw: Any) -> HourBatch:
        data = kw.pop("data") if "data" in kw else xlsx(rows)
        return hour_batch_upload(
            class_plan_id=self.plan.pk,
            upload=upload(data, kw.pop("name", "成绩.xlsx")),
            actor=self.world.staff.assignment.user,
            active=self.world.staff,
            today=today,
        )

    def row(self, index: int, score: Any) -> list[Any]:
        person = self.people[index]
        return [person.full_name, id_number_of(person), score]


@pytest.fixture
def cls(world: World) -> Class:
    return Class(world)


def _bad_checksum(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


def _by_row(batch: HourBatch) -> dict[int, dict[str, Any]]:
    return {row["row"]: row for row in batch.report}


def test_one_bad_row_enters_nothing_and_the_report_names_it(cls: Class) -> None:
    """Row 3 has a wrong check digit: nothing is entered, the batch is kept, not accepted,
    and its report says which row and why."""
    bad = cls.row(1, 88)
    bad[1] = _bad_checksum(bad[1])
    batch = cls.upload([cls.row(0, 90), bad, cls.row(2, 75)])
    assert batch.accepted is False
    assert batch.rows == 3
    assert (batch.created, batch.unchanged) == (0, 0)
    report = _by_row(batch)
    assert report[3]["result"] == "error"
    assert "校验位不正确" in report[3]["message"]
    assert report[3]["name"] == "李四"
    assert "*" in report[3]["id"]  # masked in the report
    assert report[2]["result"] == "passed", report[2]["message"]
    assert not HourRecord.objects.exists()
    assert all(e.score is None for e in cls.plan.enrollments.all())
    assert AuditEvent.objects.filter(action="hour_batch_upload", to_status="refused").count() == 1


def test_every_kind_of_row_error_is_reported_in_chinese(cls: Class, world: World) -> None:
    stranger, _ = learner(full_name="赵六")  # registered, not enrolled
    rows = [
        ["", id_number_of(cls.people[0]), 90],  # 2: empty name
        ["张三", "44050719850307", 90],  # 3: too short
        ["某人", valid_ric(), 90],  # 4: not registered
        ["错名", id_number_of(cls.people[1]), 90],  # 5: name does not match
        [stranger.full_name, id_number_of(stranger), 90],  # 6: not enrolled
        [cls.people[2].full_name, id_number_of(cls.people[2]), None],  # 7: no score
        [cls.people[2].full_name, id_number_of(cls.people[2]), "优秀"],  # 8: not a number + dup
        ["张三", id_number_of(cls.people[0]), 101],  # 9: out of range
        ["张三", id_number_of(cls.people[0]), "85.55"],  # 10: two decimals + duplicate
    ]
    batch = cls.upload(rows)
    report = _by_row(batch)
    expected = {
        2: "姓名为空",
        3: "公民身份号码应为 18 位",
        4: "未在系统中注册",
        5: "姓名与公民身份号码不符",
        6: "未报名本培训班",
        7: "未填写考核成绩",
        8: "考核成绩“优秀”不是数字",
        9: "超出 0–100 的范围",
        10: "最多保留一位小数",
    }
    for number, words in expected.items():
        assert report[number]["result"] == "error", number
        assert words in report[number]["message"], (number, report[number]["message"])
    assert "与第 7 行重复" in report[8]["message"]
    assert "与第 2 行重复" in report[9]["message"]
    assert "赵六" not in str(report[5])  # a mismatch does not reveal the registered name
    assert batch.accepted is False
    assert not HourRecord.objects.exists()


def test_a_valid_file_is_entered_once_and_again_changes_nothing(cls: Class) -> None:
    """All rows valid: passed learners' hours entered in one go; failed ones reported
    '未达合格分数，不登记' and not entered; the same file again creates nothing."""
    rows = [cls.row(0, 90), cls.row(1, "59.5"), cls.row(2, 60)]
    batch = cls.upload(rows)
    assert batch.accepted is True
    assert (batch.created, batch.unchanged) == (2, 0)
    report = _by_row(batch)
    assert report[2]["result"] == "created"
    assert (report[3]["result"], report[3]["message"]) == ("failed", "未达合格分数，不登记")
    records = HourRecord.objects.filter(class_plan=cls.plan)
    assert sorted(r.professional.full_name for r in records) == ["张三", "王五"]
    for record in records:
        assert record.source == RecordSource.BATCH
        assert record.hours == Decimal(20)
        assert record.status == RecordState.IN_REVIEW
        assert record.credited_year == 2014
    li_si = cls.plan.enrollments.get(professional=cls.people[1])
    assert (li_si.score, li_si.passed) == (Decimal("59.5"), False)

    again = cls.upload(rows)
    assert again.accepted is True
    assert (again.created, again.unchanged) == (0, 2)
    assert _by_row(again)[2]["result"] == "unchanged"
    assert HourRecord.objects.filter(class_plan=cls.plan).count() == 2
    assert HourBatch.objects.filter(class_plan=cls.plan).count() == 2


def test_the_fixed_file_after_a_refused_one_is_entered(cls: Class) -> None:
    bad = cls.row(1, "八十")
    assert cls.upload([cls.row(0, 90), bad]).accepted is False
    batch = cls.upload([cls.row(0, 90), cls.row(1, 80)])
    assert (batch.accepted, batch.created) == (True, 2)
    assert HourRecord.objects.count() == 2


def test_a_passed_learner_cannot_be_failed_by_a_later_file(cls: Class) -> None:
    cls.upload([cls.row(0, 90)])
    batch = cls.upload([cls.row(0, 30)])
    assert batch.accepted is False
    assert "成绩不能改为不合格" in _by_row(batch)[2]["message"]
    assert HourRecord.objects.count() == 1


def test_after_the_entry_deadline_the_upload_is_refused(cls: Class) -> None:
    """S15: within 5 working days after the class: 2014-07-11. On 07-14 it is refused with
    the due date and the clause, and nothing is saved."""
    assert cls.upload([cls.row(0, 90)], today=DUE).accepted is True
    with pytest.raises(ServiceError) as refused:
        cls.upload([cls.row(1, 90)], today=DUE + dt.timedelta(days=3))
    message = refused.value.message
    assert "结班日期 2014-07-04，须在 5 个工作日内完成学时登记，最迟 2014-07-11；已逾期" in message
    assert "5个工作日内" in message  # the notice's clause
    assert HourBatch.objects.count() == 1
    assert HourRecord.objects.count() == 1


def test_without_an_entry_rule_there_is_no_deadline(world: World) -> None:
    """Kaifeng sets no entry deadline: a batch a year later is accepted."""
    provider = ProviderFactory(region_id="410200")
    staff = grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200")
    plan = world.draft(
        staff=staff,
        category="public",
        series="",
        start_date=dt.date(2016, 9, 1),
        end_date=dt.date(2016, 9, 2),
    )
    class_plan_file(
        class_plan_id=plan.pk, actor=staff.assignment.user, active=staff, today=dt.date(2016, 8, 1)
    )
    class_plan_approve(class_plan_id=plan.pk, actor=bureau.assignment.user, active=bureau)
    person, me = learner(region_id="410200")
    enrol(plan, person, me)
    batch = hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(xlsx([[person.full_name, id_number_of(person), 80]])),
        actor=staff.assignment.user,
        active=staff,
        today=dt.date(2017, 9, 1),
    )
    assert (batch.accepted, batch.created) == (True, 1)


def test_only_an_approved_class_that_has_ended_accepts_batches(world: World, cls: Class) -> None:
    with pytest.raises(ServiceError, match="结班后才能登记学时"):
        cls.upload([cls.row(0, 90)], today=END - dt.timedelta(days=1))
    draft = world.draft()
    with pytest.raises(ServiceError, match="只有已核准的培训班"):
        hour_batch_upload(
            class_plan_id=draft.pk,
            upload=upload(xlsx([])),
            actor=world.staff.assignment.user,
            active=world.staff,
            today=IN_TIME,
        )
    with pytest.raises(ServiceError, match="不属于本机构"):
        hour_batch_upload(
            class_plan_id=cls.plan.pk,
            upload=upload(xlsx([cls.row(0, 90)])),
            actor=world.other_staff.assignment.user,
            active=world.other_staff,
            today=IN_TIME,
        )
    assert not HourBatch.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"%PDF-1.4 not a spreadsheet", "无法读取该文件，请上传 Excel 文件（.xlsx）"),
        (b"PK\x03\x04broken zip", "无法读取该文件"),
        ("姓名,公民身份号码,考核成绩\n张三,1,2\n".encode(), "无法读取该文件"),
        (b"", "文件是空的"),
    ],
)
def test_files_that_are_not_excel_are_refused(cls: Class, data: bytes, message: str) -> None:
    """Checked by content, not by name: each of these is called 成绩.xlsx."""
    with pytest.raises(ServiceError, match=message):
        cls.upload([], data=data, name="成绩.xlsx")
    assert not HourBatch.objects.exists()


def test_empty_sheet_missing_header_and_header_only_are_refused(cls: Class) -> None:
    empty = io.BytesIO()
    book = xlsxwriter.Workbook(empty, {"in_memory": True})
    book.add_worksheet()
    book.close()
    with pytest.raises(ServiceError, match="工作表是空的"):
        cls.upload([], data=empty.getvalue())
    with pytest.raises(ServiceError, match=r"第 1 行应为表头.*缺少：考核成绩"):
        cls.upload([["张三", "x"]], data=xlsx([["张三", "x"]], header=["姓名", "身份证号"]))
    with pytest.raises(ServiceError, match="下面没有学员数据"):
        cls.upload([])
    assert not HourBatch.objects.exists()


def test_too_many_rows_or_bytes_are_refused(cls: Class, settings: Any) -> None:
    settings.XUESHI_BATCH_MAX_ROWS = 50
    with pytest.raises(ServiceError, match="超过 50 行"):
        cls.upload([["某人", "1", 1]] * 51)
    settings.XUESHI_BATCH_MAX_BYTES = 1024 * 1024
    with pytest.raises(ServiceError, match="文件超过 1 MB"):
        cls.upload([], data=b"x" * (1024 * 1024 + 1))
    assert not HourBatch.objects.exists()


def test_an_id_number_stored_as_a_number_gets_a_hint(cls: Class) -> None:
    row = cls.row(0, 90)

    # A spreadsheet keeps 15–16 significant digits: the number read back is not the ID. Pick a
    # last digit whose float is inexact and reads back as an invalid ID, so luck plays no part.
    def garbled(candidate: str) -> bool:
        # XlsxWriter writes numbers with 16 significant digits ({:.16G}); read back as a float
        rounded = str(int(float(f"{float(candidate):.16G}")))
        try:
            normalise_ric(rounded)
        except ValidationError:
            return rounded != candidate
        return False

    digits = next(
        row[1][:15] + f"{n:03d}" for n in range(1000) if garbled(row[1][:15] + f"{n:03d}")
    )
    row[1] = float(digits)
    batch = cls.upload([row])
    assert batch.accepted is False
    assert "数字格式" in _by_row(batch)[2]["message"]


def test_provider_cannot_enter_what_the_policy_leaves_to_the_person(world: World) -> None:
    """Guangdong 2018 (P3): professional hours are declared by the person; a provider's batch
    for a 2019 Shantou class reports every passed row as an error."""
    plan = world.approved(start_date=dt.date(2019, 3, 1), end_date=dt.date(2019, 3, 1))
    person, me = learner()
    enrol(plan, person, me)
    batch = hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(xlsx([[person.full_name, id_number_of(person), 90]])),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=dt.date(2019, 3, 4),
    )
    assert batch.accepted is False
    assert "施教机构不能批量登记" in batch.report[0]["message"]
    assert not HourRecord.objects.exists()


def test_template_lists_the_learners_and_keeps_formulas_as_text() -> None:
    """The template is read back as written; a name starting with '=' stays text."""
    data = template_write(
        title="测试班",
        learners=[('=HYPERLINK("x")', "44050719850307001X", None), ("李四", "440507", 88)],
    )
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0] == ["姓名", "公民身份号码", "考核成绩"]
    assert rows[1][:2] == ['=HYPERLINK("x")', "44050719850307001X"]
    assert rows[2] == ["李四", "440507", 88.0]
    assert book.sheet_names == ["学员成绩", "填写说明"]
