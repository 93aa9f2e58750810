""" "My year": a person's verdict laid out for them, requirement by requirement with its
clause, and every record with where it stands."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from xueshi import clock
from xueshi.compliance.bridge import person_year_records, person_year_verdict
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules import NoRequirement, PolicyError, Reason, Record, Verdict
from xueshi.rules.counting import COUNTED_STATES, PENDING_STATES, UNREAD_STATES
from xueshi.rules.policy import Reference
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.verdict import UNIT_LABELS, RequirementResult, fmt
from xueshi.rules.workflow import RecordState

# --- "My year": the verdict laid out for the person ------------------------------------------


def record_years(professional: Professional) -> list[int]:
    """The credited years the person has declared or been entered records for, newest first."""
    return list(
        HourRecord.objects.filter(professional=professional)
        .exclude(status__in=UNREAD_STATES)
        .order_by("-credited_year")
        .values_list("credited_year", flat=True)
        .distinct()
    )


def default_year(years: list[int]) -> int:
    """The latest year with records, else the current year."""
    return years[0] if years else clock.year()


def result_sentence(result: RequirementResult) -> str:
    """One requirement against what counted, worded as ``xueshi.rules.verdict.explain``."""
    req = result.requirement
    unit = UNIT_LABELS.get(req.unit, req.unit)
    text = f"要求不少于 {fmt(req.required)} {unit}，已认定 {fmt(result.counted)} {unit}"
    if result.met:
        return text + "，已满足。"
    if result.shortfall == result.gap:
        return text + f"，尚缺 {fmt(result.gap)} {unit}。"
    if result.shortfall == 0:
        return text + f"，尚缺 {fmt(result.gap)} {unit}，随上列各类别补足即可。"
    covered = result.gap - result.shortfall
    return text + (
        f"，尚缺 {fmt(result.gap)} {unit}：其中 {fmt(covered)} {unit}随上列各类别补足，"
        f"另需 {fmt(result.shortfall)} {unit}（任一类别均可）。"
    )


def shortfall_summary(verdict: Verdict) -> str:
    """What is still to earn, requirement by requirement (the shortfalls add up)."""
    parts: list[str] = []
    for result in verdict.results:
        if result.shortfall > 0:
            unit = UNIT_LABELS.get(result.requirement.unit, result.requirement.unit)
            title = result.requirement.title
            if result.requirement.key == "total" and parts:
                parts.append(f"另需任一类别 {fmt(result.shortfall)} {unit}")
            else:
                parts.append(f"{title} {fmt(result.shortfall)} {unit}")
    unmet = [c.text for c in verdict.conditions if not c.met]
    parts += [f"未满足“{text}”" for text in unmet]
    return "；".join(parts)


def chain_position(record: HourRecord) -> str:
    """Where a pending record is in its review chain, in words."""
    steps = [ChainRole(r) for r in (record.chain or {}).get("steps", [])]
    if record.status == RecordState.RETURNED:
        reason = f"：{record.last_comment}" if record.last_comment else ""
        return f"已退回修改{reason}（修改后请重新提交）"
    if record.step < len(steps):
        done = "、".join(r.label for r in steps[: record.step])
        passed = f"{done}已审核通过，" if done else ""
        return f"{passed}待{steps[record.step].label}审核（第 {record.step + 1}/{len(steps)} 步）"
    return "审核中"


def _amount(record: HourRecord, amount: Decimal | None = None) -> str:
    """Hours or credits as counted: “20 学时”, “12 分”."""
    if record.category:
        return f"{fmt(record.hours if amount is None else amount)} 学时"
    return f"{fmt(record.credits if amount is None else amount)} 分"


@dataclass(frozen=True)
class RequirementRow:
    title: str
    required: str
    counted: str
    gap: str
    shortfall: str
    met: bool
    unit: str
    region_code: str
    region_name: str
    reference: Reference
    sentence: str


@dataclass(frozen=True)
class RecordRow:
    record: HourRecord
    message: str = ""
    counted: str = ""


@dataclass
class PersonYear:
    """Everything the "my year" page shows for one person and one year (or cycle)."""

    professional: Professional
    year: int
    years: tuple[int, ...]
    verdict: Verdict | None
    no_requirement: str = ""
    rows: list[RequirementRow] = field(default_factory=list)
    summary: str = ""
    counted: list[RecordRow] = field(default_factory=list)
    pending: list[RecordRow] = field(default_factory=list)
    not_counted: list[RecordRow] = field(default_factory=list)
    extra_notes: list[str] = field(default_factory=list)  # why an ``extra`` record did not count

    @property
    def is_cycle(self) -> bool:
        return len(self.years) > 1

    @property
    def compliant(self) -> bool:
        return self.verdict is not None and self.verdict.compliant

    @property
    def status_label(self) -> str:
        """已达标, 未达标, or 无法判定 where a figure a clause relies on is not in the data."""
        return self.verdict.status_label if self.verdict is not None else "未达标"


def person_year(
    professional: Professional,
    year: int,
    extra: Sequence[Record] = (),
    as_of: dt.date | None = None,
) -> PersonYear:
    """The verdict of the year laid out for the person: requirements with their clauses, the
    records that counted, those pending (with where they stand) and those that did not count
    (with the reason). ``extra``: records to judge as if the person had them (a what-if;
    they are not listed among the records). ``as_of``: from the records as they stood at the
    end of that day (compliance.bridge.person_year_records)."""
    policy = current_policy()
    try:
        verdict, records = person_year_verdict(professional, year, extra, as_of)
    except PolicyError as exc:
        if isinstance(exc, NoRequirement):
            message = (
                f"按现行政策，{professional.region.name}{year} 年度没有适用于您"
                f"（{person_of(professional).describe()}）的继续教育学时要求，"
                "无需核查是否达标。下列记录仍予保存。"
            )
        else:
            message = f"系统尚未收录{professional.region.name}的继续教育政策，暂无法核查是否达标。"
        records = person_year_records(professional, year, as_of)
        mine = [r for r in records if r.credited_year == year]
        return PersonYear(
            professional=professional,
            year=year,
            years=(year,),
            verdict=None,
            no_requirement=message,
            pending=[RecordRow(r, chain_position(r)) for r in mine if r.status in PENDING_STATES],
            counted=[RecordRow(r, counted=_amount(r)) for r in mine if r.status in COUNTED_STATES],
            not_counted=[
                RecordRow(r, f"审核未通过，不计入。{r.last_comment}".strip())
                for r in mine
                if r.status == RecordState.REJECTED
            ],
        )

    rows = [
        RequirementRow(
            title=r.requirement.title,
            required=fmt(r.requirement.required),
            counted=fmt(r.counted),
            gap=fmt(r.gap),
            shortfall=fmt(r.shortfall),
            met=r.met,
            unit=UNIT_LABELS.get(r.requirement.unit, r.requirement.unit),
            region_code=r.requirement.region,
            region_name=policy.region(r.requirement.region).name,
            reference=r.requirement.reference,
            sentence=result_sentence(r),
        )
        for r in verdict.results
    ]
    notes = {note.index: note for note in verdict.notes}
    counted, pending, not_counted = [], [], []
    for index, record in enumerate(records):
        if record.credited_year not in verdict.years:
            continue  # another year's record, read only for a cycle's look-back
        note = notes.get(index)
        if note is None:
            counted.append(RecordRow(record, counted=_amount(record)))
        elif note.reason is Reason.PENDING:
            pending.append(RecordRow(record, chain_position(record)))
        elif note.reason is Reason.OVER_CAP:
            counted.append(RecordRow(record, note.message, _amount(record, note.counted)))
        else:
            message = note.message
            if note.reason is Reason.REJECTED and record.last_comment:
                message += f"审核意见：{record.last_comment}"
            if note.reference is not None:  # every refusal says the clause it comes from
                message += f"依据：{note.reference.citation}"
            not_counted.append(RecordRow(record, message))
    return PersonYear(
        professional=professional,
        year=year,
        years=verdict.years,
        verdict=verdict,
        rows=rows,
        summary=shortfall_summary(verdict),
        counted=counted,
        pending=pending,
        not_counted=not_counted,
        extra_notes=[n.message for n in verdict.notes if n.index >= len(records)],
    )
