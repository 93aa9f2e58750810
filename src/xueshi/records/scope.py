"""The records the active role may see (``accounts.scope`` says whose)."""

from __future__ import annotations

from django.db.models import QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import professional_scope
from xueshi.records.models import HourRecord


def records_visible(active: ActiveRole) -> QuerySet[HourRecord]:
    if active.role is Role.PROVIDER_STAFF:
        # The records of its classes: each carries the class's provider (ClassEntry), so
        # the scope reads the record's own columns, not training's table.
        return HourRecord.objects.filter(
            provider=active.assignment.provider, class_plan__isnull=False
        )
    return HourRecord.objects.filter(professional_scope(active, "professional__"))
