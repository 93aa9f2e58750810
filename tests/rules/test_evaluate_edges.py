"""Corners of the evaluation that the repository's policy does not reach (issue 19).

A small tree gives the shapes a future notice may take: credits and hours both in force, a
total without a professional figure, a professional share without a total, online credits
without a cap, a share that does not terminate. The single evaluation and the bulk path must
answer the same on each.
"""

from __future__ import annotations

import datetime as dt
import gc
import textwrap
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from xueshi.rules import (
    Category,
    InstitutionLevel,
    Key,
    Mode,
    NoRequirement,
    Person,
    Reason,
    Record,
    Status,
    TitleLevel,
    default_policy,
    evaluate,
    load_policy,
    requirements,
)
from xueshi.rules.bulk import centi, evaluate_bulk, evaluate_rows, gc_paused, profile_person
from xueshi.rules.counting import makeup_refusal
from xueshi.rules.evaluate import category_span_of, exact, total_shortfall
from xueshi.rules.policy import Policy

D = dt.date
NURSE = Person(TitleLevel.INTERMEDIATE, "health")
ACCOUNTANT = Person(TitleLevel.INTERMEDIATE, "accounting")
FORESTER = Person(TitleLevel.INTERMEDIATE, "forestry")
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")
DOCTOR = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY)

NOTICES = """\
national:
  title: 全国规定
  issuer: 人力资源和社会保障部
  date: 2015-08-13
province:
  title: 省规定
  issuer: 省人力资源和社会保障厅
  date: 2016-01-01
"""

NATIONAL = """\
categories:
  - from: 2015-10-01
    unit: category
    value: [public, professional]
    reference: {notice: national, section: 第七条, clause: 继续教育内容包括公需科目和专业科目}
hours.total:
  - from: 2015-10-01
    unit: hour
    value: 90
    reference: {notice: national, section: 第八条, clause: 每年累计应不少于90学时}
hours.professional:
  - from: 2015-10-01
    unit: hour
    value: {share_of_total: 2/3}
    reference: {notice: national, section: 第八条, clause: 专业科目一般不少于总学时的三分之二}
"""

# health: 30 hours and 10 credits, no remote cap; accounting: the nation's total, no
# professional figure; forestry: no total, 10 public hours (the share has nothing to take);
# engineering: 100 hours of which a third professional.
PROVINCE = """\
hours.total:
  - from: 2016-01-01
    unit: hour
    value: {by: series, health: 30, forestry: null, engineering: 100}
    reference: {notice: province, section: 一, clause: 学时}
hours.professional:
  - from: 2016-01-01
    unit: hour
    value: {by: series, accounting: null, health: null, engineering: {share_of_total: 1/3}}
    reference: {notice: province, section: 二, clause: 专业科目}
hours.public:
  - from: 2016-01-01
    unit: hour
    value: {by: series, forestry: 10}
    reference: {notice: province, section: 三, clause: 公需科目10学时}
credits.total:
  - from: 2016-01-01
    unit: credit
    value: {by: series, health: 10}
    reference: {notice: province, section: 四, clause: 学分每年不少于10分}
"""


def region_yaml(code: str, level: str, parent: str | None) -> str:
    parent_text = "null" if parent is None else f'"{parent}"'
    return f'code: "{code}"\nname: 地区{code}\nlevel: {level}\nparent: {parent_text}\n'


@pytest.fixture(scope="module")
def policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    root = tmp_path_factory.mktemp("policy")
    (root / "notices.yaml").write_text(NOTICES, encoding="utf-8")
    for code, level, parent, parameters in (
        ("000000", "national", None, NATIONAL),
        ("440000", "province", "000000", PROVINCE),
    ):
        folder = root / "regions" / code
        folder.mkdir(parents=True)
        (folder / "region.yaml").write_text(region_yaml(code, level, parent), encoding="utf-8")
        (folder / "parameters.yaml").write_text(textwrap.dedent(parameters), encoding="utf-8")
    return load_policy(root)


def hours(category: Category, amount: str) -> Record:
    return Record(credited_year=2017, category=category, hours=Decimal(amount))


