"""Integrity of an entry of hours (学时真实性校验): what makes a new record doubtful next to
the records the person already has. Pure: the callers (every entry service: a declaration,
a provider's batch, the API and online exams that call them) read the person's records and
hand them over as ``Learning`` values; this module decides.

- an **exact duplicate** (same category, title, dates and hours, or the same class) is
  refused, naming the record the person already has: the same hours counted twice is never
  a matter of judgement;
- a **near duplicate** (overlapping dates and the same or a similar title, or the same
  provider) and **overlapping time** (two face-to-face classes at once) are flagged for the
  reviewer;
- **hours above what the dates allow** (days times the most a day may count) are flagged. The
  most a day may count is the policy's ``integrity.hours_per_day`` where a notice sets it,
  with its clause; none of the seed notices does, so the system's own check applies:
  8 学时 a day (a working day), and it says it is the system's check, not a notice's;
- an **evidence file** (its SHA-256) already attached to another person's record, or to a
  record of another year, is flagged.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from enum import StrEnum

# The system's own check where no notice says how much a day may count: a working day.
DEFAULT_HOURS_PER_DAY = Decimal(8)
DEFAULT_HOURS_PER_DAY_SOURCE = "系统校验：每天最多按 8 学时计（各地通知未规定每日上限）"

# Titles at least this similar (difflib's ratio on the normalised text) are "similar".
SIMILAR_TITLE = 0.8

# Learning spread over more than this many days (a degree, a long programme) does not
# occupy each of its days: it is not "two classes at once" with what it overlaps.
LONGEST_CLASS_DAYS = 31


class FlagKind(StrEnum):
    EXACT_DUPLICATE = "exact_duplicate"
    NEAR_DUPLICATE = "near_duplicate"
    OVERLAP = "overlap"
    HOURS_ABOVE_DAYS = "hours_above_days"
    EVIDENCE_REUSED = "evidence_reused"
    LATE_FILING = "late_filing"
    CLASS_MISMATCH = "class_mismatch"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    FlagKind.EXACT_DUPLICATE: "重复记录",
    FlagKind.NEAR_DUPLICATE: "疑似重复",
    FlagKind.OVERLAP: "时间重叠",
    FlagKind.HOURS_ABOVE_DAYS: "学时超出天数",
    FlagKind.EVIDENCE_REUSED: "材料重复使用",
    FlagKind.LATE_FILING: "培训班逾期备案",
    FlagKind.CLASS_MISMATCH: "与备案培训班不符",
}


@dataclass(frozen=True, slots=True)
class Learning:
    """One record of learning, as the checks read it. ``key``: the record's id (None for
    the entry being checked); ``label``: how a message names it to a person."""

    key: int | None
    category: str
    content: str
    start: dt.date
    end: dt.date
    hours: Decimal
    face_to_face: bool = True
    provider: str = ""
    class_id: int | None = None
    label: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """Why an entry is doubtful. ``refuse``: the entry must not be saved (an exact
    duplicate); otherwise the record is saved with a flag for its reviewer. ``other``: the
    record it conflicts with, if any."""

    kind: FlagKind
    message: str
    other: int | None = None
    refuse: bool = False


@dataclass(frozen=True, slots=True)
class DailyCap:
    """The most one day of learning may count, and where that figure comes from."""

    hours: Decimal = DEFAULT_HOURS_PER_DAY
    source: str = DEFAULT_HOURS_PER_DAY_SOURCE


def normalised_title(text: str) -> str:
    """A title as compared: full-width forms folded (NFKC), case and every space and
    punctuation mark dropped — "《新技术》培训 " and "新技术培训" are the same title."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(ch for ch in folded if ch.isalnum())


def similar_titles(a: str, b: str) -> bool:
    na, nb = normalised_title(a), normalised_title(b)
    if not na or not nb:
        return False
    if na == nb or na in nb or nb in na:
        return True
    return SequenceMatcher(None, na, nb).ratio() >= SIMILAR_TITLE


