"""A small world in four seed regions, with every role a record's review chain can ask for,
and the check that the ledger equals a fresh evaluation of every person-year."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.compliance.workflows import World, make_world
from xueshi.compliance.bridge import person_year_verdict
from xueshi.compliance.live import counted_figures
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.profiles import profile_of, requirements_of
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.rules import PolicyError
from xueshi.rules.counting import PENDING_STATES


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> World:
    return make_world()


def ledger_snapshot() -> dict[tuple[int, int], dict[str, Any]]:
    """Every row's figures by (person, year), without the time it was written."""
    return {
        (row["professional_id"], row["year"]): row
        for row in PersonYear.objects.values(
            *(
                f.attname
                for f in PersonYear._meta.concrete_fields
                if f.attname not in ("id", "updated_at")
            )
        )
    }


def assert_ledger_equals_fresh_verdicts() -> int:
    """Every professional has a row in every open year, and every row holds what
    ``person_year_verdict`` says now: compliance, shortfall, counted sums, pending. Returns
    the number of rows checked."""
    policy = current_policy()
    resolve = requirements_of(policy)
    years = list(LedgerYear.objects.values_list("year", flat=True))
    rows = {(r.professional_id, r.year): r for r in PersonYear.objects.all()}
    people = {p.pk: p for p in Professional.objects.all()}
    assert set(rows) == {(pk, year) for pk in people for year in years}
    for (pk, year), row in rows.items():
        person = people[pk]
        where = f"person {pk} ({person.region_id} {person.series}) {year}"
        assert (row.region_id, row.employer_id) == (person.region_id, person.employer_id), where
        assert (row.series, row.title_level, row.institution_level) == (
            person.series,
            person.title_level,
            person.institution_level,
        ), where
        try:
            verdict, records = person_year_verdict(person, year)
        except PolicyError:  # no requirement (or a region the policy does not know)
            assert row.compliant is None, where
            assert row.shortfall == {}, where
            continue
        assert row.compliant is verdict.compliant, where
        assert row.shortfall == verdict.shortfall, where
        reqs = resolve(
            profile_of(
                person.region_id,
                year,
                person.series,
                person.title_level,
                person.institution_level,
            )
        )
        counted = counted_figures(reqs, row.sums)
        for key in ("public", "professional", "elective", "total", "credits"):
            assert counted[key] == verdict.counted[key], (where, key)
        if reqs is not None and reqs.hours_regime:
            assert Decimal(row.public_required) / 100 == verdict.counted["public_required"], where
            if "public_required_courses" in verdict.counted:
                assert row.public_required_courses == verdict.counted["public_required_courses"]
        waiting = [
            r for r in records if r.status in PENDING_STATES and r.credited_year in verdict.years
        ]
        assert row.pending == len(waiting), where
    return len(rows)
