"""我的年度学时's what-if: "if I add a 12-hour professional course, or this class I am
enrolled in, do I meet the year?" — answered by the same engine with the clauses, and
nothing is saved."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.support.factories import ProviderFactory, grant
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance.models import PersonYear
from xueshi.records.models import HourRecord
from xueshi.training.models import ClassPlan, Enrollment

URL = reverse("reporting:my_year")


def _ask(client: Client, person: Any, **params: Any) -> str:
    grant(person.user, Role.PROFESSIONAL)
    client.force_login(person.user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL, {"year": 2014, "what_if": "1", **params})
    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.IGNORECASE)
        and "django_session" not in q["sql"]
    ]
    assert writes == []
    return response.content.decode()


def _short_of_12_professional(make_person: Any, make_record: Any) -> Any:
    person = make_person()
    make_record(person, "public", 20)
    make_record(person, "professional", 30)
    make_record(person, "elective", 12)
    return person


def test_a_12_hour_professional_course_would_meet_the_year_and_nothing_is_saved(
    client: Client, make_person: Any, make_record: Any
) -> None:
    person = _short_of_12_professional(make_person, make_record)
    counts = (
        HourRecord.objects.count(),
        PersonYear.objects.count(),
        AuditEvent.objects.exclude(action="login").count(),
    )
    content = _ask(client, person, category="professional", hours="12")
    assert re.search(r'id="verdict">\s*2014 年度：未达标', content)  # the year as it stands
    verdict = re.search(r'id="what-if-verdict">([^<]*)<', content)
    assert verdict is not None
    assert verdict.group(1) == "如果再取得专业科目 12 学时的课程：即可达标。"
    start = content.index('id="what-if-requirements"')
    table = content[start : content.index("</table>", start)]
    assert re.search(r"<td>专业科目</td><td>42 学时</td><td>42 学时</td>\s*<td>—</td>", table)
    assert "二(二)" in table
    assert "不少于42学时" in table  # the quoted clause
    after = (
        HourRecord.objects.count(),
        PersonYear.objects.count(),
        AuditEvent.objects.exclude(action="login").count(),
    )
    assert after == counts


def test_an_elective_course_would_not_and_the_shortfall_says_what_is_still_missing(
    client: Client, make_person: Any, make_record: Any
) -> None:
    person = _short_of_12_professional(make_person, make_record)
    content = _ask(client, person, category="elective", hours="12")
    assert "如果再取得选修科目 12 学时的课程：仍未达标。" in content
    assert "届时尚缺：专业科目 12 学时。" in content


def test_a_class_i_am_enrolled_in_is_judged_as_its_record_would_be(
    client: Client, make_person: Any, make_record: Any
) -> None:
    person = _short_of_12_professional(make_person, make_record)
    provider = ProviderFactory()
    plan = ClassPlan.objects.create(
        provider=provider,
        region_id="440500",
        title="专业技术人员团队合作能力",
        category="professional",
        mode="face_to_face",
        start_date=dt.date(2014, 6, 2),
        end_date=dt.date(2014, 6, 4),
        hours=Decimal(21),
    )
    mine = Enrollment.objects.create(class_plan=plan, professional=person)
    content = _ask(client, person, enrollment=str(mine.pk))
    assert "如果再取得培训班《专业技术人员团队合作能力》（专业科目 21 学时）：即可达标。" in content
    assert f'<option value="{mine.pk}" selected>' in content
    # Someone else's enrolment is not offered nor judged.
    other = make_person()
    theirs = Enrollment.objects.create(class_plan=plan, professional=other)
    content = _ask(client, person, enrollment=str(theirs.pk))
    assert 'id="what-if-verdict"' not in content
    assert "所选培训班不是您在本年度报名且尚未登记学时的培训班。" in content


def test_without_a_choice_the_page_says_what_to_give(
    client: Client, make_person: Any, make_record: Any
) -> None:
    person = _short_of_12_professional(make_person, make_record)
    content = _ask(client, person, hours="12")
    assert "请选择一个报名的培训班，或填写科目类别和学时。" in content
    assert 'id="what-if-verdict"' not in content
