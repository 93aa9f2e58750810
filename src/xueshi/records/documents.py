"""Documents an app above records issued for a record, for its reviewers to check: the 成绩单
of the online exam whose pass entered it (Guangde 2020 §三(一): the bureau verifies the
printed transcript; Kaifeng 2016 §二1(2): the platform's learning record and pass
certificate go to the bureau to review). Records imports no exams: the exams app registers a
finder at start-up (``ExamsConfig.ready``), and the record's page and the review queue ask
it, one query for a page of records."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordDocument:
    """A document behind a record: what it is, its number ("" while not yet printed), where
    it is checked ("" when it cannot be yet) and what the reviewer should know."""

    kind: str  # 成绩单
    number: str
    check_url: str
    note: str = ""


DocumentFinder = Callable[[Sequence[int]], dict[int, list[RecordDocument]]]
_finders: list[DocumentFinder] = []


def record_documents_register(finder: DocumentFinder) -> None:
    """Add ``finder`` (at start-up): record ids in, each id's documents out."""
    if finder not in _finders:
        _finders.append(finder)


def record_documents(record_ids: Sequence[int]) -> dict[int, list[RecordDocument]]:
    """The documents of each record (every id a key, most with none)."""
    found: dict[int, list[RecordDocument]] = {pk: [] for pk in record_ids}
    if not record_ids:
        return found
    for finder in _finders:
        for pk, documents in finder(record_ids).items():
            found.setdefault(pk, []).extend(documents)
    return found
