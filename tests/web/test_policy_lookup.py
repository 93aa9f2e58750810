"""政策查询与自查: the public page that shows a region's requirements with their clauses."""

import re

import pytest
from django.test import Client
from django.urls import reverse

# The page shows the policy in force: the repository's and the notices bureaus published
# (read from the database, ADR 0007).
pytestmark = pytest.mark.django_db


def _get(client: Client, **params: object) -> str:
    response = client.get(reverse("web:policy"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_empty_form_is_shown_without_a_result(client: Client) -> None:
    """Opening the page shows the form and no verdict yet."""
    content = _get(client)
    assert "政策查询与自查" in content
    assert 'id="requirements"' not in content


def test_luojiang_requirements_cite_the_district_notice(client: Client) -> None:
    """Luojiang 2017 shows 90 h total and 60 h professional, cited to 泉洛政人社〔2017〕27号."""
    content = _get(
        client, region="350504", year=2017, series="engineering", title_level="intermediate"
    )
    table = content[content.index('id="requirements"') :]
    assert re.search(r"总学时</td><td>90 学时", table)
    assert re.search(r"专业科目</td><td>60 学时", table)
    assert "泉洛政人社〔2017〕27号" in table
    assert 'id="verdict"' not in content  # no hours entered: no self-check verdict


def test_self_check_reports_what_is_missing(client: Client) -> None:
    """18 public and 30 professional hours in Luojiang 2017: 30 h professional short."""
    content = _get(
        client,
        region="350504",
        year=2017,
        series="engineering",
        title_level="intermediate",
        public=18,
        public_required=18,
        professional=30,
    )
    assert re.search(r'id="verdict">\s*自查结论：未达标', content)
    assert re.search(r"专业科目</td><td>60 学时</td>\s*<td>30</td><td>30</td>", content)


def test_self_check_compliant_in_shantou_2014(client: Client) -> None:
    """Shantou 2014: 20 public + 42 professional + 12 elective hours meet the 72 h requirement."""
    content = _get(
        client,
        region="440500",
        year=2014,
        series="engineering",
        title_level="junior",
        public=20,
        professional=42,
        elective=12,
    )
    assert re.search(r'id="verdict">\s*自查结论：已达标', content)
    assert "审核：用人单位 → 人力资源和社会保障部门" in content  # S10 chain for professional


def test_bad_input_gets_chinese_errors_and_no_result(client: Client) -> None:
    """Unknown region, a year out of range and negative hours are refused in Chinese."""
    content = _get(client, region="999999", year=1900, series="x", title_level="y", public=-1)
    errors = re.findall(r'class="error">([^<]+)', content)
    assert "请选择列表中的地区。" in errors
    assert "年度不能早于 2010 年。" in errors
    assert "不能为负数。" in errors
    assert 'id="requirements"' not in content


@pytest.mark.parametrize("value", ["abc", "1e400", "12.345", "NaN"])
def test_malformed_hours_never_cause_a_server_error(client: Client, value: str) -> None:
    """Whatever is typed into an hours box, the page answers with a form error."""
    content = _get(
        client, region="440500", year=2014, series="engineering", title_level="junior", public=value
    )
    assert re.findall(r'class="error">([^<]+)', content)


def test_required_hours_cannot_exceed_public_hours(client: Client) -> None:
    content = _get(
        client,
        region="410200",
        year=2016,
        series="engineering",
        title_level="junior",
        public=10,
        public_required=18,
    )
    assert "必修学时不能多于公需科目学时。" in content


def test_no_requirement_is_said_plainly(client: Client) -> None:
    """Luojiang sets nothing for tertiary hospitals' staff: the page says so, not a 500."""
    content = _get(
        client,
        region="350504",
        year=2017,
        series="health",
        title_level="intermediate",
        institution_level="tertiary",
    )
    assert re.search(r'id="no-requirement">[^<]*没有适用于[^<]*三级医疗卫生机构', content)