def credits(amount: str, *, online: bool = False, year: int = 2017) -> Record:
    mode = Mode.ONLINE if online else Mode.FACE_TO_FACE
    return Record(credited_year=year, credits=Decimal(amount), mode=mode)


def figures(policy: Policy, person: Person, year: int = 2017) -> dict[str, Decimal]:
    reqs = requirements(policy, "440000", year, person)
    return {str(f.key): f.required for f in reqs.figures}


# -- exact(): a requirement figure is a true minimum -------------------------------------------


def test_a_share_is_rounded_up_even_where_half_even_would_round_down() -> None:
    """1/3 of 100 h is 33.333…: 33.33 h would not be a third; the figure is 33.34."""
    assert exact(Fraction(100, 3)) == Decimal("33.34")
    assert exact(Fraction(200, 3)) == Decimal("66.67")


def test_a_terminating_share_is_kept_exact_past_two_places() -> None:
    assert exact(Fraction(1, 8)) == Decimal("0.125")
    assert exact(Fraction(60)) == Decimal(60)
    assert str(exact(Fraction(3, 4) * 90)) == "67.5"


def test_a_third_of_100_hours_asks_33_34_professional_hours(policy: Policy) -> None:
    assert figures(policy, ENGINEER) == {"professional": Decimal("33.34"), "total": Decimal(100)}
    records = [hours(Category.PROFESSIONAL, "33.33"), hours(Category.PUBLIC, "70")]
    verdict = evaluate(policy, region="440000", year=2017, person=ENGINEER, records=records)
    assert not verdict.compliant
    assert verdict.shortfall == {"professional": Decimal("0.01")}


# -- which figures are in force ----------------------------------------------------------------


def test_credits_and_hours_both_in_force_are_both_checked(policy: Policy) -> None:
    reqs = requirements(policy, "440000", 2017, NURSE)
    assert reqs.credits_regime
    assert reqs.hours_regime
    assert figures(policy, NURSE) == {"total": Decimal(30), "credits": Decimal(10)}
    assert {f.key: f.unit for f in reqs.figures} == {Key.TOTAL: "hour", Key.CREDITS: "credit"}
    records = [hours(Category.PUBLIC, "20"), hours(Category.PROFESSIONAL, "10"), credits("9")]
    short = evaluate(policy, region="440000", year=2017, person=NURSE, records=records)
    assert short.shortfall == {"credits": Decimal(1)}
    assert short.notes == ()
    assert short.counted["total"] == Decimal(30)
    met = evaluate(
        policy, region="440000", year=2017, person=NURSE, records=[*records, credits("1")]
    )
    assert met.compliant


def test_online_credits_without_a_cap_all_count(policy: Policy) -> None:
    """No ``credits.remote_cap`` resolves for this nurse: 30 remote credits count in full."""
    reqs = requirements(policy, "440000", 2017, NURSE)
    assert reqs.remote_cap is None
    verdict = evaluate(
        policy,
        region="440000",
        year=2017,
        person=NURSE,
        records=[credits("4", online=True), credits("26", online=True)],
    )
    assert verdict.counted["credits"] == Decimal(30)
    assert verdict.notes == ()
    assert verdict.shortfall == {"total": Decimal(30)}


def test_a_total_without_a_professional_figure_is_the_only_figure(policy: Policy) -> None:
    assert figures(policy, ACCOUNTANT) == {"total": Decimal(90)}
    records = [hours(Category.PUBLIC, "80"), hours(Category.PROFESSIONAL, "5")]
    verdict = evaluate(policy, region="440000", year=2017, person=ACCOUNTANT, records=records)
    assert verdict.shortfall == {"total": Decimal(5)}
    assert [r.requirement.key for r in verdict.results] == [Key.TOTAL]


