"""The working-day calendar: official holidays, 调休 workdays, unknown years, overrides.

Dates were checked against the State Council's schedules (as carried by chinesecalendar):
2017 National Day + Mid-Autumn: 10-01…10-08 off, Saturday 09-30 worked;
2014 National Day: 10-01…10-07 off, Sunday 09-28 and Saturday 10-11 worked;
2016 Labour Day: Monday 05-02 off.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest

from xueshi.rules import CalendarUnknown, PolicyError, WorkingCalendar, deadline, load_policy
from xueshi.rules.policy import default_policy_dir
from xueshi.rules.workdays import load_calendar

D = dt.date
CAL = WorkingCalendar()

CALENDAR_2027 = textwrap.dedent("""\
    years:
      2027:
        reference: 国务院办公厅关于2027年部分节假日安排的通知（测试用）
        holidays: [2027-01-01, 2027-02-08, 2027-02-09]
        workdays: [2027-02-07]
    """)


# -- working days ------------------------------------------------------------------------------


def test_ordinary_weekdays_work_and_weekends_do_not() -> None:
    assert CAL.is_working_day(D(2017, 9, 25))  # Monday
    assert not CAL.is_working_day(D(2017, 9, 24))  # Sunday


def test_a_tiaoxiu_saturday_is_a_working_day() -> None:
    assert D(2017, 9, 30).weekday() == 5
    assert CAL.is_working_day(D(2017, 9, 30))


def test_a_tiaoxiu_sunday_is_a_working_day() -> None:
    assert D(2014, 9, 28).weekday() == 6
    assert CAL.is_working_day(D(2014, 9, 28))


def test_public_holidays_on_weekdays_are_not_working_days() -> None:
    assert not CAL.is_working_day(D(2017, 10, 2))  # Monday, National Day
    assert not CAL.is_working_day(D(2017, 10, 6))  # Friday, National Day
    assert not CAL.is_working_day(D(2016, 5, 2))  # Monday, Labour Day


# -- shift_working_days -----------------------------------------------------------------------


def test_shift_does_not_count_the_day_itself() -> None:
    assert CAL.shift_working_days(D(2014, 7, 4), 5) == D(2014, 7, 11)
    assert CAL.shift_working_days(D(2017, 9, 25), 1) == D(2017, 9, 26)


def test_shift_forward_lands_on_a_tiaoxiu_saturday() -> None:
    assert CAL.shift_working_days(D(2017, 9, 29), 1) == D(2017, 9, 30)


def test_shift_forward_skips_the_whole_golden_week() -> None:
    assert CAL.shift_working_days(D(2017, 9, 30), 1) == D(2017, 10, 9)
    assert CAL.shift_working_days(D(2014, 9, 30), 5) == D(2014, 10, 13)


def test_shift_backward_counts_the_tiaoxiu_saturday() -> None:
    # 10 working days before Monday 2017-10-16: 10-13…10-09 (5), 09-30 (Sat), 09-29…09-26.
    assert CAL.shift_working_days(D(2017, 10, 16), -10) == D(2017, 9, 26)


def test_shift_from_a_holiday_counts_from_the_next_working_day() -> None:
    assert CAL.shift_working_days(D(2017, 10, 3), 1) == D(2017, 10, 9)


# -- working_days_between ---------------------------------------------------------------------


def test_working_days_between_counts_what_shift_steps_over() -> None:
    assert CAL.working_days_between(D(2014, 7, 4), D(2014, 7, 11)) == 5
    assert CAL.working_days_between(D(2014, 9, 30), D(2014, 10, 13)) == 5
    for start, count in ((D(2017, 9, 25), 7), (D(2017, 9, 29), 3), (D(2016, 4, 28), 4)):
        assert CAL.working_days_between(start, CAL.shift_working_days(start, count)) == count


def test_working_days_between_the_same_day_or_backwards_is_zero() -> None:
    assert CAL.working_days_between(D(2014, 7, 4), D(2014, 7, 4)) == 0
    assert CAL.working_days_between(D(2014, 7, 11), D(2014, 7, 4)) == 0


def test_working_days_between_skips_the_golden_week_and_counts_the_tiaoxiu_saturday() -> None:
    # 2017-09-29 (Fri) to 2017-10-09 (Mon): 09-30 (调休 Saturday) and 10-09 work; 10-01…10-08 not.
    assert CAL.working_days_between(D(2017, 9, 29), D(2017, 10, 9)) == 2


# -- next_working_day -------------------------------------------------------------------------


def test_next_working_day_of_a_working_day_is_itself() -> None:
    assert CAL.next_working_day(D(2017, 9, 25)) == D(2017, 9, 25)
    assert CAL.next_working_day(D(2017, 9, 30)) == D(2017, 9, 30)  # 调休 Saturday


def test_next_working_day_skips_a_holiday_week() -> None:
    assert CAL.next_working_day(D(2017, 10, 1)) == D(2017, 10, 9)


def test_next_working_day_may_fall_in_the_next_month() -> None:
    assert CAL.next_working_day(D(2016, 4, 30)) == D(2016, 5, 3)


# -- unknown years ----------------------------------------------------------------------------


def test_a_year_after_the_official_schedules_is_unknown_with_a_chinese_message() -> None:
    with pytest.raises(CalendarUnknown, match=r"2027 年.*节假日") as info:
        CAL.is_working_day(D(2027, 1, 4))
    assert isinstance(info.value, PolicyError)
    assert "calendar.yaml" in str(info.value)


def test_a_year_before_the_official_schedules_is_unknown() -> None:
    with pytest.raises(CalendarUnknown, match=r"2003 年.*节假日"):
        CAL.is_working_day(D(2003, 6, 2))


def test_shifting_into_an_unknown_year_raises_instead_of_guessing() -> None:
    with pytest.raises(CalendarUnknown):
        CAL.shift_working_days(D(2026, 12, 28), 5)


def test_a_deadline_that_needs_an_unknown_year_raises() -> None:
    from xueshi.rules import default_policy

    with pytest.raises(CalendarUnknown):
        deadline(default_policy(), "class_filing", "350504", date=D(2027, 3, 1))


# -- overrides from calendar.yaml ----------------------------------------------------------------


def test_an_override_year_makes_2027_known(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    calendar = load_calendar(path)
    assert not calendar.is_working_day(D(2027, 1, 1))  # Friday, listed holiday
    assert not calendar.is_working_day(D(2027, 1, 2))  # Saturday
    assert calendar.is_working_day(D(2027, 1, 4))  # Monday, not listed: works
    assert calendar.is_working_day(D(2027, 2, 7))  # Sunday, listed 调休 workday
    assert not calendar.is_working_day(D(2027, 2, 8))
    assert calendar.next_working_day(D(2027, 2, 8)) == D(2027, 2, 10)


def test_an_override_in_the_policy_tree_carries_deadlines_into_2027(tmp_path: Path) -> None:
    root = tmp_path / "policy"
    shutil.copytree(default_policy_dir(), root)
    (root / "calendar.yaml").write_text(CALENDAR_2027, encoding="utf-8")
    policy = load_policy(root)
    # Luojiang class filing, 10 working days before Friday 2027-01-08: 01-07 … 01-04, then
    # 2027-01-01 is a holiday, so 2026-12-31 … 12-28 and 12-25, 12-24. (Shantou's 5 working
    # days of hours entry ended with the 2014 notice's year: docs/adr/0014.)
    due = deadline(policy, "class_filing", "350504", date=D(2027, 1, 8)).due
    assert due == D(2026, 12, 24)


def test_an_override_corrects_a_known_year(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        textwrap.dedent("""\
        years:
          2017:
            reference: 更正（测试用）
            holidays: [2017-09-29]
            workdays: [2017-10-08]
        """),
        encoding="utf-8",
    )
    calendar = load_calendar(path)
    assert not calendar.is_working_day(D(2017, 9, 29))
    assert calendar.is_working_day(D(2017, 10, 8))
    assert calendar.is_working_day(D(2017, 9, 30))  # unlisted days follow the official schedule


def test_an_override_date_of_another_year_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(
        textwrap.dedent("""\
        years:
          2027:
            reference: 测试
            holidays: [2028-01-01]
        """),
        encoding="utf-8",
    )
    with pytest.raises(PolicyError, match=r"calendar\.yaml"):
        load_calendar(path)


def test_the_repository_calendar_adds_no_year_yet() -> None:
    from xueshi.rules import default_policy

    with pytest.raises(CalendarUnknown):
        default_policy().calendar.is_working_day(D(2027, 3, 1))


# -- calendar.yaml refused where it is malformed, with its line (issue 19) ---------------------


GOOD_YEAR = "years:\n  2026: {reference: 测试}\n"
KEYS = "每年应含 holidays、workdays 与 reference"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("# 注释\nother: 1\n", "calendar.yaml 只能包含 years", 2),
        ("# 注释\n- 2027\n", "calendar.yaml 只能包含 years", 2),
        ("# 注释\nyears: [2027]\n", "years 应为映射", 2),
        (GOOD_YEAR + "  二〇二七: {reference: 测试}\n", "年份 '二〇二七' 无效", 3),
        (GOOD_YEAR + "  2027: {holidays: [2027-01-01]}\n", KEYS, 3),
        (GOOD_YEAR + "  2027: {reference: 测试, extra: 1}\n", KEYS, 3),
        (GOOD_YEAR + "  2027: [2027-01-01]\n", KEYS, 3),
        (GOOD_YEAR + "  2027: [reference]\n", KEYS, 3),
        (
            GOOD_YEAR + "  2027:\n    reference: 测试\n    holidays: 2027-01-01\n",
            "应为日期列表 (expected a list of dates)",
            5,
        ),
        (
            GOOD_YEAR + "  2027:\n    reference: 测试\n    workdays: [2027-01-01T09:00:00]\n",
            "datetime.datetime(2027, 1, 1, 9, 0) 不是 2027 年的日期",
            5,
        ),
        (
            GOOD_YEAR
            + "  2027: {reference: 测试, holidays: [2027-02-07, 2027-02-08],\n"
            + "          workdays: [2027-02-07]}\n",
            "既是假日又是工作日: [datetime.date(2027, 2, 7)]",
            3,
        ),
    ],
)
def test_a_malformed_calendar_is_refused_at_its_line(
    tmp_path: Path, text: str, message: str, line: int
) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_calendar(path)
    assert info.value.path is not None
    assert Path(info.value.path) == path
    assert info.value.line == line
    assert str(info.value) == f"{path}:{line}: {message}"


def test_an_empty_or_missing_calendar_adds_nothing(tmp_path: Path) -> None:
    assert load_calendar(tmp_path / "none.yaml") == WorkingCalendar()
    path = tmp_path / "calendar.yaml"
    path.write_text("# nothing yet\n", encoding="utf-8")
    assert load_calendar(path) == WorkingCalendar()
    path.write_text("years:\n", encoding="utf-8")
    assert load_calendar(path) == WorkingCalendar()
    path.write_text("years:\n  2027: {reference: 只有周末}\n", encoding="utf-8")
    calendar = load_calendar(path)
    assert calendar.overrides[2027].holidays == frozenset()
    assert calendar.overrides[2027].workdays == frozenset()
    assert calendar.overrides[2027].reference == "只有周末"
    assert calendar.is_working_day(D(2027, 1, 1))  # a Friday, no holiday listed
    assert not calendar.is_working_day(D(2027, 1, 3))  # a Sunday


def test_a_declared_year_works_from_monday_to_friday(tmp_path: Path) -> None:
    path = tmp_path / "calendar.yaml"
    path.write_text(CALENDAR_2027, encoding="utf-8")
    calendar = load_calendar(path)
    week = [calendar.is_working_day(D(2027, 3, day)) for day in range(1, 8)]  # Mon 03-01 …
    assert week == [True, True, True, True, True, False, False]


def test_a_shift_of_zero_days_is_the_day_itself() -> None:
    assert CAL.shift_working_days(D(2017, 10, 1), 0) == D(2017, 10, 1)
    assert CAL.shift_working_days(D(2017, 9, 29), 1) == D(2017, 9, 30)  # a 调休 Saturday
    assert CAL.shift_working_days(D(2017, 10, 9), -1) == D(2017, 9, 30)


def test_an_unknown_year_says_which_and_where_to_add_it() -> None:
    with pytest.raises(CalendarUnknown) as info:
        CAL.is_working_day(D(2031, 5, 1))
    assert str(info.value) == (
        "2031 年的节假日安排尚未载入，无法计算工作日：请在 policy/calendar.yaml 中补充该年的"
        "放假与调休安排 (the working days of 2031 are not known)"
    )
