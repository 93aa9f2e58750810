"""A verdict with reasons: what was required, what counted, what is missing and why."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from .policy import Reference
from .terms import Person, Record

UNIT_LABELS = {"hour": "学时", "credit": "学分", "course": "门"}


class Key(StrEnum):
    """Requirement keys; also the keys of a shortfall (the case-file contract)."""

    TOTAL = "total"
    PUBLIC = "public"
    PUBLIC_REQUIRED = "public_required"
    PROFESSIONAL = "professional"
    ELECTIVE = "elective"
    CREDITS = "credits"


KEY_LABELS = {
    Key.TOTAL: "总学时",
    Key.PUBLIC: "公需科目",
    Key.PUBLIC_REQUIRED: "公需科目必修",
    Key.PROFESSIONAL: "专业科目",
    Key.ELECTIVE: "选修科目",
    Key.CREDITS: "学分",
}


class Reason(StrEnum):
    """Why a record did not count, or counted only in part."""

    PENDING = "pending"
    REJECTED = "rejected"
    OUTSIDE_PERIOD = "outside_period"
    CATEGORY_NOT_RECOGNISED = "category_not_recognised"
    # The category counts in the period, but not on the day the hours were taken (a period
    # that straddles a change of what counts, docs/adr/0006).
    CATEGORY_NOT_IN_FORCE = "category_not_in_force"
    MAKEUP_REFUSED = "makeup_refused"
    TAKEN_BEFORE_PERIOD = "taken_before_period"
    OVER_CAP = "over_cap"
    CREDITS_NOT_USED = "credits_not_used"
    HOURS_NOT_USED = "hours_not_used"


@dataclass(frozen=True, slots=True)
class Requirement:
    key: Key
    required: Decimal
    unit: str
    reference: Reference
    region: str
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or KEY_LABELS[self.key]


@dataclass(frozen=True, slots=True)
class RequirementResult:
    """One requirement against what counted.

    ``gap`` is required - counted. ``shortfall`` is what is still missing *for this
    requirement alone*: for the total, the hours still needed beyond those the category
    shortfalls already ask for (90 h required, 48 counted, professional short by 30 → the
    total's shortfall is 12), so that the shortfalls add up to the hours still to earn.
    """

    requirement: Requirement
    counted: Decimal
    shortfall: Decimal

    @property
    def gap(self) -> Decimal:
        return max(self.requirement.required - self.counted, Decimal(0))

    @property
    def met(self) -> bool:
        return self.counted >= self.requirement.required


@dataclass(frozen=True, slots=True)
class Condition:
    """A requirement that is not a figure (“one centralised training per cycle”)."""

    code: str
    text: str
    met: bool
    reference: Reference


@dataclass(frozen=True, slots=True)
class Undecided:
    """A figure the verdict needs and the data does not give: which, and who sets it."""

    figure: str
    set_by: str
    reference: Reference

    @property
    def text(self) -> str:
        return f"{self.figure}未在政策数据中给出，应由{self.set_by}规定"


@dataclass(frozen=True, slots=True)
class RecordNote:
    index: int  # position of the record in the input, from 0
    record: Record
    reason: Reason
    message: str
    counted: Decimal = Decimal(0)  # the part that did count (over a cap), else 0
    reference: Reference | None = None


@dataclass(frozen=True, slots=True)
class Verdict:
    region: str
    region_name: str
    year: int
    years: tuple[int, ...]  # the period assessed: one year, or the years of a cycle
    person: Person
    results: tuple[RequirementResult, ...]
    conditions: tuple[Condition, ...]
    counted: dict[str, Decimal]
    notes: tuple[RecordNote, ...]
    remarks: tuple[str, ...]
    policy_version: str
    undecided: tuple[Undecided, ...] = ()

    @property
    def decided(self) -> bool:
        """False where a figure a clause relies on is not in the data (无法判定)."""
        return not self.undecided

    @property
    def compliant(self) -> bool:
        """Met, on every requirement and condition, and decidable: never 已达标 on a guess."""
        return (
            self.decided
            and all(r.met for r in self.results)
            and all(c.met for c in self.conditions)
        )

    @property
    def status_label(self) -> str:
        if not self.decided:
            return "无法判定"
        return "已达标" if self.compliant else "未达标"

    @property
    def shortfall(self) -> dict[str, Decimal]:
        return {str(r.requirement.key): r.shortfall for r in self.results if r.shortfall > 0}

    @property
    def pending(self) -> tuple[RecordNote, ...]:
        return tuple(n for n in self.notes if n.reason is Reason.PENDING)

    @property
    def not_counted(self) -> tuple[RecordNote, ...]:
        return tuple(n for n in self.notes if n.reason is not Reason.PENDING)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (numbers as strings, so nothing is lost to floats)."""
        return {
            "region": self.region,
            "year": self.year,
            "years": list(self.years),
            "compliant": self.compliant,
            "decided": self.decided,
            "undecided": [
                {"figure": u.figure, "set_by": u.set_by, "reference": str(u.reference)}
                for u in self.undecided
            ],
            "policy_version": self.policy_version,
            "counted": {k: str(v) for k, v in self.counted.items()},
            "shortfall": {k: str(v) for k, v in self.shortfall.items()},
            "requirements": [
                {
                    "key": str(r.requirement.key),
                    "label": r.requirement.title,
                    "required": str(r.requirement.required),
                    "counted": str(r.counted),
                    "gap": str(r.gap),
                    "shortfall": str(r.shortfall),
                    "unit": r.requirement.unit,
                    "region": r.requirement.region,
                    "reference": str(r.requirement.reference),
                }
                for r in self.results
            ],
            "conditions": [
                {"code": c.code, "text": c.text, "met": c.met, "reference": str(c.reference)}
                for c in self.conditions
            ],
            "records_not_counted": [
                {
                    "index": n.index,
                    "reason": str(n.reason),
                    "message": n.message,
                    "counted": str(n.counted),
                    "reference": str(n.reference) if n.reference else None,
                }
                for n in self.notes
            ],
            "remarks": list(self.remarks),
        }


def fmt(number: Decimal) -> str:
    """A figure as people write it: 72, 20.5 — never 72.00 or 7.2E+1."""
    text = format(number.normalize(), "f")
    return text


def describe_record(record: Record) -> str:
    if record.is_credit:
        cls = f"{record.credit_class}类" if record.credit_class else ""
        mode = "远程" if record.mode == "online" else ""
        return f"{mode}{cls}学分 {fmt(record.credits)} 分"
    assert record.category is not None
    required = "（必修）" if record.required else ""
    mode = "网络" if record.mode == "online" else "面授"
    hours = fmt(record.hours)
    return f"{record.category.label}{required} {hours} 学时（{mode}，{record.credited_year}年度）"


def explain(verdict: Verdict) -> str:
    """The verdict in Chinese, with the clause behind every requirement."""
    who = verdict.person.describe() if verdict.person != Person() else ""
    if len(verdict.years) > 1:
        period = f"{verdict.years[0]}–{verdict.years[-1]} 周期"
    else:
        period = f"{verdict.year} 年度"
    status = verdict.status_label
    lines = [
        f"{verdict.region_name}（{verdict.region}）{period}{' · ' + who if who else ''}：{status}"
    ]
    for result in verdict.results:
        req = result.requirement
        unit = UNIT_LABELS.get(req.unit, req.unit)
        line = (
            f"  {req.title}：要求不少于 {fmt(req.required)} {unit}，"
            f"已认定 {fmt(result.counted)} {unit}"
        )
        if result.met:
            line += "，已满足。"
        elif result.shortfall == result.gap:
            line += f"，尚缺 {fmt(result.gap)} {unit}。"
        else:
            covered = result.gap - result.shortfall
            line += (
                f"，尚缺 {fmt(result.gap)} {unit}：其中 {fmt(covered)} {unit}"
                f"随上列各类别补足，另需 {fmt(result.shortfall)} {unit}（任一类别均可）。"
            )
        lines.append(line)
        lines.append(f"    依据：{req.reference}")
    for condition in verdict.conditions:
        lines.append(f"  {condition.text}：{'已满足' if condition.met else '未满足'}。")
        lines.append(f"    依据：{condition.reference}")
    for undecided in verdict.undecided:
        lines.append(f"  无法判定：{undecided.text}。")
        lines.append(f"    依据：{undecided.reference}")
    if verdict.notes:
        lines.append("  未计入或部分计入的记录：")
        for note in verdict.notes:
            lines.append(
                f"    第 {note.index + 1} 条 {describe_record(note.record)}：{note.message}"
            )
            if note.reference is not None:
                lines.append(f"      依据：{note.reference}")
    for remark in verdict.remarks:
        lines.append(f"  说明：{remark}")
    return "\n".join(lines)
