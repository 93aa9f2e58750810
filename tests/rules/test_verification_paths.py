"""Verification paths as policy data (issue 17): Luojiang 2017 §二(一) — health staff's
certificates first reviewed by the health authority, then verified by the bureau; teachers'
checked and stamped by the education authority every year and, at the end of the five-year
cycle, verified by it jointly with the bureau, the cycle deciding the next year's appointment
and promotion — and §二(二), the bureau's own trainings verified directly (调训验证)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from xueshi.rules import InstitutionLevel, Person, Role, TitleLevel, default_policy
from xueshi.rules.strict_yaml import PolicyError
from xueshi.rules.verification import (
    Stamp,
    certificate_path,
    cycle_consequence,
    next_stamp,
    verification_path,
)

D = dt.date
SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "001_2a3fbb393656e2ec.txt"
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")
DOCTOR = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY)
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
CYCLE = (2013, 2014, 2015, 2016, 2017)


def path(person: Person, year: int = 2017, cycle: tuple[int, ...] = (2017,)) -> list[object]:
    steps = certificate_path(
        default_policy(), region="350504", year=year, person=person, cycle=cycle
    )
    return [(s.act, s.by, s.kind) for s in steps]


def test_health_staff_first_the_health_authority_then_the_bureau() -> None:
    assert path(DOCTOR) == [
        ("初审", (Role.INDUSTRY_AUTHORITY,), "year"),
        ("验证", (Role.BUREAU,), "year"),
    ]
    steps = certificate_path(default_policy(), region="350504", year=2017, person=DOCTOR, cycle=())
    assert all("二(一)" in s.citation and "先送卫计局初审" in s.citation for s in steps)
    assert steps[1].seal == "洛江区人力资源和社会保障局职业能力培训专用章"


def test_teachers_yearly_check_and_the_joint_verification_at_the_cycles_end() -> None:
    assert path(TEACHER, 2017, (2017,)) == [("审核验印", (Role.INDUSTRY_AUTHORITY,), "year")]
    assert path(TEACHER, 2017, CYCLE) == [
        ("审核验印", (Role.INDUSTRY_AUTHORITY,), "year"),
        ("统一验证", (Role.INDUSTRY_AUTHORITY, Role.BUREAU), "cycle"),
    ]
    # A cycle closing in a later year: 2017 is inside it, only the year's check.
    assert path(TEACHER, 2017, (2017, 2018, 2019, 2020, 2021)) == [
        ("审核验印", (Role.INDUSTRY_AUTHORITY,), "year")
    ]
    steps = certificate_path(
        default_policy(), region="350504", year=2017, person=TEACHER, cycle=CYCLE
    )
    assert "每年由同级教育行政部门审核验印一次" in steps[0].citation
    assert "会同同级人社行政部门进行统一验证" in steps[1].citation
    assert steps[1].joint
    assert steps[1].describe() == "行业主管部门会同人力资源和社会保障部门统一验证"


def test_everyone_else_the_bureau_alone() -> None:
    assert path(ENGINEER) == [("验证", (Role.BUREAU,), "year")]
    assert path(ENGINEER, 2017, CYCLE) == [("验证", (Role.BUREAU,), "year")]  # no cycle path


def test_the_paths_start_with_the_notice_and_no_other_region_has_one() -> None:
    policy = default_policy()
    assert path(DOCTOR, 2016) == []  # before 2017-03-03: the national rules name no path
    for region in ("440500", "410200", "341882", "000000"):
        for kind in ("year", "cycle", "dispatched"):
            assert (
                verification_path(
                    policy, region=region, kind=kind, day=D(2017, 6, 1), person=TEACHER
                )
                is None
            )
    assert (
        verification_path(policy, region="350504", kind="year", day=D(2017, 3, 2), person=DOCTOR)
        is None
    )
    found = verification_path(
        policy, region="350504", kind="year", day=D(2017, 3, 3), person=DOCTOR
    )
    assert found is not None
    assert found.reference.notice.id == "luojiang-2017"


def test_dispatched_training_verified_directly_by_the_bureau_with_its_stamp() -> None:
    for person in (TEACHER, DOCTOR, ENGINEER, None):
        found = verification_path(
            default_policy(), region="350504", kind="dispatched", day=D(2017, 8, 18), person=person
        )
        assert found is not None
        assert found.reference.section == "二(二)"
        (step,) = found.steps
        assert (step.act, step.by) == ("调训验证", (Role.BUREAU,))
        assert "培训专用章" in step.seal
        assert "直接验证" in step.citation


def test_a_year_of_the_bureaus_own_trainings_takes_the_dispatched_path_instead() -> None:
    """§二(二): a year wholly of the bureau's trainings is verified by it directly, in place
    of the year's path (no 卫计局 first, no roster); a teacher's cycle still closes jointly."""

    def dispatched(person: Person, year: int = 2017, cycle: tuple[int, ...] = (2017,)) -> list:
        steps = certificate_path(
            default_policy(),
            region="350504",
            year=year,
            person=person,
            cycle=cycle,
            dispatched=True,
        )
        return [(s.act, s.by, s.kind) for s in steps]

    assert dispatched(ENGINEER) == [("调训验证", (Role.BUREAU,), "dispatched")]
    assert dispatched(DOCTOR) == [("调训验证", (Role.BUREAU,), "dispatched")]
    assert dispatched(TEACHER, 2017, CYCLE) == [
        ("调训验证", (Role.BUREAU,), "dispatched"),
        ("统一验证", (Role.INDUSTRY_AUTHORITY, Role.BUREAU), "cycle"),
    ]
    # Before the notice no path at all; elsewhere none is invented.
    assert dispatched(ENGINEER, 2016) == []
    assert (
        certificate_path(
            default_policy(),
            region="440500",
            year=2014,
            person=ENGINEER,
            cycle=(2014,),
            dispatched=True,
        )
        == ()
    )


def test_the_cycles_consequence_binds_the_next_year() -> None:
    found = cycle_consequence(
        default_policy(), region="350504", year=2017, person=TEACHER, cycle=CYCLE
    )
    assert found is not None
    assert found.year == 2018
    assert found.withheld == ("评聘", "晋升")
    assert found.reference.section == "二(一)"
    assert found.text(decided=False, compliant=False, undecided_why="规定学时数未录入") == (
        "2018 年度能否评聘、晋升：无法判定（规定学时数未录入）。"
    )
    assert found.text(decided=True, compliant=False) == "周期未完成：2018 年度不予评聘、晋升。"
    assert found.text(decided=True, compliant=True) == "周期已完成：2018 年度可按规定评聘、晋升。"
    # Not at a cycle's end, not a teacher: nothing follows.
    assert (
        cycle_consequence(default_policy(), region="350504", year=2016, person=TEACHER, cycle=CYCLE)
        is None
    )
    assert (
        cycle_consequence(
            default_policy(), region="350504", year=2017, person=ENGINEER, cycle=CYCLE
        )
        is None
    )


def test_next_stamp_in_order_and_a_joint_step_waits_for_each_body() -> None:
    steps = certificate_path(
        default_policy(), region="350504", year=2017, person=TEACHER, cycle=CYCLE
    )
    first = next_stamp(steps, ())
    assert first is not None
    assert (first.index, first.waiting) == (0, (Role.INDUSTRY_AUTHORITY,))
    # The bureau's stamp on the joint step does not pass over the yearly check.
    early = next_stamp(steps, (Stamp(1, Role.BUREAU),))
    assert early is not None
    assert early.index == 0
    joint = next_stamp(steps, (Stamp(0, Role.INDUSTRY_AUTHORITY), Stamp(1, Role.BUREAU)))
    assert joint is not None
    assert (joint.index, joint.waiting) == (1, (Role.INDUSTRY_AUTHORITY,))
    done = (
        Stamp(0, Role.INDUSTRY_AUTHORITY),
        Stamp(1, Role.INDUSTRY_AUTHORITY),
        Stamp(1, Role.BUREAU),
    )
    assert next_stamp(steps, done) is None


def test_every_quoted_sentence_is_the_notices_own() -> None:
    if not SEED.exists():
        pytest.skip(f"the seed notice is not beside this checkout: {SEED}")
    """The clauses the paths quote are in the seed notice word for word."""
    text = "".join(SEED.read_text(encoding="utf-8").split())
    policy = default_policy()
    for kind, person in (
        ("year", DOCTOR),
        ("year", TEACHER),
        ("year", ENGINEER),
        ("cycle", TEACHER),
        ("dispatched", None),
    ):
        found = verification_path(
            policy, region="350504", kind=kind, day=D(2017, 12, 31), person=person
        )
        assert found is not None
        quoted = found.steps[0].citation.split("：“", 1)[1].removesuffix("”")
        for part in quoted.split("……"):
            assert "".join(part.split()) in text, (kind, person, part)
    consequence = cycle_consequence(policy, region="350504", year=2017, person=TEACHER, cycle=CYCLE)
    assert consequence is not None
    assert consequence.reference.clause in text


def test_a_path_without_its_clause_or_with_an_unknown_role_is_refused(tmp_path: Path) -> None:
    from xueshi.rules.parameters import PARAMETERS, ValueInvalid

    check = PARAMETERS["verification_path.year"].check
    with pytest.raises(ValueInvalid, match="缺少键"):
        check({"steps": [{"act": "验证", "by": ["bureau"]}]})
    with pytest.raises(ValueInvalid, match="未知的取值 'health_bureau'"):
        check({"clause": "x", "steps": [{"act": "初审", "by": ["health_bureau"]}]})
    with pytest.raises(ValueInvalid, match="角色重复"):
        check({"clause": "x", "steps": [{"act": "验证", "by": ["bureau", "bureau"]}]})
    consequence = PARAMETERS["verification.cycle_consequence"].check
    with pytest.raises(ValueInvalid, match="未知的取值 'dismissal'"):
        consequence({"incomplete": ["dismissal"], "year_offset": 1})
    assert PolicyError  # the loader wraps these with file and line
