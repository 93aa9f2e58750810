"""A long check report can be read: paged, filtered by error and its kind, downloadable as
Excel with the rows to fix (a 3,000-row report used to come back as one page)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, xlsx
from xueshi.training import batch_report
from xueshi.training.models import HourBatch
from xueshi.training.services import hour_batch_upload

pytestmark = pytest.mark.django_db


def test_kinds_leave_out_the_particulars() -> None:
    assert batch_report.kinds_of("考核成绩“满分”不是数字；公民身份号码与第 12 行重复") == [
        "考核成绩不是数字",
        "公民身份号码与第 N 行重复",
    ]
    report = [
        {"result": "error", "message": "公民身份号码与第 3 行重复"},
        {"result": "error", "message": "公民身份号码与第 4 行重复；未填写考核成绩"},
        {"result": "created", "message": "已登记"},
    ]
    assert batch_report.error_kinds(report) == [
        ("公民身份号码与第 N 行重复", 2),
        ("未填写考核成绩", 1),
    ]
    assert len(batch_report.report_rows(report)) == 3
    assert len(batch_report.report_rows(report, errors_only=True)) == 2
    assert len(batch_report.report_rows(report, kind="未填写考核成绩")) == 1


@pytest.fixture
def long_report(world: World) -> HourBatch:
    """A refused batch of 3,001 rows: one good learner, 3,000 rows of unknown people (every
    tenth also without a score)."""
    plan = world.approved()
    person, me = learner(full_name="张三")
    enrol(plan, person, me)
    rows: list[list[Any]] = [[person.full_name, id_number_of(person), 90]]
    for n in range(3000):
        rows.append([f"学员{n}", f"=学员{n}", None if n % 10 == 0 else 80])
    return hour_batch_upload(
        class_plan_id=plan.pk,
        upload=upload(xlsx(rows)),
        actor=world.staff.assignment.user,
        active=world.staff,
        today=plan.end_date + dt.timedelta(days=1),
    )


def test_the_report_page_is_paged_and_filtered(
    client: Client, world: World, long_report: HourBatch
) -> None:
    assert not long_report.accepted
    assert long_report.rows == 3001
    client.force_login(world.staff.assignment.user)
    url = reverse("training:batch_detail", args=[long_report.pk])
    page = client.get(url).content.decode()
    assert page.count('<tr class="row-') == batch_report.PAGE_SIZE
    assert "第 1 / 31 页，共 3001 条" in page
    assert 'id="error-kinds"' in page
    last = client.get(url, {"page": 31}).content.decode()
    assert last.count('<tr class="row-') == 1
    errors = client.get(url, {"show": "error"}).content.decode()
    assert "共 3000 条" in errors
    kinds = dict(batch_report.error_kinds(long_report.report))
    assert kinds["未填写考核成绩"] == 300
    missing = client.get(url, {"kind": "未填写考核成绩"}).content.decode()
    assert "共 300 条" in missing
    # A kind that is not in the report is ignored rather than showing nothing.
    assert "共 3001 条" in client.get(url, {"kind": "<script>"}).content.decode()


def test_the_rows_to_fix_download_as_excel(
    client: Client, world: World, long_report: HourBatch
) -> None:
    client.force_login(world.staff.assignment.user)
    url = reverse("training:batch_report_xlsx", args=[long_report.pk])
    response = client.get(url, {"show": "error"})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[1] == ["行号", "姓名", "公民身份号码", "考核成绩", "结果", "说明"]
    assert len(rows) == 2 + 3000
    assert {row[4] for row in rows[2:]} == {"错误"}
    # Text stays text: nothing the provider typed becomes a live formula in our file.
    assert not any(b"<f>" in part for part in _sheet_parts(response.content))
    everything = client.get(url)
    book = CalamineWorkbook.from_filelike(io.BytesIO(everything.content))
    assert len(book.get_sheet_by_index(0).to_python()) == 2 + 3001


def test_another_provider_cannot_download_the_report(
    client: Client, world: World, long_report: HourBatch
) -> None:
    client.force_login(world.other_staff.assignment.user)
    url = reverse("training:batch_report_xlsx", args=[long_report.pk])
    assert client.get(url).status_code == 404


def _sheet_parts(content: bytes) -> list[bytes]:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")]
