"""Deadlines and verification days at their edges (issue 19), on a tree written for the test:
a day of the month past its end, a window that opens the year before it closes, working days
counted backwards, a verification day on the 1st, a rule that ends in the middle of a month.

Working days were read from the State Council's schedules (chinesecalendar): 2019-01-01 was
New Year's Day; 2019-02-02 (Sat) and 02-03 (Sun) were worked, 02-04…02-10 off (Spring
Festival); 2019-04-05 (Fri) was Qingming.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from xueshi.rules import default_policy, load_policy
from xueshi.rules.deadlines import (
    DeadlineRule,
    NotForThisPerson,
    RuleNotSet,
    deadline,
    verification_days,
    verification_days_reference,
)
from xueshi.rules.policy import Policy

D = dt.date

NOTICES = """\
n:
  title: 省规定
  issuer: 省人力资源和社会保障厅
  date: 2018-12-01
"""

PROVINCE = """\
deadline.annual_summary:
  - from: 2019-01-01
    unit: rule
    value: {month: 2, day: 30}
    reference: {notice: n, section: 一, clause: 2月30日前报送年度总结}
deadline.annual_plan:
  - from: 2019-01-01
    unit: rule
    value: {month: 1, day: last, year_offset: 1, opens: {month: 12, day: 1}}
    reference: {notice: n, section: 二, clause: 12月1日起至次年1月底报送计划}
deadline.public_plan:
  - from: 2019-01-01
    unit: rule
    value: {month: 3, day: 10, opens: {month: 2, day: last}}
    reference: {notice: n, section: 三, clause: 2月底起至3月10日报送公需科目计划}
deadline.class_filing:
  - from: 2019-01-01
    unit: rule
    value: {days: 3, count: working}
    reference: {notice: n, section: 四, clause: 提前3个工作日备案}
deadline.hours_entry:
  - from: 2019-01-01
    unit: rule
    value: {days: 2, count: working}
    reference: {notice: n, section: 五, clause: 结班后2个工作日内登记}
verification.days:
  - from: 2019-01-01
    until: 2019-03-15
    unit: rule
    value: {days_of_month: [1, 15, 31], roll: next_working_day}
    reference: {notice: n, section: 六, clause: 每月1日、15日、31日受理验证}
  - from: 2019-03-16
    until: 2019-04-30
    unit: rule
    value: null
    reference: {notice: n, section: 七, clause: 停止集中受理验证}
  - from: 2019-05-01
    until: 2019-05-03
    unit: rule
    value: {days_of_month: [1], roll: next_working_day}
    reference: {notice: n, section: 八, clause: 五月一日受理验证}
  - from: 2019-05-04
    until: 2019-05-04
    unit: rule
    value: {days_of_month: [4], roll: next_working_day}
    reference: {notice: n, section: 九, clause: 五月四日受理验证}
  - from: 2019-05-05
    unit: rule
    value: null
    reference: {notice: n, section: 十, clause: 停止受理验证}
