"""Writes of regions and organisations."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from xueshi.organisations.models import Region
from xueshi.rules.policy import Policy


@dataclass
class RegionsSynced:
    """What a sync did, by region code."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    # In the table but no longer in the policy: kept (people and organisations refer to them).
    not_in_policy: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.created) + len(self.updated)


@transaction.atomic
def regions_sync_from_policy(*, policy: Policy) -> RegionsSynced:
    """Mirror policy/regions into the Region table (idempotent: a region that already says
    what the policy says is not written)."""
    synced = RegionsSynced()
    existing = {r.code: r for r in Region.objects.select_for_update()}
    # parents before children: sort by depth
    for code in sorted(policy.regions, key=lambda c: (len(policy.chain(c)), c)):
        region = policy.regions[code]
        wanted = {
            "name": region.name,
            "level": region.level,
            "parent_id": region.parent_code,
            "path": "".join(f"{r.code}/" for r in reversed(policy.chain(code))),
        }
        row = existing.get(code)
        if row is None:
            Region.objects.create(code=code, **wanted)
            synced.created.append(code)
        elif any(getattr(row, name) != value for name, value in wanted.items()):
            for name, value in wanted.items():
                setattr(row, name, value)
            row.save(update_fields=[name.removesuffix("_id") for name in wanted])
            synced.updated.append(code)
        else:
            synced.unchanged.append(code)
    synced.not_in_policy = sorted(set(existing) - set(policy.regions))
    return synced