def test_a_professional_share_without_a_total_asks_nothing(policy: Policy) -> None:
    reqs = requirements(policy, "440000", 2017, FORESTER)
    assert figures(policy, FORESTER) == {"public": Decimal(10)}
    # No cycle, no total, no credits: a record of another year cites no clause.
    assert reqs.period_reference is None
    verdict = evaluate(
        policy,
        region="440000",
        year=2017,
        person=FORESTER,
        records=[Record(credited_year=2016, category=Category.PUBLIC, hours=Decimal(10))],
    )
    (note,) = verdict.notes
    assert note.reason is Reason.OUTSIDE_PERIOD
    assert note.reference is None
    assert note.message == "归属 2016 年度，不计入 2017 年度。"
    assert verdict.shortfall == {"public": Decimal(10)}


def test_before_any_rule_there_is_no_requirement_and_the_message_says_who(
    policy: Policy,
) -> None:
    with pytest.raises(NoRequirement) as info:
        requirements(policy, "440000", 2014, ACCOUNTANT)
    assert str(info.value) == (
        "地区440000（440000）2014 年度没有适用于中级职称 · 会计系列的继续教育要求"
        "（按 2014-12-31 有效的规定）"
    )


def test_a_figure_carries_its_unit_region_and_clause(policy: Policy) -> None:
    reqs = requirements(policy, "440000", 2017, NURSE)
    credit = reqs.figure(Key.CREDITS)
    total = reqs.figure(Key.TOTAL)
    assert credit is not None
    assert total is not None
    assert (credit.unit, credit.region, credit.reference.section) == ("credit", "440000", "四")
    assert (total.unit, total.title, credit.title) == ("hour", "总学时", "学分")
    assert reqs.figure(Key.PUBLIC) is None
    assert reqs.years == (2017,)
    assert reqs.categories == (Category.PUBLIC, Category.PROFESSIONAL)


# -- the total's shortfall is what the categories leave -----------------------------------------


def test_total_shortfall_counts_the_public_group_once() -> None:
    gaps = {
        Key.TOTAL: Decimal(50),
        Key.PUBLIC: Decimal(10),
        Key.PUBLIC_REQUIRED: Decimal(4),
        Key.PROFESSIONAL: Decimal(20),
        Key.ELECTIVE: Decimal(5),
    }
    assert total_shortfall(gaps) == Decimal(15)
    assert total_shortfall({**gaps, Key.PUBLIC_REQUIRED: Decimal(12)}) == Decimal(13)
    assert total_shortfall({Key.TOTAL: Decimal(5), Key.PROFESSIONAL: Decimal(9)}) == 0
    assert total_shortfall({}) == 0


# -- where hours do not count --------------------------------------------------------------------


def test_required_public_hours_of_a_doctor_on_credits_are_not_used() -> None:
    """Luojiang's secondary-hospital doctor is on credits only: required public hours are
    summed (they entered the year) but not used, and say why."""
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=DOCTOR,
        records=[
            Record(credited_year=2017, category=Category.PUBLIC, hours=Decimal(8), required=True),
            Record(credited_year=2017, credits=Decimal(25)),
        ],
    )
    (note,) = verdict.notes
    assert (note.index, note.reason) == (0, Reason.HOURS_NOT_USED)
    assert note.message == "该系列实行学分制，学时不计入。"
    assert verdict.counted["public_required"] == 0
    assert verdict.counted["total"] == 0
    assert verdict.compliant


# -- the teachers' centralised training (Luojiang §一(三)3) ---------------------------------------


def training(records: list[Record]) -> tuple[bool, dict[str, Decimal]]:
    verdict = evaluate(
        default_policy(), region="350504", year=2017, person=TEACHER, records=records
    )
    (condition,) = verdict.conditions
    assert condition.code == "centralised_training"
    assert condition.text == "周期内参加一次集中脱产培训或远程继续教育培训"
    assert condition.reference.section == "一(三)3"
    return condition.met, verdict.shortfall


def test_a_zero_hour_required_course_is_no_training() -> None:
    met, shortfall = training(
        [Record(credited_year=2016, category=Category.PUBLIC, hours=Decimal(0), required=True)]
    )
    assert not met
    assert shortfall == {"public_required": Decimal(2)}


def test_half_an_hour_of_learning_is_a_training() -> None:
    met, _ = training(
        [Record(credited_year=2016, category=Category.PROFESSIONAL, hours=Decimal("0.5"))]
    )
    assert met


