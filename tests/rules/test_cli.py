"""``xueshi rules test | explain``: exit codes and what they print."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from xueshi.rules.cli import main

PASSING = textwrap.dedent("""\
    - name: "S1: Shantou 2014 compliant"
      region: "440500"
      year: 2014
      person: {title_level: intermediate, series: engineering}
      records:
        - {category: public, hours: 20}
        - {category: professional, hours: 42}
        - {category: elective, hours: 12}
      expect: {compliant: true, shortfall: {}}

    - name: "S15: hours entry 5 working days after 2014-07-04"
      region: "440500"
      deadline: {rule: hours_entry, date: "2014-07-04"}
      expect: "2014-07-11"

    - name: "L3: tertiary hospitals have no requirement"
      region: "350504"
      year: 2017
      person: {series: health, institution_level: tertiary}
      expect_error: "继续教育要求"
    """)

FAILING = textwrap.dedent("""\
    - name: "wrong on purpose: professional is short by 12, not 10"
      region: "440500"
      year: 2014
      person: {title_level: intermediate, series: engineering}
      records:
        - {category: public, hours: 20}
        - {category: professional, hours: 30}
        - {category: elective, hours: 12}
      expect: {compliant: false, shortfall: {professional: 10}}
    """)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_test_command_passes_a_passing_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "passing.yaml", PASSING)
    assert main(["test", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1] == "3 passed, 0 failed"


def test_test_command_lists_each_case_when_verbose(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "passing.yaml", PASSING)
    assert main(["test", "-v", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS ") == 3
    assert f"{path}:1" in out


def test_test_command_fails_with_expected_and_got(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "failing.yaml", FAILING)
    assert main(["test", str(path)]) != 0
    out = capsys.readouterr().out
    assert f"FAIL {path}:1" in out
    assert "expected {professional: 10}, got {professional: 12}" in out
    assert out.strip().splitlines()[-1] == "0 passed, 1 failed"


def test_test_command_runs_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "a.yaml", PASSING)
    write(tmp_path, "b.yaml", FAILING)
    assert main(["test", str(tmp_path)]) == 1
    assert capsys.readouterr().out.strip().splitlines()[-1] == "3 passed, 1 failed"


def test_explain_prints_the_verdict_in_chinese_with_its_clauses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "failing.yaml", FAILING)
    main(["explain", str(path)])
    out = capsys.readouterr().out
    assert "汕头市（440500）2014 年度" in out
    assert "未达标" in out
    assert "专业科目：要求不少于 42 学时，已认定 30 学时，尚缺 12 学时" in out
    assert "依据：《关于做好2014年我市专业技术人员继续教育培训工作的通知》" in out
    assert "与预期不符" in out  # the wrong expectation is flagged


def test_explain_of_a_passing_file_returns_zero_and_explains_deadlines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "passing.yaml", PASSING)
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "已达标" in out
    assert "最迟 2014-07-11" in out
    assert out.count("依据：") >= 5


def test_explain_goes_on_past_a_deadline_case_that_expects_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "deadlines.yaml",
        textwrap.dedent("""\
        - name: "P3: no class-filing rule after the opinion expired"
          region: "440500"
          deadline: {rule: class_filing, date: "2023-11-01"}
          expect_error: "deadline.class_filing"

        - name: "S15: hours entry"
          region: "440500"
          deadline: {rule: hours_entry, date: "2014-07-04"}
          expect: "2014-07-11"
        """),
    )
    assert main(["explain", str(path)]) == 0
    out = capsys.readouterr().out
    assert "最迟 2014-07-11" in out


MARK = "# <-- error"

# Malformed case files: the line the message must name carries MARK.
MALFORMED = {
    "unknown-key": """\
        - name: a typo of expect
          region: "440500"
          year: 2014
          expected: {compliant: true}   # <-- error
        """,
    "unknown-category": """\
        - name: x
          region: "440500"
          year: 2014
          records:
            - {category: public, hours: 20}
            - {category: hobby, hours: 2}   # <-- error
          expect: {compliant: true}
        """,
    "no-expect": """\
        - name: fine
          region: "440500"
          year: 2014
          expect: {compliant: false}
        - name: no expectation   # <-- error
          region: "440500"
          year: 2014
        """,
    "hours-not-a-number": """\
        - name: x
          region: "440500"
          year: 2014
          records:
            - {category: public, hours: twenty}   # <-- error
          expect: {compliant: true}
        """,
    "credited-year-not-a-number": """\
        - name: x
          region: "440500"
          year: 2014
          records:
            - {category: public, hours: 20, credited_year: twenty}   # <-- error
          expect: {compliant: false}
        """,
    "year-not-a-number": """\
        - name: x
          region: "440500"
          year: twenty   # <-- error
          expect: {compliant: false}
        """,
    "yearly-deadline-without-year": """\
        - name: x
          region: "440500"
          deadline: {rule: public_plan}   # <-- error
          expect: "2014-04-15"
        """,
    "unknown-counted-key": """\
        - name: a typo in counted must not pass silently
          region: "440500"
          year: 2014
          expect: {compliant: false, counted: {profesional: 0}}   # <-- error
        """,
    "empty-expect-checks-nothing": """\
        - name: x
          region: "440500"
          year: 2014
          expect: {}   # <-- error
        """,
    "month-13": """\
        - name: x
          region: "440500"
          verification_days: "2014-13"   # <-- error
          expect: []
        """,
    "negative-hours": """\
        - name: x
          region: "440500"
          year: 2014
          records:
            - {category: professional, hours: -42}   # <-- error
          expect: {compliant: false}
        """,
    "compliant-not-a-boolean": """\
        - name: x
          region: "440500"
          year: 2014
          expect: {compliant: "no"}   # <-- error
        """,
    "unknown-reason": """\
        - name: x
          region: "440500"
          year: 2014
          expect: {not_counted: [lost]}   # <-- error
        """,
    "verification-days-expect-not-a-list": """\
        - name: x
          region: "440500"
          verification_days: "2014-05"
          expect: "2014-05-12"   # <-- error
        """,
}


@pytest.mark.parametrize("kind", list(MALFORMED))
def test_a_malformed_case_file_exits_2_naming_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    text = textwrap.dedent(MALFORMED[kind])
    line = next(n for n, row in enumerate(text.splitlines(), start=1) if MARK in row)
    path = write(tmp_path, "malformed.yaml", text)
    assert main(["test", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:{line}:" in err


def test_a_missing_case_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", str(tmp_path / "nowhere.yaml")]) == 2
    assert "nowhere.yaml" in capsys.readouterr().err


def test_a_malformed_case_does_not_stop_the_others_and_the_summary_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10, deliverable 4: one bad case (and one unreadable file) is reported with its
    file and line; every other case still runs; the summary line counts them all; exit 2."""
    write(tmp_path, "a.yaml", PASSING)
    write(tmp_path, "b.yaml", textwrap.dedent(MALFORMED["month-13"]) + FAILING)
    write(tmp_path, "c.yaml", "- name: [unclosed\n")
    assert main(["test", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert captured.out.strip().splitlines()[-1] == "3 passed, 1 failed, 2 malformed"
    assert f"{tmp_path / 'b.yaml'}:3:" in captured.err
    assert f"{tmp_path / 'c.yaml'}:" in captured.err
    assert "Traceback" not in captured.err
    assert f"FAIL {tmp_path / 'b.yaml'}:5" in captured.out


def test_negative_hours_are_refused_not_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "negative.yaml", textwrap.dedent(MALFORMED["negative-hours"]))
    assert main(["test", str(path)]) == 2
    captured = capsys.readouterr()
    assert "应为非负数" in captured.err
    assert captured.out.strip().splitlines()[-1] == "0 passed, 0 failed, 1 malformed"


def test_explain_cites_the_clause_of_verification_days(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "days.yaml",
        textwrap.dedent("""\
        - name: "S12: May 2014"
          region: "440500"
          verification_days: "2014-05"
          expect: ["2014-05-12", "2014-05-15", "2014-05-20", "2014-05-26", "2014-06-03"]
          expect_cites: "五(二)2"
        """),
    )
    main(["explain", str(path)])
    out = capsys.readouterr().out
    assert "验证受理日" in out
    assert "依据：《关于做好2014年我市专业技术人员继续教育培训工作的通知》 五(二)2" in out
