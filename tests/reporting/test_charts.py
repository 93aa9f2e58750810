"""统计图表 (issue 13, item 6): the bureau's charts read the ledger — the trend over the
years, a year by region, series and title level — the review backlog and review time in
working days; each chart has its
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

from tests.support.exports import export_download
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
    backlog = [(b.label, b.counts) for b in review_backlog(city, dt.date(2015, 6, 1))]
    assert backlog == [("用人单位", (0, 0, 0, 1))]


def test_the_backlog_counts_working_days_by_the_level_waited_for(
    ledger: dict[str, Any], make_person: Any, make_record: Any
) -> None:
    person = make_person(full_name="丁")
    for updated, step in ((dt.date(2015, 5, 28), 0), (dt.date(2015, 5, 11), 1)):
        record = make_record(person, "elective", 2, year=2015, status="in_review", step=step)
        moment = dt.datetime.combine(updated, dt.time(10), tzinfo=dt.UTC)
        HourRecord.objects.filter(pk=record.pk).update(updated_at=moment)
    # Luojiang's waiting record is not Shantou's
    make_record(make_person(region="350504"), "elective", 2, year=2015, status="in_review")
    backlog = {b.label: b.counts for b in review_backlog(ledger["city"], dt.date(2015, 6, 1))}
    # 05-28 (Thu) → 06-01 (Mon): 2 working days; 05-11 → 06-01: 15; 2015-01-01: over 20.
    assert backlog == {"用人单位": (1, 0, 0, 1), "人力资源和社会保障部门": (0, 0, 1, 0)}


def _event(record: HourRecord, action: str, role: str, day: dt.date) -> None:
    from xueshi.audit.models import AuditEvent

    event = AuditEvent.objects.create(
        role=role, action=action, target_type="records.hourrecord", target_id=str(record.pk)
    )
    moment = dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)
    AuditEvent.objects.filter(pk=event.pk).update(created_at=moment)


def test_review_time_in_working_days_by_month_and_level(make_person: Any, make_record: Any) -> None:
    from xueshi.reporting.charts import review_times

    shantou, luojiang = make_person(), make_person(region="350504")
    twice = make_record(shantou, year=2014)  # employer, then the bureau
    _event(twice, "submit", "professional", dt.date(2014, 7, 4))  # Friday
    _event(twice, "approve", "employer_reviewer", dt.date(2014, 7, 11))  # 5 working days
    _event(twice, "approve", "bureau_staff", dt.date(2014, 7, 14))  # 1
    returned = make_record(shantou, year=2014)
    _event(returned, "submit", "professional", dt.date(2014, 9, 30))
    _event(returned, "return", "employer_admin", dt.date(2014, 10, 13))  # 5: the golden week
    _event(returned, "resubmit", "professional", dt.date(2014, 10, 13))
    _event(returned, "approve", "employer_reviewer", dt.date(2014, 10, 14))  # 1
    earlier = make_record(shantou, year=2013)  # decided in 2013: not this year's
    _event(earlier, "submit", "professional", dt.date(2013, 12, 2))
    _event(earlier, "approve", "employer_reviewer", dt.date(2013, 12, 20))
    elsewhere = make_record(luojiang, year=2014)  # another region's
    _event(elsewhere, "submit", "professional", dt.date(2014, 7, 1))
    _event(elsewhere, "approve", "employer_reviewer", dt.date(2014, 8, 29))

    times = review_times(Region.objects.get(code="440500"), 2014)
    months = {t.label: (t.decisions, t.median, t.p90) for t in times.by_month if t.decisions}
    assert months == {"7 月": (2, 1, 5), "10 月": (2, 1, 5)}
    assert [(t.label, t.decisions, t.median, t.p90) for t in times.by_level] == [
        ("人力资源和社会保障部门", 1, 1, 1),
        ("用人单位", 3, 5, 5),
    ]
    assert times.unknown == 0
    assert (times.by_month[0].median, times.by_month[0].p90) == (None, None)


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
    export = export_download(client, reverse("reporting:bureau_charts_xlsx"), {"year": 2014})
    book = CalamineWorkbook.from_filelike(io.BytesIO(export))
    assert book.sheet_names == [
        "历年达标趋势",
        "2014按地区",
        "2014按系列",
        "2014按职称",
        "待审核积压",
        "2014审核用时按月",
        "2014审核用时按层级",
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