def test_a_required_professional_record_is_a_training_but_no_public_course() -> None:
    met, shortfall = training(
        [
            Record(
                credited_year=2015,
                category=Category.PROFESSIONAL,
                hours=Decimal(3),
                required=True,
            )
        ]
    )
    assert met
    assert shortfall == {"public_required": Decimal(2)}


def test_credits_are_not_a_teachers_training() -> None:
    """A teacher's cycle is in hours: a credit record is not used, so no training counted."""
    met, _ = training([Record(credited_year=2016, credits=Decimal(5))])
    assert not met


def test_two_required_public_courses_meet_the_course_figure() -> None:
    met, shortfall = training(
        [
            Record(credited_year=2013, category=Category.PUBLIC, hours=Decimal(1), required=True),
            Record(credited_year=2017, category=Category.PUBLIC, hours=Decimal(1), required=True),
        ]
    )
    assert met
    assert shortfall == {}


# -- the bulk path on the same corners -------------------------------------------------------


def row(person: str, *sums: int) -> tuple[object, ...]:
    padded = (*sums, *([0] * (7 - len(sums))))
    return ("440000", 2017, person, "intermediate", None, *padded)


def test_bulk_counts_uncapped_remote_credits_and_both_regimes(policy: Policy) -> None:
    # columns: public, public_required, professional, elective, credits_face, credits_remote,
    # public_required_courses (hundredths; courses counted)
    rows = [
        row("health", 2000, 0, 1000, 0, 0, 1000),  # 30 h, 10 remote credits: met
        row("health", 2000, 0, 1000, 0, 0, 900),  # one credit short
        row("health", 0, 0, 0, 0, 0, 3000),  # credits met, 30 h short
        row("accounting", 8000, 0, 500),  # the total only: 5 h short
        row("engineering", 7000, 0, 3333),  # 33.33 of 33.34 professional
    ]
    result = evaluate_rows(policy, rows)
    assert list(result.compliant) == [True, False, False, False, False]
    assert [result.row_shortfall(i) for i in range(len(rows))] == [
        {},
        {"credits": Decimal(1)},
        {"total": Decimal(30)},
        {"total": Decimal(5)},
        {"professional": Decimal("0.01")},
    ]
    assert result.compliance_rate() == pytest.approx(1 / 5)


def test_bulk_takes_a_column_left_out_as_zero(policy: Policy) -> None:
    profiles = [("440000", 2017, "health", "intermediate", None)]
    result = evaluate_bulk(
        policy,
        profiles,
        [0, 0],
        {"public": [3000, 2000], "credits_face": [1000, 1000]},
    )
    assert list(result.compliant) == [True, False]
    assert result.row_shortfall(1) == {"total": Decimal(10)}
    assert list(result.determined) == [True, True]
    assert len(result) == 2


def test_bulk_refuses_a_column_of_another_length(policy: Policy) -> None:
    profiles = [("440000", 2017, "health", "intermediate", None)]
    with pytest.raises(ValueError, match=r"column credits_face has 1 rows, expected 2"):
        evaluate_bulk(policy, profiles, [0, 0], {"credits_face": [1000]})


def test_compliance_rate_is_over_the_determined_rows_only() -> None:
    policy = default_policy()
    rows = [
        ("440500", 2009, "engineering", "intermediate", None, 9000, 0, 9000, 0, 0, 0, 0),
        ("350504", 2017, "health", "intermediate", "secondary", 0, 0, 0, 0, 2500, 0, 0),
        ("350504", 2017, "health", "intermediate", "secondary", 0, 0, 0, 0, 2400, 0, 0),
        ("350504", 2017, "health", "junior", "secondary", 0, 0, 0, 0, 3000, 0, 0),
    ]
    result = evaluate_rows(policy, rows)
    assert list(result.determined) == [False, True, True, True]
    assert result.compliance_rate() == pytest.approx(2 / 3)
    assert result.requirements[0] is None
    assert result.profiles[0] == ("440500", 2009, "engineering", "intermediate", None)
    assert list(result.profile_index) == [0, 1, 1, 2]
    nobody = evaluate_rows(policy, rows[:1])
    assert nobody.compliance_rate() == 0.0


