"""The integrity checks of the rules core: what makes an entry doubtful next to the person's
other records, and what refuses it."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal
from typing import Any

from xueshi.rules.integrity import (
    DailyCap,
    FlagKind,
    Learning,
    check_entry,
    evidence_reused,
    normalised_title,
)

CAP = DailyCap()


BASE = Learning(
    key=None,
    category="professional",
    content="新技术培训",
    start=dt.date(2014, 6, 2),
    end=dt.date(2014, 6, 4),
    hours=Decimal(18),
)


def learning(key: int | None = None, **kw: Any) -> Learning:
    return replace(BASE, key=key, **kw)


def kinds(entry: Learning, *others: Learning, cap: DailyCap = CAP) -> list[FlagKind]:
    return [f.kind for f in check_entry(entry, others, cap)]


def test_the_same_learning_again_is_an_exact_duplicate_and_refused_naming_the_record() -> None:
    old = learning(7, label="#7“新技术培训”")
    findings = check_entry(learning(content=" 《新技术》培训 "), [old], CAP)
    assert [(f.kind, f.refuse, f.other) for f in findings] == [(FlagKind.EXACT_DUPLICATE, True, 7)]
    assert "#7“新技术培训”" in findings[0].message


def test_the_same_class_is_a_duplicate_whatever_its_title() -> None:
    old = learning(3, class_id=11, content="甲")
    assert kinds(learning(class_id=11, content="乙"), old) == [FlagKind.EXACT_DUPLICATE]


def test_other_hours_or_days_are_not_an_exact_duplicate_but_a_near_one() -> None:
    old = learning(1)
    assert kinds(learning(hours=Decimal(12)), old) == [FlagKind.NEAR_DUPLICATE]
    assert kinds(learning(end=dt.date(2014, 6, 5)), old) == [FlagKind.NEAR_DUPLICATE]
    assert kinds(learning(content="新技术培训班（第二期）"), old) == [FlagKind.NEAR_DUPLICATE]


def test_same_provider_on_overlapping_days_is_a_near_duplicate() -> None:
    old = learning(1, content="甲课程", provider="汕头市行政学院")
    new = learning(content="完全不同的内容", provider="汕头市 行政学院")
    assert kinds(new, old) == [FlagKind.NEAR_DUPLICATE]


def test_two_face_to_face_classes_at_once_overlap_but_online_or_long_learning_does_not() -> None:
    old = learning(1, content="建筑结构设计规范")
    other = learning(
        content="医院感染管理",
        start=dt.date(2014, 6, 4),
        end=dt.date(2014, 6, 5),
        hours=Decimal(12),
    )
    assert kinds(other, old) == [FlagKind.OVERLAP]
    online = learning(content="医院感染管理", face_to_face=False)
    assert kinds(online, old) == []
    degree = learning(1, content="在职研究生", start=dt.date(2013, 9, 1), end=dt.date(2016, 7, 1))
    assert kinds(other, degree) == []
    apart = learning(
        content="医院感染管理",
        start=dt.date(2014, 6, 5),
        end=dt.date(2014, 6, 6),
        hours=Decimal(12),
    )
    assert kinds(apart, old) == []


def test_hours_above_what_the_days_allow_are_flagged_with_the_source() -> None:
    findings = check_entry(learning(hours=Decimal(1000)), [], CAP)
    assert [f.kind for f in findings] == [FlagKind.HOURS_ABOVE_DAYS]
    assert "共 3 天，最多计 24 学时，申报 1000 学时" in findings[0].message
    assert "系统校验：每天最多按 8 学时计" in findings[0].message
    assert kinds(learning(hours=Decimal(24)), cap=CAP) == []
    notice = DailyCap(Decimal(6), "某通知 二：每天按 6 学时计")
    assert kinds(learning(hours=Decimal(20)), cap=notice) == [FlagKind.HOURS_ABOVE_DAYS]
    assert "某通知" in check_entry(learning(hours=Decimal(20)), [], notice)[0].message


def test_the_entry_is_not_compared_with_itself() -> None:
    assert kinds(learning(5), learning(5)) == []


def test_a_file_reused_by_another_person_or_year_is_flagged_not_the_same_persons_year() -> None:
    uses = [(1, 100, 2014, "#1"), (2, 200, 2014, "#2"), (3, 100, 2013, "#3")]
    findings = evidence_reused(person=100, year=2014, uses=uses)
    assert [(f.kind, f.other) for f in findings] == [
        (FlagKind.EVIDENCE_REUSED, 2),
        (FlagKind.EVIDENCE_REUSED, 3),
    ]
    assert "另一名专业技术人员" in findings[0].message
    assert "本人 2013 年度" in findings[1].message


def test_titles_are_compared_without_spaces_punctuation_or_width() -> None:
    assert normalised_title("《\uff21\uff22\uff23》 培训，班") == normalised_title("abc培训班")
