"""What a verdict says: the explanation people read and the dictionary certificates store.

Every line and every key is pinned (issue 19): a verdict that says something else, or stores
something else, must fail here. The clauses themselves are policy data, so the expected text
takes them from the verdict's own references; what is pinned is where and how they appear.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from xueshi.rules import (
    Category,
    CreditClass,
    InstitutionLevel,
    Mode,
    Person,
    Record,
    Status,
    TitleLevel,
    Verdict,
    default_policy,
    evaluate,
)
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.verdict import describe_record, explain, fmt

ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
TEACHER = Person(TitleLevel.INTERMEDIATE, "teacher")
PRIMARY_DOCTOR = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.PRIMARY)


def kaifeng() -> Verdict:
    records = [
        Record(credited_year=2016, category=Category.PUBLIC, hours=Decimal(10), required=True),
        Record(
            credited_year=2016,
            category=Category.PROFESSIONAL,
            hours=Decimal("30.5"),
            mode=Mode.ONLINE,
        ),
        Record(
            credited_year=2016,
            category=Category.PROFESSIONAL,
            hours=Decimal(8),
            status=Status.PENDING,
        ),
        Record(
            credited_year=2016,
            category=Category.PUBLIC,
            hours=Decimal(4),
            status=Status.REJECTED,
        ),
        Record(credited_year=2015, category=Category.PROFESSIONAL, hours=Decimal(20)),
        Record(credited_year=2016, category=Category.ELECTIVE, hours=Decimal(6)),
    ]
    return evaluate(default_policy(), region="410200", year=2016, person=ENGINEER, records=records)


def test_the_explanation_of_a_year_short_in_every_figure() -> None:
    verdict = kaifeng()
    public, required, professional, total = (r.requirement.reference for r in verdict.results)
    pending, rejected, outside, elective = (n.reference for n in verdict.notes)
    assert explain(verdict).splitlines() == [
        "开封市（410200）2016 年度 · 中级职称 · 工程系列：未达标",
        "  公需科目：要求不少于 26 学时，已认定 10 学时，尚缺 16 学时。",
        f"    依据：{public}",
        "  公需科目必修：要求不少于 18 学时，已认定 10 学时，尚缺 8 学时。",
        f"    依据：{required}",
        "  专业科目：要求不少于 60 学时，已认定 30.5 学时，尚缺 29.5 学时。",
        f"    依据：{professional}",
        "  总学时：要求不少于 90 学时，已认定 40.5 学时，尚缺 49.5 学时：其中 45.5 学时"
        "随上列各类别补足，另需 4 学时（任一类别均可）。",
        f"    依据：{total}",
        "  未计入或部分计入的记录：",
        "    第 3 条 专业科目 8 学时（面授，2016年度）：待审核，审核通过后计入。",
        f"      依据：{pending}",
        "    第 4 条 公需科目 4 学时（面授，2016年度）：审核未通过，不计入。",
        f"      依据：{rejected}",
        "    第 5 条 专业科目 20 学时（面授，2015年度）：归属 2015 年度，不计入 2016 年度。",
        f"      依据：{outside}",
        "    第 6 条 选修科目 6 学时（面授，2016年度）：本地区继续教育内容为公需科目、专业科目，"
        "选修科目不计入。",
        f"      依据：{elective}",
    ]
    assert "第八条" in str(professional)
    assert public.notice.id == required.notice.id == total.notice.id


def test_the_dictionary_certificates_store_has_every_figure_as_text() -> None:
    verdict = kaifeng()
    refs = [str(r.requirement.reference) for r in verdict.results]
    notes = [str(n.reference) if n.reference else None for n in verdict.notes]
    assert verdict.as_dict() == {
        "region": "410200",
        "year": 2016,
        "years": [2016],
        "compliant": False,
        "decided": True,
        "undecided": [],
        "policy_version": default_policy().version,
        "counted": {
            "total": "40.5",
            "public": "10",
            "public_required": "10",
            "professional": "30.5",
            "elective": "0",
            "credits": "0",
        },
        "shortfall": {
            "public": "16",
            "public_required": "8",
            "professional": "29.5",
            "total": "4.0",
        },
        "requirements": [
            {
                "key": key,
                "label": label,
                "required": required,
                "counted": counted,
                "gap": gap,
                "shortfall": shortfall,
                "unit": "hour",
                "region": region,
                "reference": reference,
            }
            for (key, label, required, counted, gap, shortfall, region), reference in zip(
                [
                    ("public", "公需科目", "26", "10", "16", "16", "410200"),
                    ("public_required", "公需科目必修", "18", "10", "8", "8", "410200"),
                    ("professional", "专业科目", "60", "30.5", "29.5", "29.5", "000000"),
                    ("total", "总学时", "90", "40.5", "49.5", "4.0", "410200"),
                ],
                refs,
                strict=True,
            )
        ],
        "conditions": [],
        "records_not_counted": [
            {
                "index": index,
                "reason": reason,
                "message": message,
                "counted": "0",
                "reference": reference,
            }
            for (index, reason, message), reference in zip(
                [
                    (2, "pending", "待审核，审核通过后计入。"),
                    (3, "rejected", "审核未通过，不计入。"),
                    (4, "outside_period", "归属 2015 年度，不计入 2016 年度。"),
                    (
                        5,
                        "category_not_recognised",
                        "本地区继续教育内容为公需科目、专业科目，选修科目不计入。",
                    ),
                ],
                notes,
                strict=True,
            )
        ],
        "remarks": [],
    }
    # Kaifeng sets no professional chain: the pending record waits for the employer's
    # record of 人社部令第25号 第十四条 (docs/adr/0014).
    assert "第十四条" in str(notes[0])
    assert all(notes)
    assert [n.index for n in verdict.pending] == [2]
    assert [n.index for n in verdict.not_counted] == [3, 4, 5]
    assert verdict.status_label == "未达标"


def test_the_explanation_of_a_cycle_that_cannot_be_decided() -> None:
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=TEACHER,
        records=[
            Record(credited_year=2014, category=Category.PUBLIC, hours=Decimal(12), required=True)
        ],
    )
    (courses,) = verdict.results
    (condition,) = verdict.conditions
    (undecided,) = verdict.undecided
    assert explain(verdict).splitlines() == [
        "洛江区（350504）2013–2017 周期 · 中级职称 · 教师系列：无法判定",
        "  公共必修课：要求不少于 2 门，已认定 1 门，尚缺 1 门。",
        f"    依据：{courses.requirement.reference}",
        "  周期内参加一次集中脱产培训或远程继续教育培训：已满足。",
        f"    依据：{condition.reference}",
        "  无法判定：中小学教师5年周期内继续教育规定学时数未在政策数据中给出，"
        "应由福建省教育行政部门（根据省人社行政部门的有关规定制定）规定。",
        f"    依据：{undecided.reference}",
    ]
    data = verdict.as_dict()
    assert data["years"] == [2013, 2014, 2015, 2016, 2017]
    assert data["decided"] is False
    assert data["compliant"] is False
    assert data["undecided"] == [
        {
            "figure": "中小学教师5年周期内继续教育规定学时数",
            "set_by": "福建省教育行政部门（根据省人社行政部门的有关规定制定）",
            "reference": str(undecided.reference),
        }
    ]
    assert data["conditions"] == [
        {
            "code": "centralised_training",
            "text": "周期内参加一次集中脱产培训或远程继续教育培训",
            "met": True,
            "reference": str(condition.reference),
        }
    ]
    assert data["requirements"][0]["unit"] == "course"
    assert data["requirements"][0]["label"] == "公共必修课"
    assert data["counted"]["public_required_courses"] == "1"
    assert verdict.status_label == "无法判定"


def test_the_explanation_of_credits_over_the_cap_with_a_remark() -> None:
    verdict = evaluate(
        default_policy(),
        region="350504",
        year=2017,
        person=PRIMARY_DOCTOR,
        records=[
            Record(
                credited_year=2017,
                credits=Decimal(20),
                mode=Mode.ONLINE,
                credit_class=CreditClass.II,
            ),
            Record(credited_year=2017, credits=Decimal(13), credit_class=CreditClass.I),
        ],
    )
    (credits,) = verdict.results
    (note,) = verdict.notes
    (remark,) = verdict.remarks
    assert explain(verdict).splitlines() == [
        "洛江区（350504）2017 年度 · 中级职称 · 卫生系列 · 一级医疗卫生机构：已达标",
        "  学分：要求不少于 25 学分，已认定 25 学分，已满足。",
        f"    依据：{credits.requirement.reference}",
        "  未计入或部分计入的记录：",
        "    第 1 条 远程II类学分 20 分：远程学分每年最多计 12 分，本条计入 12 分，"
        "超出的 8 分不计入。",
        f"      依据：{note.reference}",
        f"  说明：{remark}",
    ]
    assert remark.startswith(
        "任职周期内全科医学继续教育学分应不少于 10 分，按任职周期核查（给出任职周期时列为条件），"
        "不在年度学分中计算。依据：《"
    )
    assert verdict.as_dict()["records_not_counted"][0]["counted"] == "12"
    assert verdict.as_dict()["remarks"] == [remark]
    assert verdict.status_label == "已达标"


def test_a_person_without_a_profile_is_not_named() -> None:
    verdict = evaluate(default_policy(), region="440500", year=2014, person=Person(), records=[])
    assert explain(verdict).splitlines()[0] == "汕头市（440500）2014 年度：未达标"


@pytest.mark.parametrize(
    ("record", "text"),
    [
        (Record(credited_year=2017, credits=Decimal("2.5")), "学分 2.5 分"),
        (
            Record(
                credited_year=2017,
                credits=Decimal(3),
                credit_class=CreditClass.I,
                mode=Mode.ONLINE,
            ),
            "远程I类学分 3 分",
        ),
        (
            Record(
                credited_year=2016,
                category=Category.PUBLIC,
                hours=Decimal("6.50"),
                required=True,
                mode=Mode.ONLINE,
            ),
            "公需科目（必修） 6.5 学时（网络，2016年度）",
        ),
        (
            Record(credited_year=2015, category=Category.ELECTIVE, hours=Decimal(12)),
            "选修科目 12 学时（面授，2015年度）",
        ),
    ],
)
def test_a_record_is_described_as_people_write_it(record: Record, text: str) -> None:
    assert describe_record(record) == text


def test_figures_are_written_without_trailing_zeros_or_exponents() -> None:
    assert fmt(Decimal("72.00")) == "72"
    assert fmt(Decimal("7.2E+1")) == "72"
    assert fmt(Decimal("20.50")) == "20.5"
    assert fmt(Decimal("0.01")) == "0.01"


# -- the vocabulary's words ---------------------------------------------------------------------


def test_a_profile_is_described_in_chinese() -> None:
    assert PRIMARY_DOCTOR.describe() == "中级职称 · 卫生系列 · 一级医疗卫生机构"
    assert Person(series="mining").describe() == "mining系列"
    assert Person(TitleLevel.SENIOR).describe() == "正高级职称"
    assert Person().describe() == "未填写职称与系列的人员"
    assert SERIES_LABELS["water_conservancy"] == "水利水电"


def test_a_missing_attribute_is_none_not_text() -> None:
    assert Person().attribute("series") is None
    assert Person().attribute("title_level") is None
    assert ENGINEER.attribute("title_level") == "intermediate"
    assert PRIMARY_DOCTOR.attribute("institution_level") == "primary"


def test_a_two_year_period_is_a_cycle_and_an_unknown_unit_is_shown_as_given() -> None:
    verdict = kaifeng()
    (first, *rest) = verdict.results
    odd = replace(first, requirement=replace(first.requirement, unit="天"))
    two = replace(verdict, years=(2015, 2016), results=(odd, *rest), notes=())
    lines = explain(two).splitlines()
    assert lines[0] == "开封市（410200）2015–2016 周期 · 中级职称 · 工程系列：未达标"
    assert lines[1] == "  公需科目：要求不少于 26 天，已认定 10 天，尚缺 16 天。"


def test_an_unmet_condition_says_so() -> None:
    verdict = evaluate(default_policy(), region="350504", year=2017, person=TEACHER, records=[])
    assert (
        "  周期内参加一次集中脱产培训或远程继续教育培训：未满足。" in explain(verdict).splitlines()
    )
    assert verdict.as_dict()["conditions"][0]["met"] is False