def test_bulk_caps_remote_credits_per_row() -> None:
    rows = [
        ("350504", 2017, "health", "intermediate", "secondary", 0, 0, 0, 0, 1300, 1500, 0),
        ("350504", 2017, "health", "intermediate", "secondary", 0, 0, 0, 0, 1200, 1200, 0),
    ]
    result = evaluate_rows(default_policy(), rows)
    assert list(result.compliant) == [True, False]
    assert result.row_shortfall(1) == {"credits": Decimal(1)}
    assert result.shortfall["credits"].dtype == np.int64


def test_a_profile_is_the_person_the_rules_take() -> None:
    assert profile_person(("350504", 2017, "health", "junior", "primary")) == Person(
        TitleLevel.JUNIOR, "health", InstitutionLevel.PRIMARY
    )
    assert profile_person(("350504", 2017, None, None, None)) == Person()
    assert centi(Decimal("33.34")) == 3334


# -- make-up, in words ---------------------------------------------------------------------------


def test_makeup_outside_the_window_names_the_window() -> None:
    record = Record(
        credited_year=2009,
        category=Category.PUBLIC,
        hours=Decimal(20),
        taken_on=D(2014, 6, 10),
    )
    refusal = makeup_refusal(default_policy(), "440500", record, (2009,), ENGINEER)
    assert refusal is not None
    reason, message, reference = refusal
    assert reason is Reason.MAKEUP_REFUSED
    assert message == "2014-06-10 补修只可计入 2010–2013 年度，不能计入 2009 年度。"
    assert reference is not None
    assert reference.section == "四(六)"


def test_makeup_inside_the_window_counts_and_learning_in_the_year_needs_no_rule() -> None:
    policy = default_policy()
    inside = Record(
        credited_year=2010, category=Category.PUBLIC, hours=Decimal(20), taken_on=D(2014, 1, 1)
    )
    assert makeup_refusal(policy, "440500", inside, (2010,), ENGINEER) is None
    same_year = Record(
        credited_year=2017, category=Category.PUBLIC, hours=Decimal(1), taken_on=D(2017, 12, 31)
    )
    assert makeup_refusal(policy, "350504", same_year, (2017,), ENGINEER) is None
    cycle = Record(
        credited_year=2017, category=Category.PUBLIC, hours=Decimal(1), taken_on=D(2013, 1, 1)
    )
    assert makeup_refusal(policy, "350504", cycle, (2013, 2014, 2015, 2016, 2017), TEACHER) is None


# -- the remote cap, record by record; the general-practice cycle; what counts on a day -------


def test_remote_credits_past_the_cap_count_nothing_after_it_is_full() -> None:
    """10 + 5 + 3 remote credits under a cap of 12: the second counts 2, the third 0."""
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=DOCTOR,
        records=[
            credits("10", online=True),
            credits("8"),
            credits("5", online=True),
            credits("3", online=True),
        ],
    )
    assert [(n.index, n.reason, n.counted) for n in verdict.notes] == [
        (2, Reason.OVER_CAP, Decimal(2)),
        (3, Reason.OVER_CAP, Decimal(0)),
    ]
    assert (
        verdict.notes[1].message == "远程学分每年最多计 12 分，本条计入 0 分，超出的 3 分不计入。"
    )
    assert verdict.counted["credits"] == Decimal(20)


