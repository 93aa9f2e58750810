"""The compliance lists are read a page at a time: every person appears once across the
pages (names tie, the id breaks the tie), a page reads its own rows and no more, and the
number of queries does not grow with the number of people."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.support.factories import EmployerFactory, UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.compliance import ledger_selectors
from xueshi.compliance.services import ledger_rebuild
from xueshi.people.models import Professional
from xueshi.reporting.views import PAGE_SIZE

pytestmark = pytest.mark.django_db
BUREAU_URL = reverse("reporting:bureau_compliance")
EMPLOYER_URL = reverse("reporting:employer_compliance")
# Few names for many people: most of a page's neighbours share a name.
NAMES = ("王芳", "李伟", "张敏")


def _staff(make_person: Callable[..., Professional], make_record: Any, n: int) -> Any:
    employer = EmployerFactory(region_id="440500")
    for k in range(n):
        person = make_person(employer=employer, full_name=NAMES[k % len(NAMES)])
        # Every third one meets the year (汕头 2014: 公需 20, 专业 42, 选修 12); the others
        # fall short.
        for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
            make_record(person, category, hours if k % 3 == 0 else 1, year=2014)
    ledger_rebuild(year=2014)
    return employer


def _login(client: Client, role: Role, **scope: Any) -> None:
    user = UserFactory()
    grant(user, role, **scope)
    client.force_login(user)


def _ids(content: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-person="(\d+)"', content)]


def _all_pages(client: Client, url: str, **params: Any) -> list[int]:
    seen: list[int] = []
    page = 1
    while True:
        response = client.get(url, {**params, "page": page})
        assert response.status_code == 200
        content = response.content.decode()
        ids = _ids(content)
        assert len(ids) <= PAGE_SIZE
        seen += ids
        if "下一页" not in content:
            return seen
        page += 1


def _expected(people: Any) -> list[int]:
    return list(people.order_by("full_name", "pk").values_list("pk", flat=True))


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Each ledger row laid out for a page (the rows fetched), by person."""
    laid_out: list[int] = []
    original = ledger_selectors.standing

    def spy(row: Any, **kwargs: Any) -> Any:
        laid_out.append(row.professional_id)
        return original(row, **kwargs)

    monkeypatch.setattr(ledger_selectors, "standing", spy)
    return laid_out


@pytest.mark.parametrize("status", ["", "not_compliant", "compliant"])
def test_bureau_drill_down_pages_hold_every_person_once_in_name_order(
    client: Client, make_person: Any, make_record: Any, status: str, counted: list[int]
) -> None:
    employer = _staff(make_person, make_record, 2 * PAGE_SIZE + 7)
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    seen = _all_pages(client, BUREAU_URL, year=2014, employer=employer.pk, status=status)
    people = Professional.objects.filter(employer=employer)
    expected = _expected(people)
    if status:
        # Who is compliant is decided by their records (42 professional hours), not order.
        compliant = set(people.filter(hour_records__hours=42).values_list("pk", flat=True))
        assert 0 < len(compliant) < len(expected)
        expected = [p for p in expected if (p in compliant) == (status == "compliant")]
    assert seen == expected  # none lost, none repeated, in name order with ties by id
    assert len(set(seen)) == len(seen)
    assert counted == seen  # each page laid out its own rows only


def test_a_page_of_the_drill_down_reads_only_its_rows_and_a_fixed_number_of_queries(
    client: Client,
    make_person: Any,
    make_record: Any,
    counted: list[int],
    django_assert_max_num_queries: Any,
) -> None:
    small = _staff(make_person, make_record, 5)
    large = _staff(make_person, make_record, 4 * PAGE_SIZE)
    _login(client, Role.BUREAU_STAFF, region_id="440500")
    queries = []
    for employer in (small, large):
        with CaptureQueriesContext(connection) as captured:
            client.get(BUREAU_URL, {"year": 2014, "employer": employer.pk, "page": 2})
        queries.append(len(captured))
    assert queries[0] == queries[1]  # the same queries for 5 people and for 120
    counted.clear()
    with django_assert_max_num_queries(queries[1]):
        content = client.get(
            BUREAU_URL, {"year": 2014, "employer": large.pk, "page": 3}
        ).content.decode()
    assert len(_ids(content)) == PAGE_SIZE
    assert len(counted) == PAGE_SIZE  # not the employer's 120
    assert f"第 3 / 4 页，共 {4 * PAGE_SIZE} 人" in content


def test_employer_list_pages_hold_every_person_once(
    client: Client, make_person: Any, make_record: Any, counted: list[int]
) -> None:
    employer = _staff(make_person, make_record, 2 * PAGE_SIZE + 1)
    _login(client, Role.EMPLOYER_ADMIN, employer=employer)
    seen = _all_pages(client, EMPLOYER_URL, year=2014)
    assert seen == _expected(Professional.objects.filter(employer=employer))
    assert counted == seen
    content = client.get(EMPLOYER_URL, {"year": 2014}).content.decode()
    total = 2 * PAGE_SIZE + 1
    assert re.search(rf"人员<strong>{total}</strong>", content)
    assert re.search(rf"已达标<strong>{(total + 2) // 3}</strong>", content)


def test_ledger_people_slices_like_a_list(make_person: Any, make_record: Any) -> None:
    employer = _staff(make_person, make_record, 10)
    region = employer.region
    listed = ledger_selectors.ledger_people(
        region, 2014, ledger_selectors.LedgerFilters(employer=employer.pk)
    )
    whole = list(listed)
    assert len(listed) == len(whole) == 10
    assert [r.id for r in whole] == _expected(Professional.objects.filter(employer=employer))
    assert [r.id for r in listed[3:7]] == [r.id for r in whole[3:7]]
    assert listed[-1].id == whole[-1].id
    assert listed[20:30] == []
    with pytest.raises(IndexError):
        listed[10]
