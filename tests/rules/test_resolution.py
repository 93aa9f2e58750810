"""Resolution along the region chain and what a verdict carries beyond the case-file contract.

The case files compare figures; these tests check *where* a figure comes from (which level
overrides which), the remarks and conditions of a verdict, and the rules the policy data holds
for other parts of the system (verification, certificates, assessment).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from xueshi.rules import (
    Category,
    InstitutionLevel,
    Key,
    Mode,
    Person,
    Reason,
    Record,
    TitleLevel,
    assessment_date,
    cycle_years,
    default_policy,
    evaluate,
    requirements,
)
from xueshi.rules.counting import makeup_refusal
from xueshi.rules.evaluate import exact

D = dt.date
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")


def figure_source(
    region: str, year: int, key: Key, person: Person = ENGINEER
) -> tuple[str, Decimal]:
    figure = requirements(default_policy(), region, year, person).figure(key)
    assert figure is not None, (region, year, key)
    return figure.region, figure.required


# -- which level a figure comes from ----------------------------------------------------------


def test_luojiang_sets_its_own_60_h_professional_instead_of_the_national_share() -> None:
    assert figure_source("350504", 2017, Key.PROFESSIONAL) == ("350504", 60)
    assert figure_source("350504", 2017, Key.TOTAL) == ("350504", 90)


def test_luojiang_before_its_notice_inherits_the_national_figures() -> None:
    assert figure_source("350504", 2016, Key.PROFESSIONAL) == ("000000", 60)
    assert figure_source("350504", 2016, Key.TOTAL) == ("000000", 90)


def test_shantou_42_h_professional_overrides_the_national_share_in_its_own_year() -> None:
    assert figure_source("440500", 2014, Key.PROFESSIONAL) == ("440500", 42)
    assert figure_source("440500", 2014, Key.TOTAL) == ("440500", 72)


def test_after_its_year_the_shantou_notice_gives_way_to_the_national_rules() -> None:
    """Issue 10, finding 2: a notice for 2014 governs 2014; 2016 and 2024 are national."""
    for year in (2016, 2024):
        assert figure_source("440500", year, Key.PROFESSIONAL) == ("000000", 60)
        assert figure_source("440500", year, Key.TOTAL) == ("000000", 90)


def test_kaifeng_sets_the_total_and_inherits_the_national_two_thirds_share() -> None:
    assert figure_source("410200", 2016, Key.TOTAL) == ("410200", 90)
    assert figure_source("410200", 2016, Key.PROFESSIONAL) == ("000000", 60)
    assert figure_source("410200", 2016, Key.PUBLIC) == ("410200", 26)
    junior = Person(TitleLevel.JUNIOR, "engineering")
    assert figure_source("410200", 2016, Key.PUBLIC, junior) == ("410200", 22)


def test_guangde_states_two_thirds_of_90_itself() -> None:
    assert figure_source("341882", 2020, Key.PROFESSIONAL) == ("341882", 60)
    assert figure_source("341882", 2020, Key.PUBLIC) == ("341882", 30)
    assert figure_source("341882", 2019, Key.PROFESSIONAL) == ("000000", 60)


def test_a_province_only_value_elective_category_in_guangdong() -> None:
    policy = default_policy()
    resolved = policy.resolve("categories", "440000", D(2019, 12, 31))
    assert resolved is not None
    assert resolved.region == "440000"
    assert Category.ELECTIVE in resolved.value
    national = policy.resolve("categories", "440000", D(2024, 12, 31))
    assert national is not None
    assert national.region == "000000"
    assert Category.ELECTIVE not in national.value


def test_a_breakdown_without_the_persons_key_falls_through_to_the_parent() -> None:
    policy = default_policy()
    # Kaifeng's public figure is by title level with no `other`: no title → ask the parents.
    assert policy.resolve("hours.public", "410200", D(2016, 12, 31), Person()) is None
    # Luojiang's credit figure covers health only: an engineer falls through (nothing above).
    assert policy.resolve("credits.total", "350504", D(2017, 12, 31), ENGINEER) is None


def test_null_in_a_breakdown_stops_the_walk_before_the_national_90_h() -> None:
    policy = default_policy()
    doctor = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY)
    assert policy.resolve("hours.total", "350504", D(2017, 12, 31), doctor) is None
    assert policy.resolve("hours.total", "350504", D(2017, 12, 31), TEACHER) is None
    assert policy.value("hours.total", "000000", D(2017, 12, 31)) == 90


# -- periods and figures ----------------------------------------------------------------------


def test_a_year_is_assessed_at_its_last_day() -> None:
    assert assessment_date(2017) == D(2017, 12, 31)


def test_a_teachers_cycle_ends_with_the_year() -> None:
    assert list(cycle_years(2017, 5)) == [2013, 2014, 2015, 2016, 2017]
    assert requirements(default_policy(), "350504", 2017, TEACHER).years == (
        2013,
        2014,
        2015,
        2016,
        2017,
    )


def test_a_share_that_does_not_terminate_is_rounded_up_to_a_true_minimum() -> None:
    assert exact(Fraction(2, 3) * 90) == Decimal(60)
    assert exact(Fraction(2, 3) * 100) == Decimal("66.67")


# -- what a verdict carries -------------------------------------------------------------------


def test_primary_health_staff_get_the_general_practice_remark() -> None:
    primary = Person(TitleLevel.JUNIOR, "health", InstitutionLevel.PRIMARY)
    verdict = evaluate(default_policy(), region="350504", year=2017, person=primary, records=[])
    assert len(verdict.remarks) == 1
    assert "全科医学" in verdict.remarks[0]
    assert "10" in verdict.remarks[0]
    assert "credits" in verdict.shortfall  # the yearly 25 credits still apply


def test_secondary_health_staff_get_no_general_practice_remark() -> None:
    secondary = Person(TitleLevel.JUNIOR, "health", InstitutionLevel.SECONDARY)
    verdict = evaluate(default_policy(), region="350504", year=2017, person=secondary, records=[])
    assert verdict.remarks == ()


def test_teachers_centralised_training_is_a_condition_met_by_any_counted_record() -> None:
    policy = default_policy()
    empty = evaluate(policy, region="350504", year=2017, person=TEACHER, records=[])
    assert [(c.code, c.met) for c in empty.conditions] == [("centralised_training", False)]
    trained = evaluate(
        policy,
        region="350504",
        year=2017,
        person=TEACHER,
        records=[
            Record(
                credited_year=2015,
                category=Category.PROFESSIONAL,
                hours=Decimal(30),
                mode=Mode.ONLINE,
            ),
        ],
    )
    assert [(c.code, c.met) for c in trained.conditions] == [("centralised_training", True)]
    assert trained.shortfall == {"public_required": Decimal(2)}


def test_the_record_crossing_the_remote_cap_reports_the_part_that_counted() -> None:
    doctor = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY)
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=doctor,
        records=[
            Record(credited_year=2017, credits=Decimal(10), mode=Mode.ONLINE),
            Record(credited_year=2017, credits=Decimal(5), mode=Mode.ONLINE),
        ],
    )
    (note,) = verdict.notes
    assert note.index == 1
    assert note.reason is Reason.OVER_CAP
    assert note.counted == Decimal(2)
    assert note.reference is not None
    assert verdict.counted["credits"] == Decimal(12)


def test_refusals_cite_their_clause() -> None:
    verdict = evaluate(
        default_policy(),
        region="440500",
        year=2013,
        person=ENGINEER,
        records=[
            Record(
                credited_year=2013,
                category=Category.PUBLIC,
                hours=Decimal(20),
                taken_on=D(2015, 1, 1),
            ),
        ],
    )
    (note,) = verdict.notes
    assert note.reason is Reason.MAKEUP_REFUSED
    assert note.reference is not None
    assert "从2015年开始" in note.reference.clause


def test_the_shantou_makeup_window_stops_at_2010() -> None:
    """S7 lists 2010–2013; 2009 has no requirement to evaluate, so check the rule directly."""
    record = Record(
        credited_year=2009, category=Category.PUBLIC, hours=Decimal(20), taken_on=D(2014, 6, 10)
    )
    refusal = makeup_refusal(default_policy(), "440500", record, (2009,), ENGINEER)
    assert refusal is not None
    assert refusal[0] is Reason.MAKEUP_REFUSED
    assert "2010–2013" in refusal[1]


def test_the_verdict_as_dict_keeps_numbers_exact() -> None:
    verdict = evaluate(
        default_policy(),
        region="440500",
        year=2014,
        person=ENGINEER,
        records=[
            Record(credited_year=2014, category=Category.PROFESSIONAL, hours=Decimal("41.5")),
        ],
    )
    data = verdict.as_dict()
    assert data["shortfall"]["professional"] == "0.5"
    assert data["policy_version"] == default_policy().version


# -- rules the data holds for verification, certificates and assessment -------------------------


def test_verification_is_applied_for_by_the_employer_not_individuals() -> None:
    policy = default_policy()
    assert policy.value("verification.individual_applications", "440500", D(2014, 6, 1)) is False
    assert policy.value("verification.individual_applications", "350504", D(2017, 6, 1)) is False


def test_luojiang_missed_verification_is_forfeited_except_for_at_most_two_years() -> None:
    forfeit = default_policy().value("verification.forfeit", "350504", D(2017, 6, 1))
    assert forfeit["missed_year"] == "forfeited"
    assert forfeit["max_years"] == 2
    assert set(forfeit["exceptions"]) == {"long_term_training", "sick_leave"}
    unapproved = default_policy().value("verification.unapproved_training", "350504", D(2017, 6, 1))
    assert unapproved == {"verified": False}


def test_guangde_pass_mark_is_60() -> None:
    assert default_policy().value("assessment.pass_mark", "341882", D(2020, 6, 1)) == 60


def test_shantou_training_windows() -> None:
    window = default_policy().value("training_window", "440500", D(2014, 6, 1))
    assert window["promotion"] == ("05-01", "08-31")
    assert window["appointment"] == ("05-01", "10-31")


def test_certificates_bureau_stamp_in_shantou_then_employer_confirmation() -> None:
    policy = default_policy()
    before = policy.value("certificate", "440500", D(2014, 12, 31), ENGINEER)
    assert before["stamp"] == "bureau"
    assert before["stamp_required"] is True
    # The 2014 notice's certificate is of its year; the national rules set none.
    assert policy.value("certificate", "440500", D(2018, 10, 31), ENGINEER) is None
    after = policy.value("certificate", "440500", D(2018, 11, 1), ENGINEER)
    assert after["shape"] == "annual_e_certificate"
    assert after["confirmed_by"] == "employer"
    assert policy.value("certificate", "440500", D(2019, 6, 1), TEACHER)["confirmed_by"] == (
        "industry_authority"
    )
    assert policy.value("certificate", "440500", D(2024, 1, 1), ENGINEER) is None


def test_guangde_booklet_keeps_its_number_on_renewal_and_replacement() -> None:
    booklet = default_policy().value("certificate", "341882", D(2020, 6, 1))
    assert booklet["shape"] == "booklet"
    assert set(booklet["number_kept_on"]) == {"renewal", "replacement"}
    assert booklet["replacement_reentry_requires_evidence"] == ["professional"]


def test_change_days_split_the_calendar_where_makeup_may_change() -> None:
    """Between two change days ``resolve`` answers the same: 汕头's make-up rule changes on
    2014-01-01 and 2015-01-01 (its 2014 window ends 2014-12-31), nowhere else."""
    policy = default_policy()
    days = policy.change_days("makeup", "440500")
    assert days == (D(2014, 1, 1), D(2015, 1, 1))
    # Guangde's “当年学习、当年验证” is its notice for 2020's, in force for 2020 only.
    assert policy.change_days("makeup", "341882") == (D(2020, 1, 1), D(2021, 1, 1))

    def answers(day: dt.date) -> object:
        return policy.value("makeup", "440500", day, ENGINEER)

    from bisect import bisect_right

    for first, second in [
        (D(2013, 5, 1), D(2013, 12, 31)),
        (D(2014, 1, 1), D(2014, 12, 31)),
        (D(2015, 1, 1), D(2025, 6, 30)),
    ]:
        assert bisect_right(days, first) == bisect_right(days, second)
        assert answers(first) == answers(second)
    assert answers(D(2014, 12, 31)) != answers(D(2015, 1, 1))


def test_clauses_not_yet_used_by_the_verdict_are_data_with_their_clauses() -> None:
    """Issue 10, finding 5: each clause is in the policy, dated, with its section."""
    policy = default_policy()

    def found(name: str, region: str, day: dt.date, person: Person | None = None) -> object:
        resolved = policy.resolve(name, region, day, person)
        assert resolved is not None, (name, region, day)
        return resolved.value, resolved.reference.section

    assert found("funding.employer_share", "440500", D(2019, 1, 1)) == (Decimal("1.5"), "四")
    assert policy.resolve("funding.employer_share", "440000", D(2023, 11, 1)) is None
    assert found("training_level.promotion", "410200", D(2016, 7, 1)) == (
        {"associate_senior": "city", "senior": "city", "intermediate": "county"},
        "三",
    )
    assert found("public.online_requires_consent", "440500", D(2014, 6, 1))[1] == "三"
    assert found("promotion_cycle.counts_for_year", "440500", D(2014, 6, 1)) == (True, "四(七)")
    assert found("verification_path.cycle", "350504", D(2017, 6, 1), TEACHER)[1] == "二(一)"
    assert policy.resolve("verification_path.cycle", "350504", D(2017, 6, 1), ENGINEER) is None
