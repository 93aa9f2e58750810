"""Row-by-row validation of a batch file: every row gets a result or its errors, in Chinese.

Nothing here writes; ``services.hour_batch_upload`` enters the rows only when no row has
an error (all or nothing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from xueshi.errors import ServiceError
from xueshi.organisations.validators import mask_ric, normalise_ric
from xueshi.people.models import Professional
from xueshi.records.services import chain_for
from xueshi.rules.terms import Category
from xueshi.rules.terms import Role as ChainRole
from xueshi.training.excel import SheetRow
from xueshi.training.models import ClassPlan, Enrollment

# Row results, as stored in HourBatch.report.
ERROR = "error"
FAILED = "failed"  # valid, below the pass mark: not entered, not an error
PASSED = "passed"  # valid, to be entered
CREATED = "created"
UNCHANGED = "unchanged"

BELOW_PASS_MARK = "未达合格分数，不登记"


@dataclass
class CheckedRow:
    number: int
    name: str
    masked_id: str
    score_text: str
    errors: list[str] = field(default_factory=list)
    result: str = ERROR
    message: str = ""
    score: Decimal | None = None
    enrollment: Enrollment | None = None

    def as_report(self) -> dict[str, Any]:
        return {
            "row": self.number,
            "name": self.name,
            "id": self.masked_id,
            "score": self.score_text,
            "result": self.result,
            "message": "；".join(self.errors) if self.errors else self.message,
        }


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _name(value: Any) -> str:
    return "".join(_text(value).split())


def parse_score(value: Any) -> tuple[Decimal | None, str | None]:
    """The score as a Decimal with at most one decimal place, or the error to report."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "未填写考核成绩"
    if isinstance(value, (bool, dt.date | dt.datetime | dt.time)):
        return None, "考核成绩不是数字"
    try:
        score = Decimal(str(value).strip())
    except InvalidOperation:
        return None, f"考核成绩“{_text(value)[:20]}”不是数字"
    if not score.is_finite():
        return None, "考核成绩不是数字"
    if not Decimal(0) <= score <= Decimal(100):
        return None, f"考核成绩 {_text(value)} 超出 0–100 的范围"
    if score != score.quantize(Decimal("0.1")):
        return None, f"考核成绩 {_text(value)} 最多保留一位小数"
    return score.quantize(Decimal("0.1")), None


def _id_number(value: Any) -> tuple[str | None, str, str | None]:
    """(normalised ID or None, what to show, error)."""
    numeric = isinstance(value, int | float) and not isinstance(value, bool)
    raw = _text(value)
    try:
        number = normalise_ric(raw)
    except ValidationError as exc:
        message = "；".join(exc.messages).rstrip("。")
        if numeric and raw:
            message += "（该单元格是数字格式，Excel 已丢失末几位：请将此列设为文本后重新填写）"
        return None, mask_ric(raw), message
    return number, mask_ric(number), None


def check_rows(plan: ClassPlan, rows: list[SheetRow], *, entered: set[int]) -> list[CheckedRow]:
    """Validate every row of the file against the class and the register of people.

    ``entered``: professionals whose hours for this class are already entered.
    """
    numbers = [_id_number(r.id_number) for r in rows]
    ids = {n for n, _, _ in numbers if n is not None}
    people = {p.id_number: p for p in Professional.objects.filter(id_number__in=ids)}
    enrollments = {e.professional_id: e for e in plan.enrollments.all()}
    seen: dict[str, int] = {}
    chains: dict[tuple[str, str, str, str], str | None] = {}
    checked = []
    for row, (number, shown, id_error) in zip(rows, numbers, strict=True):
        name = _name(row.name)
        line = CheckedRow(row.number, name, shown, _text(row.score))
        if not name:
            line.errors.append("姓名为空")
        if id_error:
            line.errors.append(id_error)
        person = None
        if number is not None:
            if number in seen:
                line.errors.append(f"公民身份号码与第 {seen[number]} 行重复")
            else:
                seen[number] = row.number
                person = people.get(number)
                if person is None:
                    line.errors.append("该公民身份号码未在系统中注册")
                elif name and _name(person.full_name) != name:
                    line.errors.append("姓名与公民身份号码不符")
                elif person.pk not in enrollments:
                    line.errors.append("该学员未报名本培训班")
                else:
                    line.enrollment = enrollments[person.pk]
        score, score_error = parse_score(row.score)
        if score_error:
            line.errors.append(score_error)
        line.score = score
        if line.errors or line.enrollment is None or score is None:
            line.result = ERROR
        elif score < plan.pass_mark:
            if line.enrollment.professional_id in entered:
                line.errors.append(
                    f"该学员学时已登记，成绩不能改为不合格（合格分数 {plan.pass_mark}）"
                )
            else:
                line.result, line.message = FAILED, BELOW_PASS_MARK
        else:
            assert person is not None
            refusal = _provider_may_enter(plan, person, chains)
            if refusal:
                line.errors.append(refusal)
            else:
                line.result, line.message = PASSED, "合格，待登记"
        checked.append(line)
    return checked


def _provider_may_enter(
    plan: ClassPlan, person: Professional, cache: dict[tuple[str, str, str, str], str | None]
) -> str | None:
    """Why the provider may not enter this learner's hours of the class, or None.

    The policy's review chain of the credited year says who enters each category (S9, G3,
    P3): in Guangdong from 2018-11 professional hours are declared by the person.
    """
    key = (person.region_id, person.series, person.title_level, person.institution_level)
    if key not in cache:
        try:
            chain = chain_for(person, plan.category, plan.end_date.year)
        except ServiceError as exc:
            cache[key] = exc.message.rstrip("。")
        else:
            if ChainRole.PROVIDER in chain.entered_by:
                cache[key] = None
            else:
                who = "、".join(r.label for r in chain.entered_by)
                cache[key] = (
                    f"该学员的{Category(plan.category).label}学时由{who}登记，"
                    f"施教机构不能批量登记（依据：{chain.reference.citation}）"
                )
    return cache[key]
