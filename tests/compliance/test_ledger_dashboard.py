"""The bureau's dashboard read from the ledger equals the statistics computed from the
records (``compliance_of``): totals, by child region, series, title level and unit, and the
people behind a drill-down; the page says where its figures come from."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.compliance.workflows import OPEN_YEARS, World, op_diligent, run_workflows
from tests.support.factories import EmployerFactory, ProfessionalFactory, UserFactory, employ, grant
from xueshi.accounts.models import Role
from xueshi.compliance.ledger_selectors import (
    LedgerFilters,
    dashboard,
    ledger_people,
    ledger_people_of,
)
from xueshi.compliance.live import PersonCompliance, Tally, compliance_of
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.selectors import people_standing
from xueshi.compliance.services import ledger_rebuild
from xueshi.organisations.models import Region
from xueshi.people.models import Professional
from xueshi.reporting.forms import Filters
from xueshi.reporting.reports import bureau_report

pytestmark = pytest.mark.django_db
BUREAU_URL = reverse("reporting:bureau_compliance")


@pytest.fixture
def populated(world: World) -> World:
    """The workflow world after a random sequence, plus a person in a region the policy does
    not know (Shenzhen) and one registered at the province's level with nothing at all."""
    Region.objects.create(
        code="440300", name="深圳市", level="city", parent_id="440000", path="000000/440000/440300/"
    )
    world.rng.seed(7)
    for person in Professional.objects.all():
        op_diligent(world, person)
    run_workflows(world, 120)
    employ(ProfessionalFactory(region_id="440300"), EmployerFactory(region_id="440300"))
    ProfessionalFactory(region_id="440000")
    for year in OPEN_YEARS:
        ledger_rebuild(year=year)
    return world


def _figures(tallies: list[Tally]) -> dict[str, tuple[int, int, int]]:
    return {t.key: (t.people, t.determined, t.compliant) for t in tallies}


def _expected(region: Region, rows: list[PersonCompliance]) -> dict[str, Any]:
    """The tallies computed from compliance_of's rows, by hand."""
    paths = dict(Region.objects.values_list("code", "path"))
    groups: dict[str, dict[str, list[int]]] = {
        name: defaultdict(lambda: [0, 0, 0]) for name in ("all", "region", "series", "title")
    }
    for row in rows:
        head = paths[row.region_id][len(region.path) :].split("/", 1)[0] or region.code
        for name, key in (
            ("all", "all"),
            ("region", head),
            ("series", row.series),
            ("title", row.title_level),
        ):
            figures = groups[name][key]
            figures[0] += 1
            figures[1] += int(row.determined)
            figures[2] += int(row.determined and row.compliant)
    return {name: {k: tuple(v) for k, v in g.items()} for name, g in groups.items()}


@pytest.mark.parametrize("code", ["000000", "440000", "440500", "350000", "350504"])
def test_dashboard_equals_the_tallies_of_a_full_evaluation(populated: World, code: str) -> None:
    region = Region.objects.get(code=code)
    people = Professional.objects.filter(region__path__startswith=region.path)
    assert people.exists()
    for year in OPEN_YEARS:
        board = dashboard(region, year)
        expected = _expected(region, compliance_of(people, year))
        assert _figures([board.summary]) == expected["all"], year
        assert _figures(board.by_region) == expected["region"], year
        assert _figures(board.by_series) == expected["series"], year
        assert _figures(board.by_title) == expected["title"], year
    top = dashboard(Region.objects.get(code="000000"), 2014)
    assert top.summary.compliant > 0
    assert top.summary.determined < top.summary.people  # the unknown region, NoRequirement


def _comparable(row: PersonCompliance) -> dict[str, Any]:
    return dataclasses.asdict(row)


