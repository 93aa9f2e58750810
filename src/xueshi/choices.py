"""Model and form choices from the rules core's enumerations.

A term (category, mode, credit class, title level, institution level, record state) is
defined once, in ``xueshi.rules``, with its one Chinese label; fields and forms take their
choices from it here rather than from a second ``TextChoices`` of their own.

A field's default is the member's plain value (``default=RecordState.DRAFT.value``): Django
writes a plain ``StrEnum`` member into a migration as ``RecordState['DRAFT']``, which would
make migrations import the rules core and break them when a member is renamed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol


class Term(Protocol):
    """A member of a rules-core enumeration: a stored value and its Chinese label."""

    @property
    def value(self) -> str: ...

    @property
    def label(self) -> str: ...


def choices_of(term: Iterable[Term]) -> list[tuple[str, str]]:
    """``[(value, label), …]`` of an enumeration, in its order: ``choices_of(Category)``."""
    return [(member.value, member.label) for member in term]