def days_of(start: dt.date, end: dt.date) -> int:
    """Calendar days from start to end, both counted."""
    return (end - start).days + 1


def _overlap(a: Learning, b: Learning) -> bool:
    return a.start <= b.end and b.start <= a.end


def _same_provider(a: Learning, b: Learning) -> bool:
    pa, pb = normalised_title(a.provider), normalised_title(b.provider)
    return bool(pa) and pa == pb


def is_exact_duplicate(entry: Learning, other: Learning) -> bool:
    """The same learning entered again: the same class, or the same category, title, dates
    and hours."""
    if entry.class_id is not None and entry.class_id == other.class_id:
        return True
    return (
        entry.category == other.category
        and entry.start == other.start
        and entry.end == other.end
        and entry.hours == other.hours
        and normalised_title(entry.content) == normalised_title(other.content)
    )


def _name(other: Learning) -> str:
    return other.label or f"“{other.content}”（{other.start}—{other.end}，{other.hours} 学时）"


def hours_above_days(entry: Learning, cap: DailyCap) -> Finding | None:
    """Hours above days times the daily cap."""
    days = days_of(entry.start, entry.end)
    most = cap.hours * days
    if entry.hours <= most:
        return None
    return Finding(
        FlagKind.HOURS_ABOVE_DAYS,
        f"{entry.start}—{entry.end} 共 {days} 天，最多计 {most.normalize():f} 学时，"
        f"申报 {entry.hours.normalize():f} 学时。依据：{cap.source}",
    )


def check_entry(entry: Learning, existing: Iterable[Learning], cap: DailyCap) -> list[Finding]:
    """Every finding of ``entry`` against the person's other records (``existing``: those
    that still count or may count — not rejected ones). An exact duplicate comes first and
    alone: the entry is refused, the rest does not matter."""
    others = [o for o in existing if o.key is None or o.key != entry.key]
    for other in others:
        if is_exact_duplicate(entry, other):
            return [
                Finding(
                    FlagKind.EXACT_DUPLICATE,
                    f"与已有记录{_name(other)}重复，同一学习不能重复登记。",
                    other=other.key,
                    refuse=True,
                )
            ]
    findings: list[Finding] = []
    above = hours_above_days(entry, cap)
    if above is not None:
        findings.append(above)
    for other in others:
        if not _overlap(entry, other):
            continue
        if similar_titles(entry.content, other.content) or _same_provider(entry, other):
            findings.append(
                Finding(
                    FlagKind.NEAR_DUPLICATE,
                    f"与已有记录{_name(other)}日期重叠且名称相近或施教机构相同，疑似重复。",
                    other=other.key,
                )
            )
        elif (
            entry.face_to_face
            and other.face_to_face
            and days_of(entry.start, entry.end) <= LONGEST_CLASS_DAYS
            and days_of(other.start, other.end) <= LONGEST_CLASS_DAYS
        ):
            findings.append(
                Finding(
                    FlagKind.OVERLAP,
                    f"与已有面授记录{_name(other)}时间重叠，同一时间不能参加两项面授学习。",
                    other=other.key,
                )
            )
    return findings


def evidence_reused(
    *, person: int, year: int, uses: Iterable[tuple[int, int, int, str]]
) -> list[Finding]:
    """The same file attached elsewhere: ``uses`` are (record, person, year, label) of the
    records that already carry one of the entry's files. Another person's, or another year
    of the same person's, is flagged; the same person's same year is a second record of
    that learning, which the duplicate checks see."""
    findings = []
    for record, owner, owner_year, label in uses:
        if owner != person:
            why = "另一名专业技术人员的记录"
        elif owner_year != year:
            why = f"本人 {owner_year} 年度的记录"
        else:
            continue
        findings.append(
            Finding(
                FlagKind.EVIDENCE_REUSED,
                f"证明材料与{why}{label}使用的文件完全相同（SHA-256 一致）。",
                other=record,
            )
        )
    return findings