"""


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    root: Path = tmp_path_factory.mktemp("policy")
    (root / "notices.yaml").write_text(NOTICES, encoding="utf-8")
    for code, level, parent, parameters in (
        ("000000", "national", "null", ""),
        ("440000", "province", '"000000"', PROVINCE),
    ):
        folder = root / "regions" / code
        folder.mkdir(parents=True)
        (folder / "region.yaml").write_text(
            f'code: "{code}"\nname: 省{code}\nlevel: {level}\nparent: {parent}\n',
            encoding="utf-8",
        )
        if parameters:
            (folder / "parameters.yaml").write_text(textwrap.dedent(parameters), "utf-8")
    return load_policy(root)


# -- yearly deadlines ---------------------------------------------------------------------------


def test_a_day_past_the_end_of_the_month_is_its_last_day(policy: Policy) -> None:
    assert deadline(policy, "annual_summary", "440000", year=2019).due == D(2019, 2, 28)
    assert deadline(policy, "annual_summary", "440000", year=2020).due == D(2020, 2, 29)


def test_a_window_may_close_in_the_next_year(policy: Policy) -> None:
    result = deadline(policy, DeadlineRule.ANNUAL_PLAN, "440000", year=2019)
    assert (result.opens, result.due) == (D(2019, 12, 1), D(2020, 1, 31))
    assert result.explanation == "2019 年度年度办班计划报送：2019-12-01 起、2020-01-31 前完成。"
    assert (result.region, result.reference.section) == ("440000", "二")
    assert result.rule is DeadlineRule.ANNUAL_PLAN


def test_an_opening_on_the_last_day_of_february(policy: Policy) -> None:
    result = deadline(policy, "public_plan", "440000", year=2020)
    assert (result.opens, result.due) == (D(2020, 2, 29), D(2020, 3, 10))


def test_a_deadline_without_a_window_opens_on_no_day() -> None:
    result = deadline(default_policy(), "verification_roster", "350504", year=2019)
    assert (result.opens, result.due) == (None, D(2020, 2, 29))
    assert result.explanation == "2019 年度验证花名册报送：2020-02-29 前完成。"
    assert result.reference.section == "二(一)"


def test_luojiangs_annual_plan_is_due_at_the_end_of_february() -> None:
    policy = default_policy()
    assert deadline(policy, "annual_plan", "350504", year=2019).due == D(2019, 2, 28)
    assert deadline(policy, "annual_plan", "350504", year=2024).due == D(2024, 2, 29)


def test_guangdes_window_for_evaluation_candidates() -> None:
    policy = default_policy()
    # The window is the 2020 notice's, of 2020 (docs/adr/0014).
    published = deadline(policy, "verification_roster", "341882", year=2020)
    assert (published.opens, published.due) == (D(2020, 7, 1), D(2020, 9, 30))
    assert published.explanation == (
        "2020 年度验证花名册报送（当年参加职称评审人员）：2020-07-01 起、2020-09-30 前完成。"
    )
    candidate = deadline(policy, "verification_roster", "341882", year=2020, in_evaluation=True)
    assert candidate == published
    with pytest.raises(NotForThisPerson) as info:
        deadline(policy, "verification_roster", "341882", year=2020, in_evaluation=False)
    assert info.value.reference == published.reference
    assert str(info.value) == (
        "2020 年度验证花名册报送时间仅对当年参加专业技术资格评审（考试）的人员规定；"
        f"其他人员具体时间另行通知。依据：{published.reference}"
    )


def test_a_rule_for_everyone_applies_to_those_not_in_evaluation() -> None:
    result = deadline(
        default_policy(), "verification_roster", "350504", year=2019, in_evaluation=False
    )
    assert result.due == D(2020, 2, 29)


def test_a_yearly_rule_needs_a_year_and_a_class_rule_a_date(policy: Policy) -> None:
    with pytest.raises(ValueError, match="annual_plan 需要年份"):
        deadline(policy, "annual_plan", "440000", date=D(2019, 6, 1))
    with pytest.raises(ValueError, match="class_filing 需要日期"):
        deadline(policy, "class_filing", "440000", year=2019)


def test_no_rule_names_the_region_the_day_and_the_parameter(policy: Policy) -> None:
    with pytest.raises(RuleNotSet) as info:
        deadline(policy, "annual_summary", "440000", year=2018)
    assert str(info.value) == (
        "省440000（440000）在 2018-12-31 没有“deadline.annual_summary”的规定 "
        "(no deadline.annual_summary rule in force)"
    )


# -- deadlines counted from a class -------------------------------------------------------------


def test_class_filing_counts_working_days_backwards_over_the_spring_festival(
    policy: Policy,
) -> None:
    """A class starting Monday 2019-02-11: 02-04…02-10 were off, Sunday 02-03 and Saturday
    02-02 were worked — 3 working days before is Friday 02-01."""
    result = deadline(policy, "class_filing", "440000", date=D(2019, 2, 11))
    assert result.due == D(2019, 2, 1)
    assert result.opens is None
    assert result.rule is DeadlineRule.CLASS_FILING
    assert (result.region, result.reference.section) == ("440000", "四")
    assert result.explanation == "开班日期 2019-02-11，须提前 3 个工作日备案，最迟 2019-02-01。"


def test_hours_entry_counts_working_days_forwards(policy: Policy) -> None:
    """A class ending Wednesday 2019-04-03: Thursday 04-04 works, Friday 04-05 is Qingming,
    so the 2nd working day after is Monday 04-08."""
    result = deadline(policy, "hours_entry", "440000", date=D(2019, 4, 3))
    assert result.due == D(2019, 4, 8)
    assert result.rule is DeadlineRule.HOURS_ENTRY
    assert (result.region, result.reference.section) == ("440000", "五")
    assert (
        result.explanation
        == "结班日期 2019-04-03，须在 2 个工作日内完成学时登记，最迟 2019-04-08。"
    )


def test_calendar_days_before_a_class_are_not_rolled() -> None:
    result = deadline(default_policy(), "class_filing", "341882", date=D(2020, 6, 30))
    assert result.due == D(2020, 5, 31)
    assert result.explanation == "开班日期 2020-06-30，须提前 30 天备案，最迟 2020-05-31。"
    entry = deadline(default_policy(), "hours_entry", "350504", date=D(2019, 1, 31))
    assert entry.due == D(2019, 3, 2)
    assert entry.explanation == "结班日期 2019-01-31，须在 30 天内完成学时登记，最迟 2019-03-02。"


# -- verification days --------------------------------------------------------------------------


def test_the_1st_of_a_month_is_a_verification_day_rolled_past_new_year(policy: Policy) -> None:
    assert verification_days(policy, "440000", 2019, 1) == [
        D(2019, 1, 2),
        D(2019, 1, 15),
        D(2019, 1, 31),
    ]


def test_a_day_the_month_does_not_have_is_no_verification_day(policy: Policy) -> None:
    assert verification_days(policy, "440000", 2019, 2) == [D(2019, 2, 1), D(2019, 2, 15)]


def test_days_after_the_rule_ends_mid_month_are_not_verification_days(policy: Policy) -> None:
    assert verification_days(policy, "440000", 2019, 3) == [D(2019, 3, 1), D(2019, 3, 15)]
    reference = verification_days_reference(policy, "440000", 2019, 3)
    assert reference.section == "六"


def test_a_month_without_the_rule_has_none(policy: Policy) -> None:
    with pytest.raises(RuleNotSet, match=r"2019-04-01 没有“verification\.days”的规定"):
        verification_days(policy, "440000", 2019, 4)
    with pytest.raises(RuleNotSet, match=r"2019-04-01 没有“verification\.days”的规定"):
        verification_days_reference(policy, "440000", 2019, 4)


def test_the_reference_of_a_month_is_the_rule_in_force_at_its_end() -> None:
    """Shantou's rule changes on 2014-04-11: April's days cite the rule from then on."""
    policy = default_policy()
    april = verification_days_reference(policy, "440500", 2014, 4)
    assert april.notice.id == "shantou-2014"
    assert april.section == "五(二)2"


def test_the_reference_of_a_month_is_the_last_day_with_a_rule_not_any_earlier_one(
    policy: Policy,
) -> None:
    """May 2019: one rule from the 1st to the 3rd, another on the 4th only, none after. The
    month cites the 4th's. Both days fall in the Labour Day holiday (05-01…05-04 off, Sunday
    05-05 worked): both roll to 05-05."""
    assert verification_days_reference(policy, "440000", 2019, 5).section == "九"
    assert verification_days(policy, "440000", 2019, 5) == [D(2019, 5, 5)]