def test_the_general_practice_condition_says_what_was_earned_in_which_cycle() -> None:
    primary = Person(TitleLevel.JUNIOR, "health", InstitutionLevel.PRIMARY)
    records = [
        credits("25"),
        Record(credited_year=2015, credits=Decimal(4), general_practice=True),
        Record(credited_year=2016, credits=Decimal(6), general_practice=True),
        Record(credited_year=2014, credits=Decimal(9), general_practice=True),  # before it
        Record(
            credited_year=2016, credits=Decimal(9), general_practice=True, status=Status.PENDING
        ),
        Record(credited_year=2016, category=Category.PROFESSIONAL, hours=Decimal(9)),
    ]
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=primary,
        records=records,
        appointment_cycle=(2015, 2017),
    )
    (condition,) = verdict.conditions
    assert condition.code == "general_practice_credits"
    assert (
        condition.text == "任职周期（2015–2017）内全科医学继续教育学分不少于 10 分（已认定 10 分）"
    )
    assert condition.met
    assert condition.reference.section == "一(三)2"
    assert verdict.remarks == ()  # the remark became the condition
    short = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=primary,
        records=records[:2],
        appointment_cycle=(2015, 2017),
    )
    assert [(c.code, c.met) for c in short.conditions] == [("general_practice_credits", False)]
    assert short.conditions[0].text.endswith("（已认定 4 分）")
    without = evaluate(
        default_policy(), region="350504", year=2017, person=primary, records=records
    )
    assert without.conditions == ()
    assert len(without.remarks) == 1


def test_what_counts_on_a_day_of_a_year_that_changes_its_categories() -> None:
    """Guangdong's electives count until 2023-10-31; from 2023-11-01 the national rule
    (public and professional) applies. Learning after the year keeps the year's close."""
    policy = default_policy()
    summer = category_span_of(policy, "440000", 2023, ENGINEER, D(2023, 6, 1))
    assert (summer.first, summer.last) == (D(2023, 1, 1), D(2023, 10, 31))
    assert Category.ELECTIVE in summer.categories
    assert summer.reference is not None
    assert summer.reference.notice.id != "mohrss-25"
    winter = category_span_of(policy, "440000", 2023, ENGINEER, D(2023, 11, 1))
    assert (winter.first, winter.last) == (D(2023, 11, 1), D(2023, 12, 31))
    assert winter.categories == frozenset({Category.PUBLIC, Category.PROFESSIONAL})
    assert winter.reference is not None
    assert winter.reference.notice.id == "mohrss-25"
    assert category_span_of(policy, "440000", 2023, ENGINEER, D(2024, 3, 1)) == winter
    reqs = requirements(policy, "440000", 2023, ENGINEER)
    assert reqs.changing == frozenset({Category.ELECTIVE})
    assert reqs.span_on(D(2022, 12, 31)) is None
    assert reqs.span_on(D(2023, 10, 31)) == summer
    one = requirements(policy, "440000", 2024, ENGINEER)
    assert one.changing == frozenset()
    assert len(one.spans) == 1


def test_the_collector_is_paused_only_while_rows_are_built() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()


def test_bulk_teachers_cycle_courses_training_and_undecided() -> None:
    """The teachers' cycle in the bulk path: two courses asked (shortfall in whole courses,
    reported as public_required), a training needed, and never compliant while the cycle's
    figure is not in the data."""
    teacher = ("350504", 2017, "teacher", "intermediate", None)
    rows = [
        (*teacher, 1200, 1200, 0, 0, 0, 0, 1),
        (*teacher, 0, 0, 0, 0, 0, 0, 0),
        (*teacher, 2400, 2400, 0, 0, 0, 0, 2),
    ]
    result = evaluate_rows(default_policy(), rows)
    assert [result.row_shortfall(i) for i in range(3)] == [
        {"public_required": Decimal(1)},
        {"public_required": Decimal(2)},
        {},
    ]
    assert list(result.compliant) == [False, False, False]
    assert list(result.determined) == [True, True, True]
    reqs = result.requirements[0]
    assert reqs is not None
    assert reqs.undecided


# -- what counts before the first rule of categories (docs/adr/0006) ---------------------------

CATEGORIES_FROM_JULY = """\
categories:
  - from: 2017-07-01
    until: 2018-06-30
    unit: category
    value:
      by: series
      engineering: [public, professional, elective]
      other: [public, professional]
    reference: {notice: province, section: 五, clause: 工程系列另设选修科目}
  - from: 2018-07-01
    until: 2018-12-30
    unit: category
    value: [public, professional, elective]
    reference: {notice: province, section: 五之二, clause: 各系列均设选修科目}
  - from: 2018-12-31
    unit: category
    value: [public]
    reference: {notice: province, section: 六, clause: 年末起只设公需科目}
hours.total:
  - from: 2016-01-01
    unit: hour
    value: 90
    reference: {notice: province, section: 一, clause: 学时}
"""


