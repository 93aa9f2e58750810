"""我的年度学时: a professional's requirement, what counted, what is pending and what not."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.support.factories import UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.compliance.person_year import person_year
from xueshi.rules.workflow import RecordState

URL = reverse("reporting:my_year")


def _page(client: Client, person: Any, **params: Any) -> str:
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)
    response = client.get(URL, params)
    assert response.status_code == 200
    return response.content.decode()


def _table(content: str, table_id: str) -> str:
    start = content.index(f'id="{table_id}"')
    return content[start : content.index("</table>", start)]


def test_shantou_2014_compliant_person_sees_met_requirements_with_clauses(
    client: Client, make_person: Any, make_record: Any
) -> None:
    """20 public + 42 professional + 12 elective hours meet Shantou 2014's 72 h: 已达标, and each
    requirement names the city's notice, its section and the quoted clause."""
    person = make_person()
    make_record(person, "public", 20)
    make_record(person, "professional", 42)
    make_record(person, "elective", 12)
    content = _page(client, person, year=2014)

    assert re.search(r'id="verdict">\s*2014 年度：已达标', content)
    table = _table(content, "requirements")
    assert re.search(r"<td>专业科目</td>\s*<td>42 学时</td>\s*<td>42 学时</td>\s*<td>—</td>", table)
    assert "汕头市（440500）" in table
    assert (
        "<details><summary>《关于做好2014年我市专业技术人员继续教育培训工作的通知》 二(二)" in table
    )
    assert "不少于42学时" in table  # the quoted clause
    assert content.count("<tr", content.index('id="counted"')) >= 3


def test_shortfall_is_explained_and_rejected_record_shows_the_reason(
    client: Client, make_person: Any, make_record: Any
) -> None:
    """30 professional hours counted, a rejected one with the reviewer's reason: 未达标, short
    12 professional, 20 public, 12 elective; the rejected record says why it did not count."""
    person = make_person()
    make_record(person, "professional", 30)
    make_record(
        person,
        "professional",
        10,
        status=RecordState.REJECTED,
        comment="证明材料未加盖公章",
        content="会议学习",
    )
    content = _page(client, person, year=2014)

    assert re.search(r'id="verdict">\s*2014 年度：未达标', content)
    assert "尚缺：公需科目 20 学时；专业科目 12 学时；选修科目 12 学时。" in content
    assert "专业科目：要求不少于 42 学时，已认定 30 学时，尚缺 12 学时。" in content
    # The total is short by 42, all of it made up by the categories above.
    assert "总学时：要求不少于 72 学时，已认定 30 学时，尚缺 42 学时，随上列各类别补足即可。" in (
        content
    )
    assert re.search(
        r"<td>总学时</td>\s*<td>72 学时</td>\s*<td>30 学时</td>\s*<td>42 学时</td>", content
    )
    rejected = _table(content, "not-counted")
    assert "会议学习" in rejected
    assert "审核未通过，不计入。审核意见：证明材料未加盖公章" in rejected


def test_total_shortfall_beyond_categories_is_worded_like_the_rules_explanation(
    make_person: Any, make_record: Any
) -> None:
    """Luojiang 2017 (90 h, professional 60): 50 professional counted → professional 10 short
    and 30 more in any category; the sentence is the one ``rules.explain`` writes."""
    person = make_person("350504")
    make_record(person, "professional", 50, year=2017, steps=("bureau",))
    standing = person_year(person, 2017)
    total = next(r for r in standing.rows if r.title == "总学时")
    assert total.sentence == (
        "要求不少于 90 学时，已认定 50 学时，尚缺 40 学时：其中 10 学时随上列各类别补足，"
        "另需 30 学时（任一类别均可）。"
    )
    assert standing.summary == "专业科目 10 学时；另需任一类别 30 学时"


