"""统计图表 (issue 13, item 6): the bureau's charts read the ledger — the trend over the
years, a year by region, series and title level — and the review backlog; each chart has its
table on the page and its sheet in the Excel export; the charting library is served from
this site."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.factories import UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.compliance.services import ledger_rebuild
from xueshi.organisations.models import Region
from xueshi.records.models import HourRecord
from xueshi.reporting.charts import compliance_by, compliance_trend, review_backlog

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(make_person: Any, make_record: Any) -> dict[str, Any]:
    """Shantou 2014: two of three met the year (20 + 42 + 12); 2015: one of two."""
    done, short, engineer = (
        make_person(full_name="甲", series="health"),
        make_person(full_name="乙", series="health"),
        make_person(full_name="丙", series="engineering"),
    )
    for person in (done, engineer):
        for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
            make_record(person, category, hours, year=2014)
    make_record(short, "public", 20, year=2014)
    for category, hours in (("public", 30), ("professional", 60)):
        make_record(done, category, hours, year=2015)
    make_record(short, "professional", 10, year=2015)
    waiting = make_record(short, "elective", 6, year=2015, status="in_review")
    old = dt.datetime(2015, 1, 1, tzinfo=dt.UTC)
    HourRecord.objects.filter(pk=waiting.pk).update(updated_at=old)
    ledger_rebuild(year=2014)
    ledger_rebuild(year=2015)
    return {"city": Region.objects.get(code="440500")}


def test_the_trend_and_a_years_breakdowns_come_from_the_ledger(ledger: dict[str, Any]) -> None:
    city = ledger["city"]
    trend = {b.label: (b.people, b.compliant, str(b.rate)) for b in compliance_trend(city)}
    assert trend == {"2014": (3, 2, "66.7"), "2015": (3, 1, "33.3")}
    series = {b.label: (b.people, b.compliant) for b in compliance_by(city, 2014, "series")}
    assert series == {"卫生": (2, 1), "工程": (1, 1)}
    province = Region.objects.get(code="440000")
    regions = {b.label: (b.people, b.compliant) for b in compliance_by(province, 2014, "region")}
    assert regions["汕头市"] == (3, 2)
    backlog = {b.label: b.records for b in review_backlog(city, dt.date(2015, 6, 1))}
    assert backlog == {"10 天以内": 0, "11–30 天": 0, "31–90 天": 0, "90 天以上": 1}


def test_the_page_carries_the_tables_and_the_data_and_the_export_the_sheets(
    ledger: dict[str, Any],
) -> None:
    client = Client()
    client.force_login(grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500").assignment.user)
    page = client.get(reverse("reporting:bureau_charts"), {"year": 2014}).content.decode()
    assert "vendor/echarts/echarts.common.min.js" in page
    data = json.loads(re.search(r'id="chart-data"[^>]*>(.*?)</script>', page, re.S)[1])
    assert data["trend"] == {
        "labels": ["2014", "2015"],
        "compliant": [2, 1],
        "not_compliant": [1, 2],
        "rate": [66.7, 33.3],
    }
    trend_table = page[page.index('id="table-trend"') :]
    assert "66.7%" in trend_table[: trend_table.index("</table>")]
    export = client.get(reverse("reporting:bureau_charts_xlsx"), {"year": 2014})
    book = CalamineWorkbook.from_filelike(io.BytesIO(b"".join(export.streaming_content)))
    assert book.sheet_names == [
        "历年达标趋势",
        "2014按地区",
        "2014按系列",
        "2014按职称",
        "待审核积压",
        "2014网络学习",
    ]
    rows = book.get_sheet_by_name("历年达标趋势").to_python()
    assert rows[1] == ["2014", 3, 2, 1, 66.7]


def test_online_lessons_completed_month_by_month() -> None:
    from tests.learning.conftest import make_course, make_lesson
    from tests.support.factories import ProfessionalFactory
    from xueshi.learning.models import LessonProgress
    from xueshi.reporting.charts import online_completions

    course = make_course()
    first, second = make_lesson(course, order=1), make_lesson(course, order=2)
    shantou = [ProfessionalFactory(region_id="440500").user for _ in range(2)]
    elsewhere = ProfessionalFactory(region_id="350504").user
    june = dt.datetime(2020, 6, 3, 10, tzinfo=dt.UTC)
    for user, lesson in ((shantou[0], first), (shantou[0], second), (shantou[1], first)):
        LessonProgress.objects.create(user=user, lesson=lesson, completed_at=june)
    LessonProgress.objects.create(user=elsewhere, lesson=first, completed_at=june)
    LessonProgress.objects.create(user=shantou[1], lesson=second)  # not completed
    months = online_completions(Region.objects.get(code="440500"), 2020)
    assert len(months) == 12
    assert (months[5].label, months[5].lessons, months[5].learners) == ("6 月", 3, 2)
    assert sum(m.lessons for m in months) == 3
