"""Excel exports of the compliance reports: content, scope, and text that stays text."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.exports import export_download
from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.reporting.exports import PEOPLE_HEADER


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
    return export_download(client, url, params)


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


def _page_rows(client: Client, url: str, params: dict[str, Any]) -> list[list[str]]:
    """Every row the page lists for ``params``, page after page: name, ID, series, title,
    period, status (the bureau's page shows the unit too: it is left out)."""
    rows: list[list[str]] = []
    page = 1
    while True:
        content = client.get(url, {**params, "page": page}).content.decode()
        for tr in re.findall(r"<tr[^>]*data-person[^>]*>(.*?)</tr>", content, re.S):
            cells = [
                re.sub(r"<[^>]+>", "", td).strip()
                for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)
            ]
            rows.append([cells[0], cells[1], *cells[3:7]])
        if "下一页</a>" not in content:
            return rows
        page += 1


@pytest.mark.parametrize("ledger", [False, True], ids=["evaluated-now", "from-the-ledger"])
def test_the_file_holds_exactly_the_rows_the_page_lists_for_its_filter(
    client: Client, make_person: Any, make_record: Any, ledger: bool
) -> None:
    """A drill-down past one page (35 people of a unit, 12 of them short): the export's
    people, in xlsx and in CSV, are the page's rows for the same filter, in its order."""
    from xueshi.compliance.services import ledger_rebuild

    employer = EmployerFactory(region_id="440500", name="汕头市导出单位")
    for n in range(35):
        person = make_person(employer=employer, full_name=f"导出{n:02d}")
        make_record(person, "public", 20)
        make_record(person, "professional", 42 if n % 3 else 10)
        make_record(person, "elective", 12)
    make_person(full_name="别的单位的人")
    if ledger:
        ledger_rebuild(year=2014)
    user = UserFactory()
    grant(user, Role.BUREAU_STAFF, region_id="440500")
    client.force_login(user)
    params = {"year": 2014, "employer": employer.pk, "status": "not_compliant"}
    shown = _page_rows(client, reverse("reporting:bureau_compliance"), params)
    assert len(shown) == 12

    url = reverse("reporting:bureau_compliance_xlsx")
    people = _sheet(_download(client, url, **params), "人员明细")
    assert people[0] == PEOPLE_HEADER
    assert [[r[0], r[1], *r[3:7]] for r in people[1:]] == shown

    with zipfile.ZipFile(io.BytesIO(export_download(client, url, params, "csv"))) as archive:
        text = archive.read("人员明细.csv").decode("utf-8-sig")
    csv_rows = list(csv.reader(io.StringIO(text)))
    assert [[r[0], r[1], *r[3:7]] for r in csv_rows[1:]] == shown
