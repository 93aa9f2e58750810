"""Profiles: what a requirement depends on (region, year, series, title, institution), and
the requirements and make-up answers resolved once per profile for the set-based paths."""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Callable
from decimal import Decimal
from functools import cache

from xueshi.rules import (
    Category,
    PolicyError,
    Record,
    Requirements,
    counting,
    requirements,
)
from xueshi.rules.bulk import Profile, profile_person
from xueshi.rules.policy import Policy


def profile_of(region: str, year: int, series: str, title: str, institution: str) -> Profile:
    return (region, year, series or None, title or None, institution or None)


def requirements_of(policy: Policy) -> Callable[[Profile], Requirements | None]:
    """The requirements of a profile, resolved once per policy and profile (None: no
    requirement, or a region the policy does not know)."""
    return _resolver(policy)


@cache
def _resolver(policy: Policy) -> Callable[[Profile], Requirements | None]:
    @cache
    def resolve(profile: Profile) -> Requirements | None:
        if profile[0] not in policy.regions:
            return None
        try:
            return requirements(policy, profile[0], profile[1], profile_person(profile))
        except PolicyError:  # NoRequirement
            return None

    return resolve


def makeup_counts(policy: Policy) -> Callable[[Profile, int, dt.date], bool]:
    """Whether learning taken on a date after the profile's period counts for its credited
    year (``counting.makeup_refusal``, as the single evaluation decides it).

    The answer depends on the date only through the ``makeup`` rule in force on it, so it is
    asked once per profile, credited year and stretch of days between two changes of that
    rule in the region's chain (``Policy.change_days``), not once per date."""
    change_days = cache(lambda region: policy.change_days("makeup", region))
    resolve = requirements_of(policy)
    decided: dict[tuple[Profile, int, int], bool] = {}

    def counts(profile: Profile, credited_year: int, taken_on: dt.date) -> bool:
        key = (profile, credited_year, bisect_right(change_days(profile[0]), taken_on))
        if key not in decided:
            reqs = resolve(profile)
            years = reqs.years if reqs else (profile[1],)
            probe = Record(credited_year, Category.PUBLIC, hours=Decimal(1), taken_on=taken_on)
            refusal = counting.makeup_refusal(
                policy, profile[0], probe, years, profile_person(profile)
            )
            decided[key] = refusal is None
        return decided[key]

    return counts
