"""A formula in a provider's Excel is read by the value it was saved with; one saved without
its result (a file written by a program, never calculated) is named as a formula, not as
未填写考核成绩."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter

from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload
from xueshi.training.excel import read_rows
from xueshi.training.services import hour_batch_upload
from xueshi.training.xlsx_sandbox import formulas_without_values


def _book(*, drop_values: bool, start_column: int = 0) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    c = start_column
    sheet.write_row(0, c, ["姓名", "公民身份号码", "考核成绩"])
    sheet.write_row(1, c, ["张三", "440500199001010011"])
    sheet.write_formula(1, c + 2, "=80+5", None, 85)
    sheet.write_row(2, c, ["李四", "440500199001010022"])
    sheet.write_formula(2, c + 2, '=IF(A2<>"",60,"缺考")')
    book.close()
    return _without_cached_values(out.getvalue()) if drop_values else out.getvalue()


def _without_cached_values(data: bytes) -> bytes:
    """As openpyxl and other programs save formulas: no cached <v> (xlsxwriter writes 0)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w") as archive:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content.replace(b"</f><v>0</v>", b"</f>")
            archive.writestr(item, content)
    return target.getvalue()


@pytest.mark.parametrize("start_column", [0, 2])
def test_a_formula_is_read_by_its_saved_value(start_column: int) -> None:
    rows = read_rows(_book(drop_values=True, start_column=start_column))
    assert rows[0].score == 85
    assert rows[0].score_note == ""


@pytest.mark.parametrize("start_column", [0, 2])
def test_a_formula_without_a_value_is_named_as_one(start_column: int) -> None:
    rows = read_rows(_book(drop_values=True, start_column=start_column))
    assert rows[1].score is None
    assert "考核成绩是公式" in rows[1].score_note
    assert '=IF(A2<>"",60,"缺考")' in rows[1].score_note
    assert "未填写" not in rows[1].score_note


def test_formulas_with_values_are_not_reported() -> None:
    assert formulas_without_values(_book(drop_values=False)) == []
    assert formulas_without_values(_book(drop_values=True)) == [
        (2, 2, 'IF(A2&lt;&gt;"",60,"缺考")')
    ]


@pytest.mark.django_db
def test_the_batch_report_names_the_formula(world: World) -> None:
    plan = world.approved()
    person, me = learner(full_name="张三")
    enrol(plan, person, me)
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "公民身份号码", "考核成绩"])
    sheet.write_string(1, 0, person.full_name)
    sheet.write_string(1, 1, id_number_of(person))
    sheet.write_formula(1, 2, "=B1*0")
    book.close()
    batch = hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(_without_cached_values(out.getvalue())),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=plan.end_date + dt.timedelta(days=1),
    )
    assert not batch.accepted
    messages = [row["message"] for row in batch.report]
    assert any("考核成绩是公式（=B1*0）" in m for m in messages), messages
    assert not any("未填写考核成绩" in m for m in messages), messages
