"""The proof's form (继续教育证明) by the notice of the provider's region: Shantou 2014 §四(四)
names 《广东省专业技术人员继续教育证明》 for its year; no other seed notice names a form, so
their proofs take a neutral title said to be the system's own (rules/proofs.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from xueshi.rules.policy import default_policy
from xueshi.rules.proofs import NEUTRAL_TITLE, proof_form

GUANGDONG = "广东省专业技术人员继续教育证明"


def test_shantou_2014_names_the_guangdong_form_with_its_clause() -> None:
    form = proof_form(default_policy(), region="440500", day=dt.date(2014, 6, 22))
    assert form.title == GUANGDONG
    assert form.reference is not None
    assert form.reference.section == "四(四)"
    assert "出具《广东省专业技术人员继续教育证明》（附件1）" in form.reference.clause
    assert form.basis.startswith("本证明依据《关于做好2014年我市专业技术人员继续教育培训工作")
    assert form.basis.endswith("第四(四)项出具。")


@pytest.mark.parametrize(
    ("region", "day"),
    [
        ("440500", dt.date(2014, 4, 10)),  # before the notice
        ("440500", dt.date(2015, 6, 1)),  # a yearly notice ends with its year (ADR 0014)
        ("440000", dt.date(2020, 6, 1)),  # Guangdong 2018 names no proof form
        ("350504", dt.date(2017, 6, 1)),  # Luojiang
        ("410200", dt.date(2016, 6, 1)),  # Kaifeng
        ("341882", dt.date(2020, 6, 1)),  # Guangde
    ],
)
def test_where_no_notice_names_a_form_the_title_is_neutral_and_says_so(
    region: str, day: dt.date
) -> None:
    form = proof_form(default_policy(), region=region, day=day)
    assert form.title == NEUTRAL_TITLE
    assert "广东" not in form.title
    assert form.reference is None
    assert "本证明的格式由本系统确定" in form.basis
