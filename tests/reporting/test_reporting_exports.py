"""Excel exports of the compliance reports: content, scope, and text that stays text."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role


@pytest.fixture
def employer_with_staff(make_person: Any, make_record: Any) -> Any:
    employer = EmployerFactory(region_id="440500", name="汕头市测试单位")
    ok = make_person(employer=employer, full_name="张合格")
    for category, hours in (("public", 20), ("professional", 42), ("elective", 12.5)):
        make_record(ok, category, hours)
    formula = make_person(employer=employer, full_name='=HYPERLINK("http://x","y")')
    make_record(formula, "professional", 40)
    make_person(full_name="别家单位的人")
    return employer


def _download(client: Client, url: str, **params: Any) -> bytes:
    response = client.get(url, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml"
    )
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)


def _sheet(data: bytes, name: str) -> list[list[Any]]:
    return CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python()


def test_employer_export_lists_its_staff_with_the_figures(
    client: Client, employer_with_staff: Any
) -> None:
    user = UserFactory()
    grant(user, Role.EMPLOYER_ADMIN, employer=employer_with_staff)
    client.force_login(user)
    data = _download(client, reverse("reporting:employer_compliance_xlsx"), year=2014)
    rows = _sheet(data, "2014年度达标情况")
    header, *people = rows
    assert header[:7] == [
        "姓名",
        "公民身份号码",
        "工作单位",
        "专业技术系列",
        "职称级别",
        "核查期间",
        "是否达标",
    ]
    by_name = {r[0]: dict(zip(header, r, strict=True)) for r in people}
    assert set(by_name) == {"张合格", '=HYPERLINK("http://x","y")'}
    ok = by_name["张合格"]
    assert ok["是否达标"] == "已达标"
    assert (ok["公需科目"], ok["专业科目"], ok["选修科目"], ok["总学时"]) == (20, 42, 12.5, 74.5)
    assert re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", ok["公民身份号码"])  # masked
    short = by_name['=HYPERLINK("http://x","y")']
    assert short["是否达标"] == "未达标"
    assert short["尚缺"] == "公需科目 20 学时；专业科目 2 学时；选修科目 12 学时"


def test_a_cell_text_starting_with_equals_stays_text(
    client: Client, employer_with_staff: Any
) -> None:
    """A name typed as a formula is written as a string: no <f> element in the sheet."""
    user = UserFactory()
    grant(user, Role.EMPLOYER_REVIEWER, employer=employer_with_staff)
    client.force_login(user)
    data = _download(client, reverse("reporting:employer_compliance_xlsx"), year=2014)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
        strings = (
            book.read("xl/sharedStrings.xml").decode()
            if "xl/sharedStrings.xml" in (book.namelist())
            else ""
        )
    assert "<f>" not in xml
    assert "=HYPERLINK" in xml + strings
    names = [r[0] for r in _sheet(data, "2014年度达标情况")]
    assert '=HYPERLINK("http://x","y")' in names


def test_export_follows_the_filters(client: Client, employer_with_staff: Any) -> None:
    user = UserFactory()
    grant(user, Role.EMPLOYER_ADMIN, employer=employer_with_staff)
    client.force_login(user)
    data = _download(
        client, reverse("reporting:employer_compliance_xlsx"), year=2014, status="compliant"
    )
    names = [r[0] for r in _sheet(data, "2014年度达标情况")[1:]]
    assert names == ["张合格"]


def test_bureau_export_has_the_tallies_and_the_drilled_people(
    client: Client, employer_with_staff: Any
) -> None:
    user = UserFactory()
    grant(user, Role.BUREAU_STAFF, region_id="440500")
    client.force_login(user)
    url = reverse("reporting:bureau_compliance_xlsx")
    data = _download(client, url, year=2014)
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert book.sheet_names == ["汇总", "按单位", "按系列", "按职称级别", "按地区"]
    (total,) = _sheet(data, "汇总")[1:]
    assert total == ["合计", 3, 3, 1, 2, "33.3%"]
    units = {r[0]: r for r in _sheet(data, "按单位")[1:]}
    assert units["汕头市测试单位"][1:4] == [2, 2, 1]

    drilled = _download(client, url, year=2014, employer=employer_with_staff.pk)
    people = _sheet(drilled, "人员明细")
    assert {r[0] for r in people[1:]} == {"张合格", '=HYPERLINK("http://x","y")'}
