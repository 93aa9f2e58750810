"""What counts, in the words a person reads and with the clause it cites (issue 19):
refusals of step 1 (status, period, make-up, the day's categories) and step 2 (hours or
credits not used), the review a pending record waits for, and the helpers the database
paths share with the single evaluation."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from xueshi.rules import (
    Category,
    Key,
    Mode,
    Person,
    Reason,
    Record,
    Status,
    TitleLevel,
    default_policy,
    evaluate,
    load_policy,
)
from xueshi.rules.counting import (
    COLUMN,
    COUNTED_STATES,
    PENDING_STATES,
    SUM_COLUMNS,
    column_sums,
    counted,
    counts_without_requirement,
    entry_refusal,
    is_pending,
    period_days,
    review_reference,
    status_refusal,
)
from xueshi.rules.evaluate import requirements
from xueshi.rules.policy import Policy
from xueshi.rules.workflow import RecordState

D = dt.date
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")


def hours(year: int, category: Category, amount: int, **kwargs: Any) -> Record:
    record = Record(credited_year=year, category=category, hours=Decimal(amount))
    return _with(record, **kwargs)


def _with(record: Record, **kwargs: Any) -> Record:
    return replace(record, **kwargs)


def test_a_refusal_of_the_days_categories_names_the_span() -> None:
    verdict = evaluate(
        default_policy(),
        region="440000",
        year=2018,
        person=ENGINEER,
        records=[hours(2018, Category.ELECTIVE, 20, taken_on=D(2018, 10, 31))],
    )
    (note,) = verdict.notes
    assert note.reason is Reason.CATEGORY_NOT_IN_FORCE
    assert note.message == (
        "2018-01-01至2018-10-31期间继续教育内容为公需科目、专业科目，"
        "2018-10-31 学习的选修科目不计入。"
    )
    assert note.reference is not None
    assert note.reference.section == "第七条"


def test_a_teachers_record_outside_the_cycle_and_credits_say_why() -> None:
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=TEACHER,
        records=[
            hours(2012, Category.PUBLIC, 2, required=True),
            Record(credited_year=2016, credits=Decimal(3)),
        ],
    )
    outside, credits = verdict.notes
    assert (outside.reason, outside.message) == (
        Reason.OUTSIDE_PERIOD,
        "归属 2012 年度，不在本次核查期间（2013–2017）内。",
    )
    assert outside.reference is not None
    assert outside.reference.section == "一(三)3"
    assert (credits.reason, credits.message, credits.reference) == (
        Reason.CREDITS_NOT_USED,
        "本地区该系列按学时核查，学分不计入。",
        None,
    )


def test_status_refusals() -> None:
    assert status_refusal(hours(2017, Category.PUBLIC, 1)) is None
    pending = status_refusal(hours(2017, Category.PUBLIC, 1, status=Status.PENDING))
    rejected = status_refusal(hours(2017, Category.PUBLIC, 1, status=Status.REJECTED))
    assert pending == (Reason.PENDING, "待审核，审核通过后计入。", None)
    assert rejected == (Reason.REJECTED, "审核未通过，不计入。", None)


def test_a_pending_record_waits_for_the_chain_of_the_day_it_was_taken() -> None:
    """In Shantou, 2018: until the province's opinion (2018-11-01) the national rule's
    employer record (人社部令第25号 第十四条) is the chain, from then on the opinion's
    (ADR 0014). Learning of June waits for the first; learning without a date, or after the
    year, for the chain at the year's close; credits go the professional way; in 2014
    Shantou's own chains; where no chain is set, no clause."""
    policy = default_policy()
    pending = Status.PENDING

    def section(record: Record) -> tuple[str, str] | None:
        reference = review_reference(policy, "440500", ENGINEER, record)
        return None if reference is None else (reference.notice.id, reference.section)

    june = D(2018, 6, 1)
    professional = hours(2018, Category.PROFESSIONAL, 5, status=pending)
    assert section(_with(professional, taken_on=june)) == ("mohrss-25", "第十四条")
    assert section(professional) == ("guangdong-2018", "三(二)")
    assert section(_with(professional, taken_on=D(2019, 2, 1))) == ("guangdong-2018", "三(二)")
    public = hours(2018, Category.PUBLIC, 5, status=pending)
    assert section(public) == ("guangdong-2018", "三(一)")
    credit = Record(credited_year=2018, credits=Decimal(5), status=pending)
    assert section(credit) == ("guangdong-2018", "三(二)")
    in_2014 = hours(2014, Category.PUBLIC, 5, status=pending, taken_on=D(2014, 6, 1))
    assert section(in_2014) == ("shantou-2014", "五(一)2–3")
    kaifeng = review_reference(policy, "410200", ENGINEER, hours(2016, Category.ELECTIVE, 5))
    assert kaifeng is None


