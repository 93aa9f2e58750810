"""Writes of regions and organisations."""

from __future__ import annotations

from django.db import transaction

from xueshi.organisations.models import Region
from xueshi.rules.policy import Policy


@transaction.atomic
def regions_sync_from_policy(*, policy: Policy) -> int:
    """Mirror policy/regions into the Region table (idempotent). Returns how many changed."""
    changed = 0
    # parents before children: sort by depth
    for code in sorted(policy.regions, key=lambda c: len(policy.chain(c))):
        region = policy.regions[code]
        path = "".join(f"{r.code}/" for r in reversed(policy.chain(code)))
        _, created = Region.objects.update_or_create(
            code=code,
            defaults={
                "name": region.name,
                "level": region.level,
                "parent_id": region.parent_code,
                "path": path,
            },
        )
        changed += int(created)
    return changed