@pytest.mark.parametrize(
    "narrow",
    [
        LedgerFilters(),
        LedgerFilters(series="health"),
        LedgerFilters(title_level="senior"),
        LedgerFilters(status="compliant"),
        LedgerFilters(status="not_compliant"),
        LedgerFilters(status="undetermined"),
        LedgerFilters(q="人员"),
    ],
)
def test_the_people_behind_a_drill_down_equal_a_full_evaluation(
    populated: World, narrow: LedgerFilters
) -> None:
    region = Region.objects.get(code="000000")
    people = Professional.objects.all()
    if narrow.series:
        people = people.filter(series=narrow.series)
    if narrow.title_level:
        people = people.filter(title_level=narrow.title_level)
    if narrow.q:
        people = people.filter(full_name__icontains=narrow.q)
    for year in OPEN_YEARS:
        expected = compliance_of(people, year)
        match narrow.status:
            case "compliant":
                expected = [r for r in expected if r.determined and r.compliant]
            case "not_compliant":
                expected = [r for r in expected if r.determined and not r.compliant]
            case "undetermined":
                expected = [r for r in expected if not r.determined]
        got = ledger_people(region, year, narrow)
        assert [_comparable(r) for r in got] == [_comparable(r) for r in expected], year


def _bureau(code: str) -> Any:
    return grant(UserFactory(), Role.BUREAU_STAFF, region_id=code)


@pytest.mark.parametrize(
    "filters",
    [
        Filters(year=2014),
        Filters(year=2017, region="350504"),
        Filters(year=2017, series="teacher"),
        Filters(year=2016, status="not_compliant"),
        Filters(year=2020, title_level="intermediate"),
    ],
)
def test_bureau_report_from_the_ledger_equals_the_live_report(
    populated: World, filters: Filters
) -> None:
    active = _bureau("000000")
    employer = Professional.objects.exclude(employer=None).values_list("employer", flat=True)[0]
    for each in (filters, dataclasses.replace(filters, employer=employer)):
        from_ledger = bureau_report(active, each)
        assert from_ledger.from_ledger
        LedgerYear.objects.filter(year=each.year).update(year=1999)  # close it for a moment
        live = bureau_report(active, each)
        LedgerYear.objects.filter(year=1999).update(year=each.year)
        assert not live.from_ledger
        for name in ("summary", "by_unit", "by_series", "by_title", "by_region"):
            got, want = getattr(from_ledger, name), getattr(live, name)
            assert [dataclasses.asdict(t) for t in ([got] if name == "summary" else got)] == [
                dataclasses.asdict(t) for t in ([want] if name == "summary" else want)
            ], name
        assert [_comparable(r) for r in from_ledger.rows] == [_comparable(r) for r in live.rows]


def test_the_bureau_page_reads_an_open_year_from_the_ledger(
    client: Client, populated: World
) -> None:
    client.force_login(_bureau("440500").assignment.user)
    opened = client.get(BUREAU_URL, {"year": 2014}).content.decode()
    assert "数据来源：达标台账" in opened
    closed = client.get(BUREAU_URL, {"year": 2019}).content.decode()
    assert "数据来源：达标台账" not in closed
    assert 'id="summary"' in closed


def test_people_standing_reads_an_open_year_from_the_ledger_and_agrees(populated: World) -> None:
    """The employer report's one function: the ledger's rows where the year is open (no
    record read), the live evaluation elsewhere — the same people, the same figures."""
    employer_ids = Professional.objects.exclude(employer=None).values_list("employer", flat=True)
    assert set(employer_ids), "the world has employed people"
    for employer_id in set(employer_ids):
        staff = Professional.objects.filter(employer_id=employer_id)
        for year in OPEN_YEARS:
            expected = [_comparable(r) for r in compliance_of(staff, year)]
            assert [_comparable(r) for r in ledger_people_of(staff, year)] == expected
            assert [_comparable(r) for r in people_standing(staff, year)] == expected
    closed = max(OPEN_YEARS) + 1
    staff = Professional.objects.all()
    assert not LedgerYear.objects.filter(year=closed).exists()
    assert [_comparable(r) for r in people_standing(staff, closed)] == [
        _comparable(r) for r in compliance_of(staff, closed)
    ]