def test_pending_and_counted_without_a_requirement() -> None:
    record = hours(2017, Category.PUBLIC, 5, status=Status.PENDING)
    assert is_pending(record, (2016, 2017))
    assert not is_pending(record, (2015, 2016))
    assert not is_pending(_with(record, status=Status.APPROVED), (2017,))
    approved = hours(2017, Category.PUBLIC, 5, taken_on=D(2019, 1, 1))
    assert counts_without_requirement(approved, 2017)
    assert not counts_without_requirement(approved, 2016)
    assert not counts_without_requirement(_with(approved, status=Status.PENDING), 2017)


def test_workflow_states_as_the_rules_see_them() -> None:
    assert COUNTED_STATES == (RecordState.APPROVED,)
    assert set(PENDING_STATES) == {RecordState.IN_REVIEW, RecordState.RETURNED}
    assert RecordState.DRAFT not in (*COUNTED_STATES, *PENDING_STATES)


def test_a_period_runs_from_its_first_new_year_to_its_last_new_years_eve() -> None:
    assert period_days((2013, 2014, 2015)) == (D(2013, 1, 1), D(2015, 12, 31))
    assert period_days((2017,)) == (D(2017, 1, 1), D(2017, 12, 31))


def test_the_sums_by_column() -> None:
    sums = column_sums(
        [
            hours(2017, Category.PUBLIC, 6, required=True),
            hours(2017, Category.PUBLIC, 0, required=True),
            hours(2017, Category.PUBLIC, 4),
            hours(2017, Category.PROFESSIONAL, 30, mode=Mode.ONLINE),
            hours(2017, Category.ELECTIVE, 2),
            Record(credited_year=2017, credits=Decimal("2.5")),
            Record(credited_year=2017, credits=Decimal(7), mode=Mode.ONLINE),
        ]
    )
    assert sums == {
        "public": Decimal(10),
        "public_required": Decimal(6),
        "professional": Decimal(30),
        "elective": Decimal(2),
        "credits_face": Decimal("2.5"),
        "credits_remote": Decimal(7),
        "public_required_courses": Decimal(1),
    }
    assert COLUMN["public_required_courses"].scale == 1
    assert COLUMN["public"].scale == 100
    assert COLUMN["credits_remote"].scale == 100


# -- for the person: where a rule is broken down by series (issue 19) ---------------------------

DOCTOR = Person(TitleLevel.INTERMEDIATE, "health")

SERIES_TREE = """\
categories:
  - from: 2016-01-01
    unit: category
    value: {by: series, health: [public, professional]}
    reference: {notice: n, section: 一, clause: 卫生系列继续教育内容为公需科目和专业科目}
hours.total:
  - from: 2016-01-01
    unit: hour
    value: 30
    reference: {notice: n, section: 二, clause: 每年不少于30学时}
makeup:
  - from: 2016-01-01
    unit: rule
    value: {by: series, health: {allowed: true}}
    reference: {notice: n, section: 三, clause: 卫生系列可补修上一年度学时}
review_chain.professional:
  - from: 2016-01-01
    unit: chain
    value: {by: series, health: {entered_by: [provider], steps: [industry_authority]}}
    reference: {notice: n, section: 四, clause: 卫生系列由行业主管部门审核}
"""