@pytest.fixture(scope="module")
def categories_policy(tmp_path_factory: pytest.TempPathFactory) -> Policy:
    """No national rule of categories: before the province's first one, a year is judged by
    the rule at its close (for the person: the engineer's includes electives)."""
    root = tmp_path_factory.mktemp("categories")
    (root / "notices.yaml").write_text(NOTICES, encoding="utf-8")
    for code, level, parent, parameters in (
        ("000000", "national", None, ""),
        ("440000", "province", "000000", CATEGORIES_FROM_JULY),
    ):
        folder = root / "regions" / code
        folder.mkdir(parents=True)
        (folder / "region.yaml").write_text(region_yaml(code, level, parent), encoding="utf-8")
        if parameters:
            (folder / "parameters.yaml").write_text(parameters, encoding="utf-8")
    return load_policy(root)


def test_before_the_first_rule_the_year_takes_the_persons_rule_at_its_close(
    categories_policy: Policy,
) -> None:
    reqs = requirements(categories_policy, "440000", 2017, ENGINEER)
    (span,) = reqs.spans  # January–June takes December's rule: one span, not two
    assert (span.first, span.last) == (D(2017, 1, 1), D(2017, 12, 31))
    assert Category.ELECTIVE in span.categories
    assert span.reference is not None
    assert span.reference.section == "五"
    verdict = evaluate(
        categories_policy,
        region="440000",
        year=2017,
        person=ENGINEER,
        records=[
            Record(
                credited_year=2017,
                category=Category.ELECTIVE,
                hours=Decimal(90),
                taken_on=D(2017, 3, 1),
            )
        ],
    )
    assert verdict.notes == ()
    assert verdict.compliant


def test_a_rule_starting_on_the_last_day_makes_a_span_of_one_day(
    categories_policy: Policy,
) -> None:
    spans = requirements(categories_policy, "440000", 2018, ENGINEER).spans
    assert [(s.first, s.last) for s in spans] == [
        (D(2018, 1, 1), D(2018, 6, 30)),  # the same categories, another clause: its own span
        (D(2018, 7, 1), D(2018, 12, 30)),
        (D(2018, 12, 31), D(2018, 12, 31)),
    ]
    assert spans[2].categories == frozenset({Category.PUBLIC})
    # Learning after the year (make-up) takes the year's last span, not any other.
    later = category_span_of(categories_policy, "440000", 2018, ENGINEER, D(2019, 3, 1))
    assert later == spans[2]


def test_the_span_of_a_day_includes_its_first_and_last_day() -> None:
    """Guangdong 2018: the national public and professional subjects until 10-31, the
    province's three categories from 11-01. The first and last day of the first span are
    the first span's, not the year's close."""
    policy = default_policy()
    for day in (D(2018, 1, 1), D(2018, 10, 31)):
        span = category_span_of(policy, "440000", 2018, ENGINEER, day)
        assert (span.first, span.last) == (D(2018, 1, 1), D(2018, 10, 31)), day
        assert span.categories == {Category.PUBLIC, Category.PROFESSIONAL}
    november = category_span_of(policy, "440000", 2018, ENGINEER, D(2018, 11, 1))
    assert Category.ELECTIVE in november.categories


def test_general_practice_credits_of_the_cycles_last_year_count() -> None:
    primary = Person(TitleLevel.JUNIOR, "health", InstitutionLevel.PRIMARY)
    records = [
        credits("25"),
        Record(credited_year=2017, credits=Decimal(10), general_practice=True),
    ]
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=primary,
        records=records,
        appointment_cycle=(2015, 2017),
    )
    (condition,) = verdict.conditions
    assert condition.met
    assert condition.text.endswith("（已认定 10 分）")
    none = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=primary,
        records=records[:1],
        appointment_cycle=(2015, 2017),
    )
    assert [(c.met, c.text.endswith("（已认定 0 分）")) for c in none.conditions] == [(False, True)]
