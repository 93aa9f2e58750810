"""Deadlines and verification days, computed from policy data and the working-day calendar."""

from __future__ import annotations

import calendar as gregorian
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from .periods import assessment_date
from .policy import Policy, Reference, Resolved
from .strict_yaml import PolicyError


class RuleNotSet(PolicyError):
    """The policy of the region sets no such rule at that date."""


class DeadlineRule(StrEnum):
    CLASS_FILING = "class_filing"  # date = the class's first day
    HOURS_ENTRY = "hours_entry"  # date = the class's last day
    PUBLIC_PLAN = "public_plan"  # year
    ANNUAL_PLAN = "annual_plan"  # year
    VERIFICATION_ROSTER = "verification_roster"  # year (the year verified)
    ANNUAL_SUMMARY = "annual_summary"  # year
    FACE_TO_FACE_ENROLMENT = "face_to_face_enrolment"  # year

    @property
    def label(self) -> str:
        return {
            "class_filing": "开班备案",
            "hours_entry": "学时登记",
            "public_plan": "公需科目开班计划报送",
            "annual_plan": "年度办班计划报送",
            "verification_roster": "验证花名册报送",
            "annual_summary": "年度工作总结报送",
            "face_to_face_enrolment": "公需科目面授培训报名",
        }[self.value]

    @property
    def yearly(self) -> bool:
        return self not in (DeadlineRule.CLASS_FILING, DeadlineRule.HOURS_ENTRY)


@dataclass(frozen=True, slots=True)
class Deadline:
    rule: DeadlineRule
    due: dt.date
    opens: dt.date | None
    reference: Reference
    region: str
    explanation: str


def _get(policy: Policy, name: str, region: str, day: dt.date) -> Resolved:
    resolved = policy.resolve(name, region, day)
    if resolved is None:
        raise RuleNotSet(
            f"{policy.region(region).name}（{region}）在 {day} 没有“{name}”的规定 "
            f"(no {name} rule in force)"
        )
    return resolved


def _yearly(year: int, spec: dict[str, object]) -> dt.date:
    year += int(spec.get("year_offset", 0))  # type: ignore[call-overload]
    month = int(spec["month"])  # type: ignore[call-overload]
    last = gregorian.monthrange(year, month)[1]
    day = last if spec["day"] == "last" else min(int(spec["day"]), last)  # type: ignore[call-overload]
    return dt.date(year, month, day)


TITLE_EVALUATION_CANDIDATES = "title_evaluation_candidates"


class NotForThisPerson(RuleNotSet):
    """The rule is set for some people only (Guangde's window: those in title evaluation)."""

    def __init__(self, message: str, reference: Reference):
        super().__init__(message)
        self.reference = reference


def deadline(
    policy: Policy,
    rule: DeadlineRule | str,
    region: str,
    *,
    date: dt.date | None = None,
    year: int | None = None,
    in_evaluation: bool | None = None,
) -> Deadline:
    """When ``rule`` falls due in ``region``.

    ``class_filing`` takes the class's first day and gives the last day to file;
    ``hours_entry`` takes its last day and gives the last day to enter hours; the yearly
    rules take the ``year`` they concern. A rule set only for those in title evaluation that
    year (Guangde G4) applies when ``in_evaluation`` is true or not known (None: the rule as
    published); for anyone else it raises ``NotForThisPerson`` citing the clause.
    """
    rule = DeadlineRule(rule)
    name = f"deadline.{rule.value}"
    if rule.yearly:
        if year is None:
            raise ValueError(f"{rule.value} 需要年份 (needs a year)")
        resolved = _get(policy, name, region, assessment_date(year))
        spec = resolved.value
        for_candidates = spec.get("applies_to") == TITLE_EVALUATION_CANDIDATES
        if for_candidates and in_evaluation is False:
            raise NotForThisPerson(
                f"{year} 年度{rule.label}时间仅对当年参加专业技术资格评审（考试）的人员规定；"
                f"其他人员具体时间另行通知。依据：{resolved.reference}",
                resolved.reference,
            )
        due = _yearly(year, spec)
        opens = _yearly(year, spec["opens"]) if "opens" in spec else None
        who = "（当年参加职称评审人员）" if for_candidates else ""
        window = f"{opens} 起、" if opens else ""
        explanation = f"{year} 年度{rule.label}{who}：{window}{due} 前完成。"
        return Deadline(rule, due, opens, resolved.reference, resolved.region, explanation)
    if date is None:
        raise ValueError(f"{rule.value} 需要日期 (needs a date)")
    resolved = _get(policy, name, region, date)
    spec = resolved.value
    days = int(spec["days"])
    working = spec["count"] == "working"
    sign = -1 if rule is DeadlineRule.CLASS_FILING else 1
    if working:
        due = policy.calendar.shift_working_days(date, sign * days)
    else:
        due = date + dt.timedelta(days=sign * days)
    unit = "个工作日" if working else "天"
    if rule is DeadlineRule.CLASS_FILING:
        explanation = f"开班日期 {date}，须提前 {days} {unit}备案，最迟 {due}。"
    else:
        explanation = f"结班日期 {date}，须在 {days} {unit}内完成学时登记，最迟 {due}。"
    return Deadline(rule, due, None, resolved.reference, resolved.region, explanation)


def verification_days(policy: Policy, region: str, year: int, month: int) -> list[dt.date]:
    """The days of a month the bureau accepts certificates for verification (S12).

    Each listed day counts if the rule is in force on it (the Shantou notice of 2014-04-11
    gives April 2014 its 15th, 20th, 25th and 30th, not its 10th), rolled to the next
    working day.
    """
    last = gregorian.monthrange(year, month)[1]
    days: set[dt.date] = set()
    in_force = False
    for number in range(1, last + 1):
        day = dt.date(year, month, number)
        resolved = policy.resolve("verification.days", region, day)
        if resolved is None:
            continue
        in_force = True
        if number in resolved.value["days_of_month"]:
            days.add(policy.calendar.next_working_day(day))
    if not in_force:
        _get(policy, "verification.days", region, dt.date(year, month, 1))
    return sorted(days)


def verification_days_reference(policy: Policy, region: str, year: int, month: int) -> Reference:
    """The clause of the month's verification days (the rule in force on its last day that
    has one: a rule that starts within the month, like Shantou's of 04-11, is found)."""
    last = gregorian.monthrange(year, month)[1]
    for number in range(last, 0, -1):
        resolved = policy.resolve("verification.days", region, dt.date(year, month, number))
        if resolved is not None:
            return resolved.reference
    return _get(policy, "verification.days", region, dt.date(year, month, 1)).reference