def series_policy(root: Path) -> Policy:
    """A nation whose categories, make-up rule and professional chain are the health
    series' only: a rule read without the person finds none."""
    (root / "notices.yaml").write_text(
        "n:\n  title: 规定\n  issuer: 人社局\n  date: 2016-01-01\n", encoding="utf-8"
    )
    folder = root / "regions" / "000000"
    folder.mkdir(parents=True)
    (folder / "region.yaml").write_text(
        'code: "000000"\nname: 全国\nlevel: national\nparent: null\n', encoding="utf-8"
    )
    (folder / "parameters.yaml").write_text(SERIES_TREE, encoding="utf-8")
    return load_policy(root)


def test_the_refusals_cite_the_rules_of_the_persons_series(tmp_path: Path) -> None:
    """A doctor's pending record waits for the health chain's review; a make-up the health
    series allows counts; elective hours are refused citing the health series' categories."""
    policy = series_policy(tmp_path)
    records = [
        hours(2017, Category.PROFESSIONAL, 5, status=Status.PENDING, taken_on=D(2017, 6, 1)),
        hours(2017, Category.PROFESSIONAL, 8, taken_on=D(2018, 2, 1)),
        hours(2017, Category.ELECTIVE, 3, taken_on=D(2017, 6, 1)),
    ]
    verdict = evaluate(policy, region="000000", year=2017, person=DOCTOR, records=records)
    pending, elective = verdict.notes
    assert (pending.index, pending.reason) == (0, Reason.PENDING)
    assert pending.reference is not None
    assert pending.reference.section == "四"
    assert (elective.index, elective.reason) == (2, Reason.CATEGORY_NOT_RECOGNISED)
    assert elective.message == "本地区继续教育内容为公需科目、专业科目，选修科目不计入。"
    assert elective.reference is not None
    assert elective.reference.section == "一"
    assert verdict.counted[str(Key.TOTAL)] == Decimal(8)
    # An engineer finds none of the health series' rules: no chain to cite, no make-up.
    engineer = evaluate(policy, region="000000", year=2017, person=ENGINEER, records=records)
    assert engineer.notes[0].reference is None
    assert engineer.notes[1].reason is Reason.MAKEUP_REFUSED


def test_a_column_takes_the_records_it_names() -> None:
    public = hours(2017, Category.PUBLIC, 3)
    required = hours(2017, Category.PUBLIC, 3, required=True)
    professional = hours(2017, Category.PROFESSIONAL, 3, required=True)
    face = Record(credited_year=2017, credits=Decimal(2))
    remote = Record(credited_year=2017, credits=Decimal(2), mode=Mode.ONLINE)
    taken = {
        name: [
            record for record in (public, required, professional, face, remote) if c.takes(record)
        ]
        for name, c in COLUMN.items()
    }
    assert taken == {
        "public": [public, required],
        "public_required": [required],
        "professional": [professional],
        "elective": [],
        "credits_face": [face],
        "credits_remote": [remote],
        "public_required_courses": [required],
    }


def test_the_counted_figures_use_only_the_columns_the_requirements_use() -> None:
    """The bulk paths hand ``counted`` the sums of step 1: an engineer in Luojiang (hours of
    public and professional subjects) has elective hours and credits left out; without
    requirements every column shows."""
    reqs = requirements(default_policy(), "350504", 2018, ENGINEER)
    sums = dict.fromkeys(SUM_COLUMNS, Decimal(1))
    figures = counted(reqs, sums)
    assert figures[str(Key.TOTAL)] == Decimal(2)
    assert figures[str(Key.ELECTIVE)] == Decimal(0)
    assert figures[str(Key.CREDITS)] == Decimal(0)
    everything = counted(None, sums)
    assert everything[str(Key.TOTAL)] == Decimal(3)
    assert everything[str(Key.CREDITS)] == Decimal(2)


def test_a_record_outside_a_two_year_period_names_the_period() -> None:
    policy = default_policy()
    reqs = replace(requirements(policy, "350504", 2018, ENGINEER), years=(2017, 2018))
    refusal = entry_refusal(policy, reqs, ENGINEER, hours(2016, Category.PUBLIC, 3))
    assert refusal is not None
    reason, text, _ = refusal
    assert reason is Reason.OUTSIDE_PERIOD
    assert text == "归属 2016 年度，不在本次核查期间（2017–2018）内。"
