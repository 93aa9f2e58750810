"""The draw itself: reproducible and stratified. Pure, no Django.

Each stratum is sampled on its own with a generator seeded by the inspection's seed and the
stratum's key, from its members in ascending order: the same seed and the same population
give the same sample on any machine (Python's ``random.Random`` with a string seed is
stable across versions and platforms), and a stratum's sample does not depend on the others.
At least one member of every non-empty stratum is drawn, at most all of it."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from decimal import Decimal


def sample_size(members: int, share: Decimal) -> int:
    if members <= 0:
        return 0
    return min(members, max(1, math.ceil(members * share / 100)))


def draw(
    population: Mapping[str, Sequence[int]], share: Decimal, seed: str
) -> dict[str, list[int]]:
    """{stratum: the ids drawn, ascending} for every non-empty stratum."""
    drawn = {}
    for stratum in sorted(population):
        members = sorted(set(population[stratum]))
        size = sample_size(len(members), share)
        if not size:
            continue
        # Not for security: a published seed makes the draw checkable by anyone.
        generator = random.Random(f"{seed}|{stratum}")  # nosec B311
        drawn[stratum] = sorted(generator.sample(members, size))
    return drawn
