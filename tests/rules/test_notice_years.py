"""No verdict cites a notice outside the years it governs (issue 10, finding 2).

A yearly notice (``for_year`` in policy/notices.yaml) governs its year, and the past years it
names (Shantou's make-up years 2010–2013); never a later one. Every region the policy knows,
every year from 2009 to 2027, every profile the seed regions tell apart: the requirements,
conditions and undecided figures of the verdict cite only notices in force for that year.
"""

from __future__ import annotations

import itertools

import pytest

from xueshi.rules import NoRequirement, evaluate
from xueshi.rules.policy import default_policy
from xueshi.rules.terms import InstitutionLevel, Person, TitleLevel

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