def test_pending_records_show_where_they_are_in_the_chain(
    client: Client, make_person: Any, make_record: Any
) -> None:
    """A record the employer passed waits for the bureau (step 2 of 2); a returned one shows the
    comment and asks for resubmission. Neither counts yet."""
    person = make_person()
    make_record(person, "professional", 42, status=RecordState.IN_REVIEW, step=1, content="甲")
    make_record(
        person, "elective", 12, status=RecordState.RETURNED, comment="请补充起止日期", content="乙"
    )
    content = _page(client, person, year=2014)
    pending = _table(content, "pending")
    assert "用人单位已审核通过，待人力资源和社会保障部门审核（第 2/2 步）" in pending
    assert "已退回修改：请补充起止日期" in pending
    assert re.search(r"<td>专业科目</td>\s*<td>42 学时</td>\s*<td>0 学时</td>", content)


def test_default_year_is_the_latest_year_with_records(
    client: Client, make_person: Any, make_record: Any
) -> None:
    person = make_person()
    make_record(person, "public", 20, year=2014)
    make_record(person, "public", 20, year=2016)
    content = _page(client, person)
    assert re.search(r'id="verdict">\s*2016 年度', content)
    assert '<option value="2014">' in content


def test_without_records_the_current_year_is_shown(client: Client, make_person: Any) -> None:
    person = make_person()
    content = _page(client, person)
    assert f'<option value="{timezone.localdate().year}" selected>' in content


def test_no_requirement_is_said_plainly(client: Client, make_person: Any) -> None:
    """Luojiang 2014 (before its notice and the 2015 national rules): no requirement, no guess."""
    person = make_person("350504")
    content = _page(client, person, year=2014)
    assert 'id="no-requirement"' in content
    assert "洛江区2014 年度没有适用于您" in content
    assert 'id="verdict"' not in content


def test_luojiang_teacher_is_assessed_over_the_cycle(
    client: Client, make_person: Any, make_record: Any
) -> None:
    """Teachers in Luojiang: a five-year cycle; records of earlier years in it count. The
    cycle's 规定学时数 is not in the data: the page says 无法判定 and who sets the figure."""
    person = make_person("350504", series="teacher")
    make_record(person, "public", 6, year=2015, required=True, steps=("bureau",))
    make_record(person, "public", 6, year=2017, required=True, steps=("bureau",))
    content = _page(client, person, year=2017)
    assert "按任职周期核查：2013–2017 年" in content
    assert re.search(r'id="verdict">\s*2013–2017 周期：无法判定', content)
    assert "应由福建省教育行政部门" in content
    counted = _table(content, "counted")
    assert "<td>2015</td>" in counted
    assert "<td>2017</td>" in counted


def test_makeup_outside_the_allowed_window_does_not_count_and_says_why(
    client: Client, make_person: Any, make_record: Any
) -> None:
    """Shantou: from 2015 no make-up; 2014 hours taken in 2015 are refused with the reason."""
    person = make_person()
    make_record(person, "public", 20, year=2014, taken_on=dt.date(2015, 3, 1))
    content = _page(client, person, year=2014)
    refused = _table(content, "not-counted")
    assert "2015-03-01 起不再补修往年度学时，不能计入 2014 年度。" in refused
    # The refusal cites its clause (issue 10, finding 6).
    assert "依据：《关于做好2014年我市专业技术人员继续教育培训工作的通知》 四(六)" in refused


@pytest.mark.parametrize("year", ["abc", "1999", "20145", "-1"])
def test_a_bad_year_is_reported_and_the_default_shown(
    client: Client, make_person: Any, year: str
) -> None:
    person = make_person()
    content = _page(client, person, year=year)
    assert 'class="message error"' in content
    assert 'id="verdict"' in content


def test_professional_role_without_a_registration_sees_a_message(
    client: Client, seeded: None
) -> None:
    user = UserFactory()
    grant(user, Role.PROFESSIONAL)
    client.force_login(user)
    response = client.get(URL)
    assert response.status_code == 200
    assert 'id="no-professional"' in response.content.decode()


@pytest.mark.parametrize("role", [Role.EMPLOYER_ADMIN, Role.BUREAU_STAFF])
def test_other_roles_cannot_open_my_year(
    client: Client, make_person: Any, role: Role, seeded: None
) -> None:
    person = make_person()
    user = UserFactory()
    scope = (
        {"employer": person.employer} if role == Role.EMPLOYER_ADMIN else {"region_id": "440500"}
    )
    grant(user, role, **scope)
    client.force_login(user)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client: Client) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
