"""Where a person stands has changed: the writers' side of the compliance ledger.

People and records sit below compliance in the layers (docs/adr/0005-layers.md), yet every
change they write must reach the ledger inside their own transaction, or the bureau would
read a stale row between two commits. So the writers announce the change here and the
compliance app, which owns the ledger, registers the keeper that acts on it when Django
starts (``ComplianceConfig.ready``). This is the one deliberate edge back up the layers,
and it is a registered hook, not an import: ``xueshi.C001`` (a system check) fails where no
keeper is registered, and a write with none raises rather than leave the ledger behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured


class RecordFacts(Protocol):
    """What the keeper reads of a record: whose it is, the year it counts for, its status."""

    credited_year: int
    status: str

    @property
    def professional(self) -> Any: ...


class Keeper(Protocol):
    def person_changed(self, *, professional_id: int) -> int:
        """The person's profile (region, employer, series, title…) changed: every year."""
        ...

    def record_changed(self, *, record: RecordFacts) -> int:
        """One record was entered or changed state."""
        ...

    def records_entered(self, *, prototype: RecordFacts, professional_ids: Sequence[int]) -> int:
        """Records like ``prototype`` (same profile, year and status) were entered, one for
        each of ``professional_ids``."""
        ...


_keeper: Keeper | None = None


def keeper_register(keeper: Keeper) -> None:
    global _keeper
    _keeper = keeper


def keeper() -> Keeper:
    if _keeper is None:
        raise ImproperlyConfigured(
            "No keeper of the compliance ledger is registered (xueshi.compliance not installed?)."
        )
    return _keeper


def person_changed(*, professional_id: int) -> int:
    return keeper().person_changed(professional_id=professional_id)


def record_changed(*, record: RecordFacts) -> int:
    return keeper().record_changed(record=record)


def records_entered(*, prototype: RecordFacts, professional_ids: Sequence[int]) -> int:
    return keeper().records_entered(prototype=prototype, professional_ids=professional_ids)
