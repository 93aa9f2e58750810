"""The demo runs at its seed scenarios' dates (演示日期): a provider can file a class and
enter new learners' hours in 2014 Shantou and 2016 Kaifeng, as the README says."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from xueshi.demo import scenarios
from xueshi.demo.load import demo_load
from xueshi.records.models import HourRecord
from xueshi.training.models import ClassPlan, ClassStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings: Any) -> None:
    settings.XUESHI_DEMO = True
    demo_load()


def _signed_in(username: str) -> Client:
    client = Client()  # through the login page (django-axes needs the request)
    response = client.post(
        reverse("accounts:login"), {"username": username, "password": "xueshi-demo-2026"}
    )
    assert response.status_code == 302
    return client


def _switch(client: Client, key: str) -> None:
    client.post(reverse("demo:scenario_switch"), {"scenario": key, "next": "/"})


def test_the_header_shows_the_demo_date_and_switches_between_the_scenarios(demo: None) -> None:
    client = _signed_in("st-linwei")
    page = client.get(reverse("accounts:dashboard")).content.decode()
    assert "演示日期" in page
    assert "2014-12-15" in page
    for scenario in scenarios.SCENARIOS:
        assert scenario.label in page
    response = client.post(
        reverse("demo:scenario_switch"),
        {"scenario": "kaifeng-2016", "next": reverse("reporting:my_year")},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("reporting:my_year")
    assert "2016-08-11" in client.get(reverse("accounts:dashboard")).content.decode()
    # A name not in the server's list changes nothing; a date is never taken from the client.
    _switch(client, "2030-01-01")
    assert "2016-08-11" in client.get(reverse("accounts:dashboard")).content.decode()
    # Another site as "next" is not followed.
    response = client.post(
        reverse("demo:scenario_switch"), {"scenario": "shantou-2014", "next": "//evil.example/"}
    )
    assert response["Location"] == "/"


def test_outside_the_demo_there_is_no_demo_date(settings: Any, client: Client) -> None:
    settings.XUESHI_DEMO = False
    assert "演示日期" not in client.get("/").content.decode()
    response = client.post(reverse("demo:scenario_switch"), {"scenario": "kaifeng-2016"})
    assert response.status_code == 404


def _enter_by_template(client: Client, plan: ClassPlan, score: int) -> Any:
    template = client.get(reverse("training:batch_template", args=[plan.pk]))
    assert template.status_code == 200
    rows = CalamineWorkbook.from_filelike(io.BytesIO(template.content)).get_sheet_by_index(0)
    learners = rows.to_python()[1:]
    names = [row[0] for row in learners]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名", "公民身份号码", "考核成绩"])
    for number, row in enumerate(learners, start=1):
        sheet.write_string(number, 0, str(row[0]))
        sheet.write_string(number, 1, str(row[1]))
        sheet.write_number(number, 2, score)
    book.close()
    upload = SimpleUploadedFile("成绩.xlsx", out.getvalue())
    response = client.post(
        reverse("training:batch_upload", args=[plan.pk]), {"file": upload}, follow=True
    )
    return names, response


def test_shantou_2014_the_academy_files_a_class_and_enters_new_hours(demo: None) -> None:
    client = _signed_in("shantou-academy")
    response = client.post(
        reverse("training:class_new"),
        {
            "title": "《粤东西北地区振兴战略》公需科目培训班（2014年第四期）",
            "category": "public",
            "series": "",
            "mode": "face_to_face",
            "start_date": "2014-12-29",
            "end_date": "2014-12-31",
            "hours": "20",
            "capacity": "60",
            "pass_mark": "",
            "location": "汕头市行政学院",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = ClassPlan.objects.get(title__contains="2014年第四期")
    client.post(reverse("training:class_file", args=[plan.pk]))
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED
    # 10 days before 2014-12-29; the 2014 notice's filing rule is of 2014 (docs/adr/0014).
    assert plan.filing_due == dt.date(2014, 12, 19)

    third = ClassPlan.objects.get(title__contains="2014年第三期")
    names, response = _enter_by_template(client, third, 85)
    assert names == ["郑宇"]
    assert "整份文件未登记" not in response.content.decode()
    record = HourRecord.objects.get(professional__full_name="郑宇", credited_year=2014)
    assert record.hours == 20


def test_kaifeng_2016_the_academy_enters_mali(demo: None) -> None:
    client = _signed_in("kaifeng-academy")
    _switch(client, "kaifeng-2016")
    fourth = ClassPlan.objects.get(title__contains="两学一做")
    names, response = _enter_by_template(client, fourth, 80)
    assert "马丽" in names
    assert "整份文件未登记" not in response.content.decode()
    assert HourRecord.objects.filter(
        professional__full_name="马丽", content__contains="两学一做"
    ).exists()


def test_the_hospital_reviewer_has_a_record_waiting(demo: None) -> None:
    client = _signed_in("shantou-hospital-reviewer")
    page = client.get(reverse("records:review_queue")).content.decode()
    assert "基层卫生适宜技术推广培训班" in page
    assert "没有待您审核的记录" not in page
