"""Review chains: who enters a record of a category and who reviews it, in order.

Shantou 2014 §五(一)2–3 (S9, S10); Guangdong 2018 §三(一)–(三) (P2–P4), in force
2018-11-01 … 2023-10-31; Guangde 2020 §三(一)(二) (G3); Luojiang 2017 §一(五)3, §二(一) (L6, L8).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from xueshi.rules import (
    Category,
    InstitutionLevel,
    Person,
    Role,
    TitleLevel,
    default_policy,
    load_policy,
)
from xueshi.rules import review_chain as _review_chain
from xueshi.rules.chains import Chain, chain_day, record_chain

D = dt.date
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")
DOCTOR = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY)


def chain(region: str, category: str, day: dt.date, person: Person = ENGINEER) -> Chain | None:
    return _review_chain(default_policy(), region=region, category=category, day=day, person=person)


# -- Shantou 2014 (S10) -------------------------------------------------------------------------


def test_shantou_2014_professional_employer_then_bureau_with_evidence() -> None:
    result = chain("440500", "professional", D(2014, 6, 1))
    assert result is not None
    assert result.steps == (Role.EMPLOYER, Role.BUREAU)
    assert set(result.entered_by) == {Role.PROFESSIONAL, Role.EMPLOYER, Role.PROVIDER}
    assert result.evidence_required
    assert result.evidence_reference is not None
    assert result.region == "440500"
    assert result.next_step(0) is Role.EMPLOYER
    assert result.next_step(1) is Role.BUREAU
    assert result.next_step(2) is None


def test_shantou_2014_public_entered_by_provider_reviewed_by_bureau_without_upload() -> None:
    result = chain("440500", "public", D(2014, 6, 1))
    assert result is not None
    assert result.entered_by == (Role.PROVIDER,)
    assert result.steps == (Role.BUREAU,)
    assert not result.evidence_required


def test_shantou_2014_elective_certified_by_employer_with_evidence() -> None:
    result = chain("440500", "elective", D(2014, 6, 1))
    assert result is not None
    assert result.steps == (Role.EMPLOYER,)
    assert result.evidence_required


def test_shantou_chain_is_the_2014_notices_in_2014_only() -> None:
    """The 2014 notice's chain (employer, then the bureau) ends with its year; from 2015-10-01
    the national rules' record by the employer (第十四条), from 2018-11-01 the province's
    opinion, from 2023-11-01 the national rules again (docs/adr/0014)."""
    in_2014 = chain("440500", "professional", D(2014, 12, 31))
    assert in_2014 is not None
    assert in_2014.steps == (Role.EMPLOYER, Role.BUREAU)
    assert in_2014.reference.notice.id == "shantou-2014"
    assert chain("440500", "professional", D(2015, 1, 1)) is None  # no rule in force that day
    for day in (D(2015, 10, 1), D(2018, 10, 31), D(2023, 11, 1), D(2025, 6, 1)):
        national = chain("440500", "professional", day)
        assert national is not None, day
        assert national.steps == (Role.EMPLOYER,)
        assert (national.reference.notice.id, national.reference.section) == (
            "mohrss-25",
            "第十四条",
        )
        assert not national.evidence_required
    province = chain("440500", "professional", D(2018, 11, 1))
    assert province is not None
    assert province.reference.notice.id == "guangdong-2018"
    assert province.steps == (Role.EMPLOYER,)


# -- Guangdong 2018 regime (P2–P4) --------------------------------------------------------------


def test_shantou_2019_professional_is_certified_by_the_employer_only() -> None:
    result = chain("440500", "professional", D(2019, 6, 1))
    assert result is not None
    assert result.entered_by == (Role.PROFESSIONAL,)
    assert result.steps == (Role.EMPLOYER,)
    assert result.region == "440000"
    # Shantou's upload rule (S9) was the 2014 notice's, for 2014 (docs/adr/0014).
    assert not result.evidence_required


def test_guangdong_2019_teacher_professional_is_certified_by_the_industry_authority() -> None:
    for region in ("440000", "440500"):
        result = chain(region, "professional", D(2019, 6, 1), TEACHER)
        assert result is not None
        assert result.entered_by == (Role.INDUSTRY_AUTHORITY,)
        assert result.steps == (Role.INDUSTRY_AUTHORITY,)


def test_guangdong_2019_health_professional_is_certified_by_the_industry_authority() -> None:
    result = chain("440000", "professional", D(2019, 6, 1), DOCTOR)
    assert result is not None
    assert result.steps == (Role.INDUSTRY_AUTHORITY,)


def test_guangdong_2019_professional_of_a_person_without_series_goes_to_the_employer() -> None:
    result = chain("440000", "professional", D(2019, 6, 1), Person())
    assert result is not None
    assert result.steps == (Role.EMPLOYER,)


def test_guangdong_2019_elective_declared_by_the_person_certified_by_the_employer() -> None:
    result = chain("440000", "elective", D(2019, 6, 1))
    assert result is not None
    assert result.entered_by == (Role.PROFESSIONAL,)
    assert result.steps == (Role.EMPLOYER,)
    assert not result.evidence_required  # the province itself sets no upload rule


def test_guangdong_2019_public_hours_are_recorded_by_the_system_without_review() -> None:
    result = chain("440000", "public", D(2019, 6, 1))
    assert result is not None
    assert result.entered_by == (Role.SYSTEM,)
    assert result.steps == ()
    assert result.next_step(0) is None


# -- Guangde 2020 (G3) --------------------------------------------------------------------------


def test_guangde_professional_is_verified_by_the_bureau_against_evidence() -> None:
    result = chain("341882", "professional", D(2020, 6, 1))
    assert result is not None
    assert set(result.entered_by) == {Role.PROVIDER, Role.INDUSTRY_AUTHORITY}
    assert result.steps == (Role.BUREAU,)
    assert result.evidence_required


def test_guangde_public_hours_are_registered_by_the_bureau() -> None:
    result = chain("341882", "public", D(2020, 6, 1))
    assert result is not None
    assert result.entered_by == (Role.BUREAU,)
    assert result.steps == ()


# -- Luojiang 2017 (L6, L8) ---------------------------------------------------------------------


def test_luojiang_health_professional_industry_authority_then_bureau() -> None:
    result = chain("350504", "professional", D(2017, 6, 1), DOCTOR)
    assert result is not None
    assert result.steps == (Role.INDUSTRY_AUTHORITY, Role.BUREAU)
    assert result.next_step(1) is Role.BUREAU


def test_luojiang_other_professional_reviewed_by_the_bureau() -> None:
    result = chain("350504", "professional", D(2017, 6, 1))
    assert result is not None
    assert result.steps == (Role.BUREAU,)


# -- not set ----------------------------------------------------------------------------------


def test_no_chain_where_nothing_is_set() -> None:
    assert chain("350504", "elective", D(2017, 6, 1)) is None  # no elective in Luojiang
    assert chain("350504", "professional", D(2015, 9, 30)) is None  # before 人社部令第25号
    assert chain("341882", "professional", D(2015, 6, 1)) is None  # before it, in Guangde
    assert chain("440500", "elective", D(2024, 1, 1)) is None  # the 2018 opinion has expired


def test_where_no_notice_sets_a_chain_the_national_record_by_the_employer_applies() -> None:
    """人社部令第25号 第十四条 from 2015-10-01: before a notice (Luojiang 2017-03-02), where a
    notice sets none (Kaifeng's professional hours), after a yearly notice's year (Guangde
    2021, Kaifeng 2017) and after the province's opinion (Shantou 2024)."""
    for region, category, day in [
        ("350504", "professional", D(2017, 3, 2)),
        ("410200", "professional", D(2016, 8, 1)),
        ("410200", "public", D(2017, 8, 1)),
        ("341882", "public", D(2021, 6, 1)),
        ("341882", "professional", D(2019, 6, 1)),
        ("440500", "public", D(2024, 1, 1)),
    ]:
        result = chain(region, category, day)
        assert result is not None, (region, category, day)
        assert result.region == "000000"
        assert result.reference.section == "第十四条"
        assert result.steps == (Role.EMPLOYER,)
    kaifeng_2016 = chain("410200", "public", D(2016, 8, 1))
    assert kaifeng_2016 is not None
    assert kaifeng_2016.reference.notice.id == "kaifeng-2016"


def test_describe_reads_in_chinese() -> None:
    result = chain("440500", "professional", D(2014, 6, 1))
    assert result is not None
    text = result.describe()
    assert "专业科目" in text
    assert "用人单位 → 人力资源和社会保障部门" in text
    assert "须上传证明材料" in text
    assert Category.PROFESSIONAL is result.category


# -- what people read, and where it comes from (issue 19) ----------------------------------------


def test_describe_names_every_role_in_order_with_the_upload() -> None:
    result = chain("440500", "professional", D(2014, 6, 1))
    assert result is not None
    assert result.describe() == (
        "专业科目：由专业技术人员、用人单位、施教机构登记，须上传证明材料；"
        "审核：用人单位 → 人力资源和社会保障部门。"
    )
    assert result.reference.section == "五(一)3"
    assert result.evidence_reference is not None
    assert result.evidence_reference.section == "五(一)2"


def test_describe_without_upload_or_review() -> None:
    public = chain("440500", "public", D(2014, 6, 1))
    assert public is not None
    assert public.describe() == "公需科目：由施教机构登记；审核：人力资源和社会保障部门。"
    # Shantou has an upload rule, for other categories: it is not cited for public hours.
    assert public.evidence_reference is None
    bureau = chain("341882", "public", D(2020, 6, 1))
    assert bureau is not None
    assert bureau.describe() == "公需科目：由人力资源和社会保障部门登记；审核：无需审核。"


def test_describe_does_not_say_registered_twice_for_the_system() -> None:
    """The system's label already ends in 登记 (管理系统自动登记)."""
    result = chain("440000", "public", D(2019, 6, 1))
    assert result is not None
    assert result.describe() == "公需科目：由管理系统自动登记；审核：无需审核。"
    assert result.reference.section == "三(一)"


def test_the_upload_rule_is_read_for_the_person(tmp_path: Path) -> None:
    """An upload rule broken down by series applies to the series it names only."""
    (tmp_path / "notices.yaml").write_text(
        "n:\n  title: 规定\n  issuer: 人社局\n  date: 2016-01-01\n", encoding="utf-8"
    )
    folder = tmp_path / "regions" / "000000"
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(
        'code: "000000"\nname: 全国\nlevel: national\nparent: null\n', encoding="utf-8"
    )
    (folder / "parameters.yaml").write_text(
        textwrap.dedent("""\
            review_chain.professional:
              - from: 2016-01-01
                unit: chain
                value: {entered_by: [employer], steps: [bureau]}
                reference: {notice: n, section: 一, clause: 用人单位登记，人社局审核}
            evidence.required:
              - from: 2016-01-01
                unit: category
                value: {by: series, health: [professional]}
                reference: {notice: n, section: 二, clause: 卫生系列上传证明材料}
            """),
        encoding="utf-8",
    )
    policy = load_policy(tmp_path)
    day = D(2016, 6, 1)
    doctor = _review_chain(policy, region="000000", category="professional", day=day, person=DOCTOR)
    engineer = _review_chain(
        policy, region="000000", category="professional", day=day, person=ENGINEER
    )
    assert doctor is not None
    assert engineer is not None
    assert doctor.evidence_required
    assert doctor.evidence_reference is not None
    assert doctor.evidence_reference.section == "二"
    assert not engineer.evidence_required
    assert engineer.evidence_reference is None
    assert (engineer.region, engineer.reference.section) == ("000000", "一")


# -- the chain a record follows (ADR 0014) ------------------------------------------------------


def test_a_records_chain_day_is_the_day_its_learning_ended_inside_its_year() -> None:
    assert chain_day(2018, D(2018, 6, 1)) == D(2018, 6, 1)
    assert chain_day(2018, None) == D(2018, 12, 31)
    assert chain_day(2018, D(2019, 2, 1)) == D(2018, 12, 31)  # make-up: the year's close
    assert chain_day(2018, D(2017, 12, 31)) == D(2018, 12, 31)


def test_where_no_chain_is_in_force_on_the_day_the_years_close_decides() -> None:
    """Shantou, 2015-01-01 … 09-30: no chain in force (the 2014 notice's year is over, the
    national rule starts on 10-01); a record of June 2015 follows the chain at the close."""
    policy = default_policy()
    june = D(2015, 6, 1)
    assert _review_chain(policy, region="440500", category="professional", day=june) is None
    chain = record_chain(
        policy, region="440500", category="professional", credited_year=2015, taken_on=june
    )
    assert chain is not None
    assert (chain.reference.notice.id, chain.reference.section) == ("mohrss-25", "第十四条")
    assert chain.steps == (Role.EMPLOYER,)
    in_2014 = record_chain(
        policy,
        region="440500",
        category="professional",
        credited_year=2014,
        taken_on=D(2015, 3, 1),
        person=ENGINEER,
    )
    assert in_2014 is not None
    assert in_2014.steps == (Role.EMPLOYER, Role.BUREAU)
    assert in_2014.reference.section == "五(一)3"
    assert (
        record_chain(policy, region="440500", category="professional", credited_year=2013) is None
    )


def test_a_record_keeps_the_chain_of_the_day_its_learning_ended() -> None:
    """Shantou 2018: in June the national employer record (第十四条) is in force, from
    2018-11-01 the province's opinion; June's learning keeps June's chain, for the person."""
    policy = default_policy()
    june = record_chain(
        policy,
        region="440500",
        category="professional",
        credited_year=2018,
        taken_on=D(2018, 6, 1),
        person=ENGINEER,
    )
    close = record_chain(
        policy, region="440500", category="professional", credited_year=2018, person=ENGINEER
    )
    assert june is not None
    assert close is not None
    assert (june.reference.notice.id, june.reference.section) == ("mohrss-25", "第十四条")
    assert (close.reference.notice.id, close.reference.section) == ("guangdong-2018", "三(二)")
    doctor = record_chain(
        policy,
        region="350504",
        category="professional",
        credited_year=2017,
        taken_on=D(2017, 6, 1),
        person=DOCTOR,
    )
    assert doctor is not None
    assert doctor.steps == (Role.INDUSTRY_AUTHORITY, Role.BUREAU)


def test_the_chain_at_the_years_close_is_read_for_the_person(tmp_path: Path) -> None:
    """After a day without a chain, the chain at the year's close is the person's: a doctor's
    follows the health series' chain, an engineer's the others'."""
    (tmp_path / "notices.yaml").write_text(
        "n:\n  title: 规定\n  issuer: 人社局\n  date: 2016-01-01\n", encoding="utf-8"
    )
    folder = tmp_path / "regions" / "000000"
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(
        'code: "000000"\nname: 全国\nlevel: national\nparent: null\n', encoding="utf-8"
    )
    (folder / "parameters.yaml").write_text(
        textwrap.dedent("""\
            review_chain.professional:
              - from: 2016-01-01
                until: 2016-03-31
                unit: chain
                value: {entered_by: [employer], steps: [bureau]}
                reference: {notice: n, section: 一, clause: 用人单位登记，人社局审核}
              - from: 2016-04-01
                until: 2016-09-30
                unit: chain
                value: null
                reference: {notice: n, section: 一, clause: 用人单位登记，人社局审核}
              - from: 2016-10-01
                unit: chain
                value:
                  by: series
                  health: {entered_by: [industry_authority], steps: [industry_authority]}
                  other: {entered_by: [professional], steps: [employer]}
                reference: {notice: n, section: 二, clause: 卫生系列由行业主管部门审核}
            """),
        encoding="utf-8",
    )
    policy = load_policy(tmp_path)
    june = D(2016, 6, 1)
    assert _review_chain(policy, region="000000", category="professional", day=june) is None
    doctor = record_chain(
        policy,
        region="000000",
        category="professional",
        credited_year=2016,
        taken_on=june,
        person=DOCTOR,
    )
    engineer = record_chain(
        policy,
        region="000000",
        category="professional",
        credited_year=2016,
        taken_on=june,
        person=ENGINEER,
    )
    assert doctor is not None
    assert engineer is not None
    assert doctor.steps == (Role.INDUSTRY_AUTHORITY,)
    assert doctor.reference.section == "二"
    assert engineer.steps == (Role.EMPLOYER,)
