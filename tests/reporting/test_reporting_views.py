"""The employer's and the bureau's compliance pages: scope, figures, filters, drill-down."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.exports import export_download
from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.compliance.live import compliance_of
from xueshi.organisations.models import Region
from xueshi.people.models import Professional

EMPLOYER_URL = reverse("reporting:employer_compliance")
BUREAU_URL = reverse("reporting:bureau_compliance")


@pytest.fixture
def world(make_person: Any, make_record: Any) -> dict[str, Any]:
    """Two employers in Shantou, one in a sibling city (Shenzhen) and one in Luojiang."""
    Region.objects.create(
        code="440300", name="深圳市", level="city", parent_id="440000", path="000000/440000/440300/"
    )
    mine = EmployerFactory(region_id="440500", name="汕头市第一医院")
    other = EmployerFactory(region_id="440500", name="汕头市建筑设计院")
    sibling = EmployerFactory(region_id="440300", name="深圳某单位")
    far = EmployerFactory(region_id="350504", name="洛江区某中学")

    ok = make_person(employer=mine, full_name="张合格", series="health")
    for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
        make_record(ok, category, hours)
    short = make_person(employer=mine, full_name="李欠缺", title_level="senior")
    make_record(short, "public", 20)
    make_record(short, "professional", 12)
    outsider = make_person(employer=other, full_name="王别家")
    make_record(outsider, "public", 20)
    shenzhen = make_person("440300", employer=sibling, full_name="赵深圳")
    make_record(shenzhen, "public", 20)
    luojiang = make_person("350504", employer=far, full_name="钱洛江")
    make_record(luojiang, "professional", 60, year=2014, steps=("bureau",))
    return {
        "mine": mine,
        "other": other,
        "ok": ok,
        "short": short,
        "outsider": outsider,
        "shenzhen": shenzhen,
        "luojiang": luojiang,
    }


def _login(client: Client, role: Role, **scope: Any) -> None:
    user = UserFactory()
    grant(user, role, **scope)
    client.force_login(user)


def _get(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _names(content: str) -> set[str]:
    if 'id="people"' not in content:
        return set()
    table = content[
        content.index('id="people"') : content.index("</table>", content.index('id="people"'))
    ]
    return set(
        re.findall(r"<tr[^>]*data-person[^>]*>\s*<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>", table)
    )


def test_employer_sees_only_its_own_staff(client: Client, world: dict[str, Any]) -> None:
    _login(client, Role.EMPLOYER_ADMIN, employer=world["mine"])
    content = _get(client, EMPLOYER_URL, year=2014)
    assert _names(content) == {"张合格", "李欠缺"}
    assert "王别家" not in content
    assert "赵深圳" not in content


def test_employer_figures_match_the_rules_engine(client: Client, world: dict[str, Any]) -> None:
    """The shortfall shown is the one the rules engine computes (professional 30, elective 12)."""
    _login(client, Role.EMPLOYER_REVIEWER, employer=world["mine"])
    content = _get(client, EMPLOYER_URL, year=2014)
    row = content[content.index(f'data-person="{world["short"].pk}"') :]
    row = row[: row.index("</tr>")]
    assert "未达标" in row
    assert "专业科目 30 学时；选修科目 12 学时" in row
    (expected,) = compliance_of(Professional.objects.filter(pk=world["short"].pk), 2014)
    assert expected.shortfall_text in row
    assert re.search(r"人员<strong>2</strong>.*已达标<strong>1</strong>", content, re.S)
    assert "达标率<strong>50.0%</strong>" in content


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "compliant"}, {"张合格"}),
        ({"status": "not_compliant"}, {"李欠缺"}),
        ({"series": "health"}, {"张合格"}),
        ({"title_level": "senior"}, {"李欠缺"}),
        ({"q": "欠"}, {"李欠缺"}),
        ({"q": "王别家"}, set()),
    ],
)
def test_employer_filters(
    client: Client, world: dict[str, Any], params: dict[str, str], expected: set[str]
) -> None:
    _login(client, Role.EMPLOYER_ADMIN, employer=world["mine"])
    assert _names(_get(client, EMPLOYER_URL, year=2014, **params)) == expected


@pytest.mark.parametrize(
    "params",
    [
        {"year": "x"},
        {"year": "99999"},
        {"series": "<script>"},
        {"status": "maybe"},
        {"page": "-3"},
        {"page": "abc"},
        {"page": "999"},
        {"q": "名" * 200},
    ],
)
def test_employer_page_answers_bad_input_with_a_message(
    client: Client, world: dict[str, Any], params: dict[str, str]
) -> None:
    _login(client, Role.EMPLOYER_ADMIN, employer=world["mine"])
    content = _get(client, EMPLOYER_URL, **params)
    assert 'id="summary"' in content
    if params != {"page": "999"}:
        assert 'class="message error"' in content


def test_employer_list_paginates(client: Client, world: dict[str, Any], make_person: Any) -> None:
    for n in range(35):
        make_person(employer=world["mine"], full_name=f"员工{n:02d}")
    _login(client, Role.EMPLOYER_ADMIN, employer=world["mine"])
    first = _get(client, EMPLOYER_URL, year=2014)
    second = _get(client, EMPLOYER_URL, year=2014, page=2)
    assert len(_names(first)) == 30
    assert len(_names(second)) == 7
    assert "第 2 / 2 页，共 37 人" in second
    assert not _names(first) & _names(second)


def test_city_bureau_sees_its_city_and_not_a_sibling_city(
    client: Client, world: dict[str, Any]
) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    content = _get(client, BUREAU_URL, year=2014)
    by_unit = content[content.index('id="by-unit"') :]
    by_unit = by_unit[: by_unit.index("</table>")]
    assert "汕头市第一医院" in by_unit
    assert "汕头市建筑设计院" in by_unit
    assert "深圳某单位" not in content
    assert "洛江区某中学" not in content
    assert "人员<strong>3</strong>" in content
    # A region outside the bureau's scope cannot be chosen.
    refused = _get(client, BUREAU_URL, year=2014, region="440300")
    assert "只能选择本地区或下级地区。" in refused
    assert "深圳某单位" not in refused


def test_province_bureau_sees_every_city_below(client: Client, world: dict[str, Any]) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="440000")
    content = _get(client, BUREAU_URL, year=2014)
    assert "深圳某单位" in content
    assert "汕头市第一医院" in content
    assert "洛江区某中学" not in content
    assert 'id="by-region"' in content


def test_bureau_drills_down_to_a_units_people(client: Client, world: dict[str, Any]) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    summary = _get(client, BUREAU_URL, year=2014)
    assert 'id="people"' not in summary
    link = re.search(rf'href="(\?[^"]*employer={world["mine"].pk}[^"]*)"', summary)
    assert link is not None
    drilled = client.get(BUREAU_URL + link.group(1).replace("&amp;", "&")).content.decode()
    assert _names(drilled) == {"张合格", "李欠缺"}
    by_series = _get(client, BUREAU_URL, year=2014, series="health")
    assert _names(by_series) == {"张合格"}


def test_bureau_tallies_by_series_and_title_level(client: Client, world: dict[str, Any]) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    content = _get(client, BUREAU_URL, year=2014)
    series = content[content.index('id="by-series"') :]
    assert re.search(r">卫生</a></td>\s*<td class=\"num\">1</td><td class=\"num\">1</td>", series)
    assert re.search(r">工程</a></td>\s*<td class=\"num\">2</td><td class=\"num\">0</td>", series)
    assert "达标率<strong>33.3%</strong>" in content


def test_bureau_cannot_drill_into_an_employer_outside_its_region(
    client: Client, world: dict[str, Any]
) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="350504")
    content = _get(client, BUREAU_URL, year=2014, employer=world["mine"].pk)
    assert _names(content) == set()
    assert "汕头市第一医院" not in content


@pytest.mark.parametrize(
    ("url", "role"),
    [
        (EMPLOYER_URL, Role.PROFESSIONAL),
        (EMPLOYER_URL, Role.BUREAU_STAFF),
        (BUREAU_URL, Role.EMPLOYER_ADMIN),
        (BUREAU_URL, Role.PROFESSIONAL),
        (reverse("reporting:bureau_compliance_xlsx"), Role.EMPLOYER_ADMIN),
        (reverse("reporting:employer_compliance_xlsx"), Role.BUREAU_STAFF),
    ],
)
def test_roles_outside_the_page_are_refused(
    client: Client, world: dict[str, Any], url: str, role: Role
) -> None:
    scope: dict[str, Any] = {}
    if role == Role.EMPLOYER_ADMIN:
        scope = {"employer": world["mine"]}
    elif role == Role.BUREAU_STAFF:
        scope = {"region_id": "440500"}
    _login(client, role, **scope)
    assert client.get(url).status_code == 403
    assert client.post(url, {"format": "xlsx"}).status_code == 403


@pytest.mark.parametrize(
    "params",
    [
        {"region": "999999"},
        {"region": "<b>"},
        {"employer": "abc"},
        {"employer": "-1"},
        {"employer": "99999999"},
        {"year": "二〇一四"},
        {"title_level": "boss"},
    ],
)
def test_bureau_page_answers_bad_input_without_an_error_page(
    client: Client, world: dict[str, Any], params: dict[str, str]
) -> None:
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    content = _get(client, BUREAU_URL, **params)
    assert 'id="summary"' in content
    export = export_download(client, reverse("reporting:bureau_compliance_xlsx"), params)
    assert export.startswith(b"PK")
