"""The parameters policy data may set: name, unit, and how a value is checked.

A parameter unknown here is an error when the policy loads, so a typo in a file can never
silently leave a requirement unset.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from .terms import Category, InstitutionLevel, Role, TitleLevel


class ValueInvalid(ValueError):
    """A parameter value has the wrong shape; the loader adds file and line."""


@dataclass(frozen=True, slots=True)
class ShareOfTotal:
    """A minimum set as a share of the total requirement (“总学时的三分之二”)."""

    share: Fraction


@dataclass(frozen=True, slots=True)
class ReviewChain:
    """Who may enter a record of a category, and who reviews it, in order."""

    entered_by: tuple[Role, ...]
    steps: tuple[Role, ...]


def _number(raw: Any) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise ValueInvalid(f"应为数字 (expected a number), got {raw!r}")
    try:
        value = Decimal(str(raw))
    except InvalidOperation as exc:
        raise ValueInvalid(f"应为数字 (expected a number), got {raw!r}") from exc
    if value < 0:
        raise ValueInvalid(f"不能为负数 (must not be negative): {raw!r}")
    return value


def _minimum(raw: Any) -> Decimal | ShareOfTotal:
    if isinstance(raw, dict):
        _keys(raw, {"share_of_total"}, {"share_of_total"})
        try:
            share = Fraction(str(raw["share_of_total"]))
        except (ValueError, ZeroDivisionError) as exc:
            raise ValueInvalid(
                f"share_of_total 应为分数，如 2/3: {raw['share_of_total']!r}"
            ) from exc
        if not 0 < share <= 1:
            raise ValueInvalid(f"share_of_total 应在 0 与 1 之间: {share}")
        return ShareOfTotal(share)
    return _number(raw)


def _categories(raw: Any) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueInvalid(f"应为类别列表 (expected a list of categories), got {raw!r}")
    result = tuple(_enum(Category, item) for item in raw)
    if len(set(result)) != len(result):
        raise ValueInvalid(f"类别重复 (duplicate category) in {raw!r}")
    return result


def _enum(enum: Any, raw: Any) -> Any:
    try:
        return enum(raw)
    except ValueError:
        allowed = " | ".join(str(m.value) for m in enum)
        raise ValueInvalid(f"未知的取值 {raw!r}，应为 {allowed}") from None


def _keys(raw: dict[str, Any], allowed: set[str], required: set[str]) -> None:
    unknown = set(raw) - allowed
    if unknown:
        raise ValueInvalid(f"未知的键 (unknown key) {sorted(unknown)}; allowed: {sorted(allowed)}")
    missing = required - set(raw)
    if missing:
        raise ValueInvalid(f"缺少键 (missing key) {sorted(missing)}")


def _mapping(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise ValueInvalid(f"应为映射 (expected a mapping), got {raw!r}")
    return raw


def _chain(raw: Any) -> ReviewChain:
    raw = _mapping(raw)
    _keys(raw, {"entered_by", "steps"}, {"entered_by", "steps"})
    for key in ("entered_by", "steps"):
        if not isinstance(raw[key], list):
            raise ValueInvalid(f"{key} 应为角色列表 (expected a list of roles)")
    return ReviewChain(
        entered_by=tuple(_enum(Role, r) for r in raw["entered_by"]),
        steps=tuple(_enum(Role, r) for r in raw["steps"]),
    )


@dataclass(frozen=True, slots=True)
class VerificationStep:
    """One step of a verification path: what is done (初审, 审核验印, 验证…) and by whom.
    More than one role: the bodies act jointly (会同) and each stamps before the step is done."""

    act: str
    by: tuple[Role, ...]
    seal: str = ""


@dataclass(frozen=True, slots=True)
class VerificationPathValue:
    """Who verifies, in order, with the words of the clause that says so."""

    steps: tuple[VerificationStep, ...]
    clause: str


def _verification_path(raw: Any) -> VerificationPathValue:
    raw = _mapping(raw)
    _keys(raw, {"steps", "clause"}, {"steps", "clause"})
    if not isinstance(raw["clause"], str) or not raw["clause"].strip():
        raise ValueInvalid("clause 应为条文原文 (the words of the clause)")
    if not isinstance(raw["steps"], list) or not raw["steps"]:
        raise ValueInvalid("steps 应为步骤列表 (expected a list of steps)")
    steps = []
    for item in raw["steps"]:
        item = _mapping(item)
        _keys(item, {"act", "by", "seal"}, {"act", "by"})
        if not isinstance(item["act"], str) or not item["act"].strip():
            raise ValueInvalid("act 应为文字，如 初审、验证")
        if not isinstance(item["by"], list) or not item["by"]:
            raise ValueInvalid("by 应为角色列表 (expected a list of roles)")
        roles = tuple(_enum(Role, r) for r in item["by"])
        if len(set(roles)) != len(roles):
            raise ValueInvalid(f"角色重复 (duplicate role) in {item['by']!r}")
        steps.append(VerificationStep(item["act"], roles, str(item.get("seal", ""))))
    return VerificationPathValue(tuple(steps), raw["clause"])


def _cycle_consequence(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    _keys(raw, {"incomplete", "year_offset"}, {"incomplete", "year_offset"})
    _int(raw["year_offset"], 1, 5, "year_offset")
    withheld = raw["incomplete"]
    if not isinstance(withheld, list) or not withheld:
        raise ValueInvalid("incomplete 应为列表，如 [appointment, promotion]")
    for item in withheld:
        if item not in CONSEQUENCE_LABELS:
            allowed = " | ".join(CONSEQUENCE_LABELS)
            raise ValueInvalid(f"未知的取值 {item!r}，应为 {allowed}")
    return dict(raw)


# What a cycle not completed withholds (Luojiang §二(一): 不予评聘、晋升教师职务).
CONSEQUENCE_LABELS = {"appointment": "评聘", "promotion": "晋升"}


def _int(raw: Any, low: int, high: int, name: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not low <= raw <= high:
        raise ValueInvalid(f"{name} 应为 {low}–{high} 的整数, got {raw!r}")
    return raw


def _yearly_date(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    _keys(raw, {"month", "day", "year_offset", "opens", "applies_to"}, {"month", "day"})
    _int(raw["month"], 1, 12, "month")
    if raw["day"] != "last":
        _int(raw["day"], 1, 31, "day")
    _int(raw.get("year_offset", 0), 0, 1, "year_offset")
    if "opens" in raw:
        _yearly_date(raw["opens"])
    return dict(raw)


def _relative_deadline(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    _keys(raw, {"days", "count", "approver", "filed_with"}, {"days", "count"})
    _int(raw["days"], 1, 366, "days")
    if raw["count"] not in ("calendar", "working"):
        raise ValueInvalid(f"count 应为 calendar 或 working, got {raw['count']!r}")
    for key in ("approver", "filed_with"):
        if key in raw:
            _enum(Role, raw[key])
    return dict(raw)


def _verification_days(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    _keys(raw, {"days_of_month", "roll"}, {"days_of_month", "roll"})
    days = raw["days_of_month"]
    if not isinstance(days, list) or not days:
        raise ValueInvalid("days_of_month 应为日期列表")
    for day in days:
        _int(day, 1, 31, "days_of_month")
    if raw["roll"] != "next_working_day":
        raise ValueInvalid(f"roll 只支持 next_working_day, got {raw['roll']!r}")
    return dict(raw)


def _makeup(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    _keys(raw, {"allowed", "credited_years"}, {"allowed"})
    if not isinstance(raw["allowed"], bool):
        raise ValueInvalid("allowed 应为 true 或 false")
    if "credited_years" in raw:
        years = _mapping(raw["credited_years"])
        _keys(years, {"from", "until"}, {"from", "until"})
        _int(years["from"], 1990, 2100, "from")
        _int(years["until"], years["from"], 2100, "until")
    return dict(raw)


@dataclass(frozen=True, slots=True)
class UnstatedFigure:
    """A figure a clause relies on but does not give (“规定学时数”), and the body that sets it.

    Where one is in force the verdict cannot be decided from the data (无法判定)."""

    figure: str
    set_by: str


def _unstated(raw: Any) -> tuple[UnstatedFigure, ...]:
    if not isinstance(raw, list) or not raw:
        raise ValueInvalid(f"应为列表 (expected a list of figure/set_by), got {raw!r}")
    result = []
    for item in raw:
        item = _mapping(item)
        _keys(item, {"figure", "set_by"}, {"figure", "set_by"})
        if not all(isinstance(item[k], str) and item[k].strip() for k in ("figure", "set_by")):
            raise ValueInvalid("figure 与 set_by 应为非空文字")
        result.append(UnstatedFigure(item["figure"], item["set_by"]))
    return tuple(result)


def _boolean(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise ValueInvalid(f"应为 true 或 false, got {raw!r}")
    return raw


def _free_mapping(allowed: set[str], required: set[str]) -> Callable[[Any], dict[str, Any]]:
    def check(raw: Any) -> dict[str, Any]:
        raw = _mapping(raw)
        _keys(raw, allowed, required)
        return dict(raw)

    return check


def _training_window(raw: Any) -> dict[str, tuple[str, str]]:
    raw = _mapping(raw)
    result = {}
    for purpose, window in raw.items():
        window = _mapping(window)
        _keys(window, {"from", "until"}, {"from", "until"})
        result[purpose] = (str(window["from"]), str(window["until"]))
    return result


_ORGANISER_LEVELS = ("county", "city", "province")


def _promotion_training_level(raw: Any) -> dict[str, str]:
    """The lowest level of organiser whose training a promotion to each title level needs:
    {associate_senior: city, …} (Kaifeng §三: 中级晋副高、副高晋正高…市或市级以上)."""
    raw = _mapping(raw)
    for title, level in raw.items():
        _enum(TitleLevel, title)
        if level not in _ORGANISER_LEVELS:
            raise ValueInvalid(
                f"{title}: 组织层级应为 {' | '.join(_ORGANISER_LEVELS)}, got {level!r}"
            )
    return dict(raw)


def _percent(raw: Any) -> Decimal:
    value = _number(raw)
    if value > 100:
        raise ValueInvalid(f"百分比应在 0 与 100 之间: {raw!r}")
    return value


_PUBLISHERS = ("province", "city", "county", "provider")


def _online_courses(raw: Any) -> dict[str, tuple[str, ...]]:
    """``{categories: [...], published_by: [province | city | county | provider]}``: which
    online courses count, by their category and who published them (a bureau of a level,
    or a filed provider)."""
    raw = _mapping(raw)
    _keys(raw, {"categories", "published_by"}, {"categories", "published_by"})
    publishers = raw["published_by"]
    if not isinstance(publishers, list) or not publishers:
        raise ValueInvalid(f"published_by 应为列表 (expected a list), got {publishers!r}")
    for item in publishers:
        if item not in _PUBLISHERS:
            raise ValueInvalid(f"未知的取值 {item!r}，应为 {' | '.join(_PUBLISHERS)}")
    categories = tuple(c.value for c in _categories(raw["categories"]))
    return {"categories": categories, "published_by": tuple(publishers)}


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    name: str
    unit: str
    check: Callable[[Any], Any]
    label: str


_SPECS = [
    ParameterSpec("categories", "category", _categories, "继续教育科目类别"),
    ParameterSpec("hours.total", "hour", _number, "年度总学时"),
    ParameterSpec("hours.public", "hour", _number, "公需科目学时"),
    ParameterSpec("hours.public_required", "hour", _number, "公需科目必修学时"),
    ParameterSpec("hours.professional", "hour", _minimum, "专业科目学时"),
    ParameterSpec("hours.elective", "hour", _number, "选修科目学时"),
    ParameterSpec("credits.total", "credit", _number, "年度学分"),
    ParameterSpec("credits.remote_cap", "credit", _number, "远程继续医学教育学分上限"),
    ParameterSpec("credits.class_i", "credit", _number, "Ⅰ类学分"),
    ParameterSpec("credits.general_practice_per_cycle", "credit", _number, "任职周期全科医学学分"),
    ParameterSpec("cycle.years", "year", lambda raw: _int(raw, 1, 10, "cycle.years"), "学习周期"),
    ParameterSpec("cycle.public_required_courses", "course", _number, "周期内公共必修课"),
    ParameterSpec("cycle.centralised_training", "course", _number, "周期内集中脱产或远程培训"),
    ParameterSpec("figures.unstated", "rule", _unstated, "条文所依据而未给出的数额"),
    ParameterSpec("makeup", "rule", _makeup, "补修"),
    ParameterSpec("evidence.required", "category", _categories, "须上传证明材料的类别"),
    ParameterSpec("review_chain.public", "chain", _chain, "公需科目审核流程"),
    ParameterSpec("review_chain.professional", "chain", _chain, "专业科目审核流程"),
    ParameterSpec("review_chain.elective", "chain", _chain, "选修科目审核流程"),
    # Who enters the hours of a course whose online exam was passed, and who reviews them
    # (Guangdong 2018: the system, final; Guangde 2020: the bureau verifies the transcript).
    ParameterSpec("online_exam.review", "chain", _chain, "网络课程考试合格后的学时登记与审核"),
    ParameterSpec("deadline.class_filing", "rule", _relative_deadline, "开班备案时限"),
    ParameterSpec("deadline.hours_entry", "rule", _relative_deadline, "学时登记时限"),
    ParameterSpec("deadline.public_plan", "rule", _yearly_date, "公需科目开班计划报送"),
    ParameterSpec("deadline.annual_plan", "rule", _yearly_date, "年度办班计划报送"),
    ParameterSpec("deadline.verification_roster", "rule", _yearly_date, "验证花名册报送"),
    ParameterSpec("deadline.annual_summary", "rule", _yearly_date, "年度工作总结报送"),
    ParameterSpec("deadline.face_to_face_enrolment", "rule", _yearly_date, "公需科目面授培训报名"),
    ParameterSpec("verification.days", "rule", _verification_days, "证书验证受理日"),
    ParameterSpec("verification.individual_applications", "rule", _boolean, "个人申请验证"),
    ParameterSpec(
        "verification.forfeit",
        "rule",
        _free_mapping({"missed_year", "exceptions", "max_years"}, {"missed_year"}),
        "逾期未验证",
    ),
    ParameterSpec(
        "verification.unapproved_training",
        "rule",
        _free_mapping({"verified"}, {"verified"}),
        "未经核准培训的验证",
    ),
    ParameterSpec("verification_path.year", "chain", _verification_path, "年度验证流程"),
    ParameterSpec("verification_path.cycle", "chain", _verification_path, "周期满统一验证流程"),
    ParameterSpec("verification_path.dispatched", "chain", _verification_path, "调训验证"),
    ParameterSpec(
        "verification.cycle_consequence", "rule", _cycle_consequence, "周期验证结果的后果"
    ),
    ParameterSpec("training_window", "rule", _training_window, "集中培训时间"),
    ParameterSpec(
        "training_level.promotion", "rule", _promotion_training_level, "晋升人员培训组织层级"
    ),
    ParameterSpec(
        "public.online_requires_consent",
        "rule",
        _free_mapping({"consent_of", "applies_to"}, {"consent_of"}),
        "公需科目网络学习须经同意",
    ),
    ParameterSpec(
        "promotion_cycle.counts_for_year", "rule", _boolean, "晋升周期内科目视同完成当年度"
    ),
    ParameterSpec(
        "funding.employer_share", "percent", _percent, "用人单位继续教育经费占工资总额比例"
    ),
    ParameterSpec("integrity.hours_per_day", "hour", _number, "每天最多计学时"),
    ParameterSpec("online.courses", "rule", _online_courses, "网络课程的认可范围"),
    ParameterSpec(
        "assessment.pass_mark", "point", lambda raw: _int(raw, 0, 100, "pass_mark"), "考核合格分数"
    ),
    ParameterSpec(
        "proof.form", "rule", _free_mapping({"title"}, {"title"}), "施教机构出具的继续教育证明"
    ),
    ParameterSpec(
        "certificate",
        "rule",
        _free_mapping(
            {
                "shape",
                "issued_on",
                "issued_by",
                "confirmed_by",
                "paper_stamp",
                "stamp",
                "stamp_required",
                "number_kept_on",
                "replacement_reentry_requires_evidence",
                "number_format",
                "records_learning",
            },
            {"shape"},
        ),
        "继续教育证书",
    ),
]

PARAMETERS: dict[str, ParameterSpec] = {spec.name: spec for spec in _SPECS}

# Attributes of a person a value may be broken down by, with the values each accepts.
BY_ATTRIBUTES: dict[str, type | None] = {
    "series": None,  # open vocabulary: the series list grows with the regions
    "title_level": TitleLevel,
    "institution_level": InstitutionLevel,
}
