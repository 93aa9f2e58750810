"""Names in the bureau's drill-down lists and on the anomaly board link to the person: a page
where the bureau sees that person's verdict and records for the year. Only a bureau whose
region holds the person sees it; another region's bureau is told not found, other roles are
refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.compliance.services import ledger_rebuild
from xueshi.records.models import IntegrityFlag

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(make_person: Any, make_record: Any) -> dict[str, Any]:
    short = make_person(
        employer=EmployerFactory(region_id="440500", name="汕头市第一医院"), full_name="李欠缺"
    )
    counted = make_record(short, "public", 20, content="公需科目：诚信建设")
    make_record(short, "professional", 12, content="专业科目：新技术", status="in_review")
    make_record(short, "elective", 8, year=2015, content="二〇一五年的选修")
    ledger_rebuild(year=2014)
    return {"short": short, "counted": counted}


def _bureau(region: str) -> Client:
    client = Client()
    client.force_login(grant(UserFactory(), Role.BUREAU_STAFF, region_id=region).assignment.user)
    return client


def _url(pk: int) -> str:
    return reverse("reporting:bureau_person", args=[pk])


def test_a_drilled_down_name_links_to_the_persons_records_of_the_year(
    person: dict[str, Any],
) -> None:
    client = _bureau("440500")
    drill = client.get(
        reverse("reporting:bureau_compliance"), {"year": 2014, "status": "not_compliant"}
    ).content.decode()
    link = f'href="{_url(person["short"].pk)}?year=2014"'
    assert re.search(re.escape(link) + r">李欠缺</a>", drill)
    page = client.get(_url(person["short"].pk), {"year": 2014})
    assert page.status_code == 200
    content = page.content.decode()
    assert "李欠缺" in content
    assert "汕头市第一医院" in content
    assert 'id="verdict"' in content
    assert "未达标" in content
    counted = content[content.index('id="counted"') : content.index('id="pending"')]
    assert "公需科目：诚信建设" in counted
    assert reverse("records:detail", args=[person["counted"].pk]) in counted
    assert "专业科目：新技术" in content[content.index('id="pending"') :]
    assert "二〇一五年的选修" not in content  # another year's
    # the province's bureau holds Shantou too
    assert _bureau("440000").get(_url(person["short"].pk), {"year": 2014}).status_code == 200


def test_another_regions_bureau_is_told_not_found_and_other_roles_are_refused(
    person: dict[str, Any],
) -> None:
    assert _bureau("350504").get(_url(person["short"].pk)).status_code == 404
    employer = Client()
    employer.force_login(
        grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=person["short"].employer).assignment.user
    )
    assert employer.get(_url(person["short"].pk)).status_code == 403
    assert _bureau("440500").get(_url(10**9)).status_code == 404


def test_the_anomaly_boards_records_link_to_the_person(person: dict[str, Any]) -> None:
    IntegrityFlag.objects.create(record=person["counted"], kind="overlap", message="时间重叠")
    listed = (
        _bureau("440500")
        .get(reverse("inspections:anomaly_records"), {"year": 2014, "kind": "overlap"})
        .content.decode()
    )
    assert f'href="{_url(person["short"].pk)}?year=2014">李欠缺</a>' in listed
