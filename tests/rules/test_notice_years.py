"""No verdict cites a notice outside the years it governs (issue 10, finding 2).

A yearly notice (``for_year`` in policy/notices.yaml) governs its year, and the past years it
names (Shantou's make-up years 2010–2013); never a later one. Every region the policy knows,
every year from 2009 to 2027, every profile the seed regions tell apart: the requirements,
conditions and undecided figures of the verdict cite only notices in force for that year.
"""

from __future__ import annotations

import calendar
import datetime as dt
import itertools
from decimal import Decimal

import pytest

from xueshi.rules import NoRequirement, evaluate
from xueshi.rules.parameters import PARAMETERS
from xueshi.rules.policy import Entry, default_policy
from xueshi.rules.terms import Category, InstitutionLevel, Person, Record, Status, TitleLevel

PEOPLE = [
    Person(title, series, institution)
    for title, series, institution in itertools.product(
        list(TitleLevel),
        ["engineering", "teacher", "health"],
        [None, InstitutionLevel.PRIMARY, InstitutionLevel.TERTIARY],
    )
]


@pytest.mark.parametrize("region", sorted(default_policy().regions))
def test_no_verdict_cites_a_yearly_notice_after_its_year(region: str) -> None:
    policy = default_policy()
    yearly = {n.id: n.for_year for n in policy.notices.values() if n.for_year is not None}
    assert yearly == {"shantou-2014": 2014, "kaifeng-2016": 2016, "guangde-2020": 2020}
    for year, person in itertools.product(range(2009, 2028), PEOPLE):
        try:
            verdict = evaluate(policy, region=region, year=year, person=person, records=[])
        except NoRequirement:
            continue
        cited = [r.requirement.reference for r in verdict.results]
        cited += [c.reference for c in verdict.conditions]
        cited += [u.reference for u in verdict.undecided]
        for reference in cited:
            governs = yearly.get(reference.notice.id)
            assert governs is None or year <= governs, (region, year, person, str(reference))


def test_the_check_would_see_a_notice_cited_after_its_year() -> None:
    """The 2014 notice is cited for 2014 (so the test above looks at real citations)."""
    policy = default_policy()
    verdict = evaluate(policy, region="440500", year=2014, person=PEOPLE[0], records=[])
    assert {r.requirement.reference.notice.id for r in verdict.results} == {"shantou-2014"}


def _names_its_years(entry: Entry) -> bool:
    """A clause that itself names the later years it governs (Shantou's “从2015年开始…不再补办”)
    keeps them (docs/adr/0006 §1)."""
    return f"从{entry.start.year}年" in entry.reference.clause


def test_every_entry_of_a_yearly_notice_ends_with_its_year() -> None:
    """Procedures too — review chains, deadlines, verification days, the certificate, the
    evidence rule (docs/adr/0014): none runs past the year its notice governs."""
    policy = default_policy()
    checked = 0
    for entry in policy.entries():
        governs = entry.reference.notice.for_year
        if governs is None or _names_its_years(entry):
            continue
        checked += 1
        where = (entry.parameter, str(entry.path), entry.line)
        assert entry.end is not None, where
        assert entry.end <= dt.date(governs, 12, 31), where
    assert checked > 30  # Shantou's, Kaifeng's and Guangde's entries were all looked at


@pytest.mark.parametrize("region", sorted(default_policy().regions))
def test_no_rule_of_any_kind_resolves_to_a_yearly_notice_after_its_year(region: str) -> None:
    """Every parameter (procedures included), on the first and the last day of every month
    from 2009 to 2027, for every profile: what resolves cites only notices in force then."""
    policy = default_policy()
    for year, month in itertools.product(range(2009, 2028), range(1, 13)):
        last = calendar.monthrange(year, month)[1]
        for day, parameter, person in itertools.product(
            (dt.date(year, month, 1), dt.date(year, month, last)), PARAMETERS, PEOPLE[::7]
        ):
            resolved = policy.resolve(parameter, region, day, person)
            if resolved is None:
                continue
            governs = resolved.reference.notice.for_year
            named = f"从{resolved.start.year}年" in resolved.reference.clause
            assert governs is None or day.year <= governs or named, (
                region,
                parameter,
                day,
                str(resolved.reference),
            )


@pytest.mark.parametrize("region", sorted(default_policy().regions))
def test_no_refusal_cites_a_yearly_notice_after_its_year(region: str) -> None:
    """Pending and rejected records of every category, taken inside the year and after it,
    and make-up: the clause each refusal cites is of a notice in force for that year."""
    policy = default_policy()
    for year in range(2009, 2028):
        records = [
            Record(year, category, Decimal(10), status=status, taken_on=taken_on)
            for category, status, taken_on in itertools.product(
                list(Category),
                [Status.PENDING, Status.REJECTED],
                [dt.date(year, 3, 1), dt.date(year, 12, 1), None],
            )
        ]
        for person in PEOPLE[::5]:
            try:
                verdict = evaluate(policy, region=region, year=year, person=person, records=records)
            except NoRequirement:
                continue
            for note in verdict.notes:
                if note.reference is None:
                    continue
                governs = note.reference.notice.for_year
                assert governs is None or year <= governs, (region, year, str(note.reference))
