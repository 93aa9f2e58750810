"""The case format's pins on what a verdict or a deadline says (issue 19): a note's message,
clause and counted part, the conditions met, a deadline's opening day, explanation and
region. Each pin must fail when the answer differs, and be refused when malformed."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xueshi.rules import PolicyError, default_policy
from xueshi.rules.cases import Outcome, load_cases, run_case

OVER_CAP = """\
- name: over the cap
  region: "350504"
  year: 2017
  person: {title_level: intermediate, series: health, institution_level: secondary}
  records:
    - {credits: 10, mode: online}
    - {credits: 5, mode: online}
  expect:
    not_counted:
      - reason: over_cap
        counted: {counted}
        message: {message}
        clause: {clause}
"""

TEACHER = """\
- name: a teacher's cycle
  region: "350504"
  year: 2017
  person: {title_level: intermediate, series: teacher}
  records: []
  expect:
    conditions: %s
"""

GUANGDE = """\
- name: Guangde's window
  region: "341882"
  deadline: {rule: verification_roster, year: 2020}
  expect: %s
"""


def run(tmp_path: Path, text: str) -> Outcome:
    path = tmp_path / "case.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    (case,) = load_cases(path)
    return run_case(case, default_policy())


def over_cap(
    tmp_path: Path,
    *,
    counted: str = "2",
    message: str = "远程学分每年最多计 12 分，本条计入 2 分，超出的 3 分不计入。",
    clause: str = "不超过12分/年",
) -> Outcome:
    text = OVER_CAP.replace("{counted}", counted).replace("{message}", message)
    return run(tmp_path, text.replace("{clause}", clause))


def test_a_note_pinned_right_passes(tmp_path: Path) -> None:
    assert over_cap(tmp_path).failures == []


def test_a_note_with_another_counted_part_fails(tmp_path: Path) -> None:
    assert over_cap(tmp_path, counted="3").failures == [
        "not_counted over_cap: expected counted 3, got 2"
    ]


def test_a_note_with_another_message_fails(tmp_path: Path) -> None:
    (failure,) = over_cap(tmp_path, message="超出部分不计入。").failures
    assert failure.startswith(
        "not_counted over_cap: expected message '超出部分不计入。', got '远程"
    )


def test_a_note_citing_another_clause_fails(tmp_path: Path) -> None:
    (failure,) = over_cap(tmp_path, clause="不超过10分/年").failures
    assert failure.startswith("not_counted over_cap: expected a clause with '不超过10分/年'")


def test_an_unknown_key_of_a_note_is_refused(tmp_path: Path) -> None:
    text = OVER_CAP.replace("        clause: {clause}\n", "        clues: x\n")
    text = text.replace("{counted}", "2").replace("{message}", "x")
    with pytest.raises(PolicyError, match="未知的键 “clues”"):
        run(tmp_path, text)


def test_conditions_compare_every_condition(tmp_path: Path) -> None:
    assert run(tmp_path, TEACHER % "{centralised_training: false}").failures == []
    assert run(tmp_path, TEACHER % "{centralised_training: true}").failures == [
        "conditions: expected {'centralised_training': True}, got {'centralised_training': False}"
    ]
    assert run(tmp_path, TEACHER % "{}").failures == [
        "conditions: expected {}, got {'centralised_training': False}"
    ]


def test_a_condition_not_true_or_false_or_unknown_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match=r"conditions\.centralised_training 应为 true 或 false"):
        run(tmp_path, TEACHER % "{centralised_training: yes please}")
    with pytest.raises(PolicyError, match="未知的键 “training”"):
        run(tmp_path, TEACHER % "{training: true}")


def test_a_deadline_pinned_with_its_opening_day_and_explanation(tmp_path: Path) -> None:
    explanation = (
        "2020 年度验证花名册报送（当年参加职称评审人员）：2020-07-01 起、2020-09-30 前完成。"
    )
    good = (
        f'{{due: "2020-09-30", opens: "2020-07-01", region: "341882", '
        f'explanation: "{explanation}"}}'
    )
    assert run(tmp_path, GUANGDE % good).failures == []
    assert run(tmp_path, GUANGDE % '"2020-09-30"').failures == []
    assert run(tmp_path, GUANGDE % '{opens: "2020-08-01"}').failures == [
        "deadline verification_roster opens: expected 2020-08-01, got 2020-07-01"
    ]
    assert run(tmp_path, GUANGDE % "{opens: null}").failures == [
        "deadline verification_roster opens: expected None, got 2020-07-01"
    ]
    assert run(tmp_path, GUANGDE % '{due: "2020-09-29", region: "340000"}').failures == [
        "deadline verification_roster: expected 2020-09-29, got 2020-09-30",
        "deadline verification_roster region: expected 340000, got 341882",
    ]
    (failure,) = run(tmp_path, GUANGDE % '{explanation: "九月底前"}').failures
    assert failure.startswith("deadline verification_roster explanation: expected '九月底前'")


def test_a_deadline_expectation_with_an_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="未知的键 “closes”"):
        run(tmp_path, GUANGDE % '{closes: "2020-09-30"}')
    with pytest.raises(PolicyError, match="“opens” 应为日期"):
        run(tmp_path, GUANGDE % '{opens: "July"}')
