"""Strict loading of policy data, and resolution of the real policy for every year it claims.

Each malformed tree is a minimal one written to tmp_path; the line a PolicyError must name is
marked in the YAML text with ``# <-- error``, so the test states where the mistake is.
"""

from __future__ import annotations

import datetime as dt
import shutil
import textwrap
from pathlib import Path

import pytest

from xueshi.rules import (
    InstitutionLevel,
    NoRequirement,
    Person,
    PolicyError,
    TitleLevel,
    Verdict,
    default_policy,
    evaluate,
    load_policy,
)
from xueshi.rules.policy import default_policy_dir

MARK = "# <-- error"

NOTICES = """\
mohrss-25:
  title: 专业技术人员继续教育规定
  document_number: 人力资源社会保障部令第25号
  issuer: 人力资源和社会保障部
  date: 2015-08-13
  in_force: 2015-10-01
guangdong-2018:
  title: 广东省人力资源和社会保障厅关于进一步做好我省专业技术人员继续教育有关工作的意见
  issuer: 广东省人力资源和社会保障厅
  date: 2018-11-01
"""

NATIONAL_REGION = """\
code: "000000"
name: 全国
level: national
parent: null
"""

NATIONAL_PARAMETERS = """\
hours.total:
  - from: 2015-10-01
    unit: hour
    value: 90
    reference: {notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}
hours.professional:
  - from: 2015-10-01
    unit: hour
    value: {share_of_total: 2/3}
    reference: {notice: mohrss-25, section: 第八条, clause: 专业科目一般不少于总学时的三分之二}
"""

PROVINCE_REGION = """\
code: "440000"
name: 广东省
level: province
parent: "000000"
"""

PROVINCE_PARAMETERS = """\
categories:
  - from: 2018-11-01
    until: 2023-10-31
    unit: category
    value: [public, professional, elective]
    reference: {notice: guangdong-2018, section: 三, clause: 优化个人选修科目学习培训形式}
"""


def write_tree(
    root: Path,
    *,
    national: str = NATIONAL_PARAMETERS,
    province: str = PROVINCE_PARAMETERS,
    province_region: str = PROVINCE_REGION,
    notices: str = NOTICES,
) -> Path:
    """A minimal policy tree: the nation and one province below it."""
    (root / "regions" / "000000").mkdir(parents=True)
    (root / "regions" / "440000").mkdir(parents=True)
    (root / "notices.yaml").write_text(notices, encoding="utf-8")
    (root / "regions" / "000000" / "region.yaml").write_text(NATIONAL_REGION, encoding="utf-8")
    (root / "regions" / "000000" / "parameters.yaml").write_text(national, encoding="utf-8")
    (root / "regions" / "440000" / "region.yaml").write_text(province_region, encoding="utf-8")
    (root / "regions" / "440000" / "parameters.yaml").write_text(province, encoding="utf-8")
    return root


def marked_line(text: str) -> int:
    """The 1-based line carrying the error mark."""
    lines = [n for n, line in enumerate(text.splitlines(), start=1) if MARK in line]
    assert len(lines) == 1, "mark exactly one line"
    return lines[0]


def assert_names_file_and_line(error: PolicyError, file: str, line: int) -> None:
    message = str(error)
    assert f"{file}:{line}:" in message, message
    assert error.path is not None
    assert Path(error.path).as_posix().endswith(file)
    assert error.line == line


def load_error(root: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(root)
    return info.value


# -- the minimal tree itself is valid -------------------------------------------------------


def test_the_minimal_tree_loads_and_resolves(tmp_path: Path) -> None:
    policy = load_policy(write_tree(tmp_path))
    assert policy.value("hours.total", "440000", dt.date(2016, 12, 31)) == 90
    assert policy.value("hours.total", "440000", dt.date(2015, 9, 30)) is None


# -- each mistake names the file and the line ------------------------------------------------


def test_duplicate_key_is_refused_at_the_second_occurrence(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            unit: hour
            value: 90
            value: 72   {MARK}
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "value" in str(error)


def test_an_impossible_date_is_refused_at_its_line(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-02-30   {MARK}
            unit: hour
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "2015-02-30" in str(error)


def test_duplicate_parameter_is_refused(tmp_path: Path) -> None:
    national = NATIONAL_PARAMETERS + textwrap.dedent(f"""\
        hours.total:   {MARK}
          - from: 2016-01-01
            unit: hour
            value: 80
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))


def test_unknown_key_in_an_entry_is_refused(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            unit: hour
            value: 90
            note: 一般不少于   {MARK}
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "note" in str(error)


def test_unknown_parameter_is_refused(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.totl:   {MARK}
          - from: 2015-10-01
            unit: hour
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "hours.totl" in str(error)


def test_wrong_unit_is_refused(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            unit: credit   {MARK}
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "hour" in str(error)


def test_unknown_notice_is_refused(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            unit: hour
            value: 90
            reference:
              notice: mohrss-99   {MARK}
              section: 第八条
              clause: 每年累计应不少于90学时
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "mohrss-99" in str(error)


def test_overlapping_entries_are_refused_at_the_later_entry(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            until: 2016-12-31
            unit: hour
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
          - from: 2016-06-01   {MARK}
            unit: hour
            value: 80
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))


def test_an_open_ended_entry_followed_by_another_overlaps(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            unit: hour
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
          - from: 2020-01-01   {MARK}
            unit: hour
            value: 80
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))


def test_a_gap_between_entries_is_refused(tmp_path: Path) -> None:
    national = textwrap.dedent(f"""\
        hours.total:
          - from: 2015-10-01
            until: 2016-12-31
            unit: hour
            value: 90
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
          - from: 2017-02-01   {MARK}
            unit: hour
            value: 80
            reference: {{notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}}
        """)
    error = load_error(write_tree(tmp_path, national=national))
    assert_names_file_and_line(error, "000000/parameters.yaml", marked_line(national))
    assert "value: null" in str(error)  # the message says how to write a meant gap


def test_a_meant_gap_written_as_null_loads(tmp_path: Path) -> None:
    national = textwrap.dedent("""\
        hours.total:
          - from: 2015-10-01
            until: 2016-12-31
            unit: hour
            value: 90
            reference: {notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}
          - from: 2017-01-01
            until: 2017-12-31
            unit: hour
            value: null
            reference: {notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}
          - from: 2018-01-01
            unit: hour
            value: 90
            reference: {notice: mohrss-25, section: 第八条, clause: 每年累计应不少于90学时}
        """)
    policy = load_policy(write_tree(tmp_path, national=national))
    assert policy.value("hours.total", "440000", dt.date(2017, 6, 1)) is None
    assert policy.value("hours.total", "440000", dt.date(2018, 6, 1)) == 90


def test_breakdown_by_an_unknown_attribute_is_refused(tmp_path: Path) -> None:
    province = textwrap.dedent(f"""\
        hours.total:
          - from: 2018-11-01
            unit: hour
            value:
              by: gender   {MARK}
              other: 90
            reference: {{notice: guangdong-2018, section: 三, clause: 优化公需科目学习培训形式}}
        """)
    error = load_error(write_tree(tmp_path, province=province))
    assert_names_file_and_line(error, "440000/parameters.yaml", marked_line(province))


def test_breakdown_with_an_unknown_title_level_is_refused(tmp_path: Path) -> None:
    province = textwrap.dedent(f"""\
        hours.public:
          - from: 2018-11-01
            unit: hour
            value:
              by: title_level
              senior: 26
              chief: 30   {MARK}
            reference: {{notice: guangdong-2018, section: 三, clause: 优化公需科目学习培训形式}}
        """)
    error = load_error(write_tree(tmp_path, province=province))
    assert_names_file_and_line(error, "440000/parameters.yaml", marked_line(province))


def test_missing_parent_region_is_refused_at_its_parent_line(tmp_path: Path) -> None:
    province_region = textwrap.dedent(f"""\
        code: "440000"
        name: 广东省
        level: province
        parent: "990000"   {MARK}
        """)
    error = load_error(write_tree(tmp_path, province_region=province_region))
    assert "990000" in str(error)
    assert_names_file_and_line(error, "440000/region.yaml", marked_line(province_region))


# -- the real policy --------------------------------------------------------------------------


def test_the_repository_policy_loads() -> None:
    policy = load_policy(default_policy_dir())
    assert {"000000", "440000", "440500", "350504", "410200", "341882"} <= set(policy.regions)
    assert policy.version.startswith("sha256:")
    assert [r.code for r in policy.chain("350504")] == ["350504", "350500", "350000", "000000"]


def test_a_copy_of_the_repository_policy_loads_with_the_same_version(tmp_path: Path) -> None:
    shutil.copytree(default_policy_dir(), tmp_path / "policy")
    assert load_policy(tmp_path / "policy").version == default_policy().version


# Each region from the first year its policy data speaks for, to 2026 (chinesecalendar's last).
CLAIMS = {
    "440500": 2010,  # Shantou: 2014 notice, with 2010–2013 for make-up (§四(六))
    "350504": 2017,  # Luojiang 2017
    "410200": 2016,  # Kaifeng 2016
    "341882": 2020,  # Guangde 2020
}
TYPICAL = [
    Person(TitleLevel.INTERMEDIATE, "engineering"),
    Person(TitleLevel.JUNIOR, "accounting"),
    Person(TitleLevel.SENIOR, "teacher"),
    Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.SECONDARY),
    Person(),
]
# Documented gap (docs/adr/0003 §6): the Luojiang notice does not cover tertiary hospitals.
TERTIARY = Person(TitleLevel.INTERMEDIATE, "health", InstitutionLevel.TERTIARY)


@pytest.mark.parametrize("region", sorted(CLAIMS))
def test_every_claimed_year_gives_a_verdict_for_typical_people(region: str) -> None:
    policy = default_policy()
    for year in range(CLAIMS[region], 2027):
        for person in TYPICAL:
            verdict = evaluate(policy, region=region, year=year, person=person, records=[])
            assert isinstance(verdict, Verdict)
            assert not verdict.compliant, (region, year, person)  # nothing was recorded
            assert verdict.policy_version == policy.version


@pytest.mark.parametrize("region", sorted({*CLAIMS, "440000", "000000"}))
def test_every_year_2010_to_2026_gives_a_verdict_or_no_requirement(region: str) -> None:
    policy = default_policy()
    for year in range(2010, 2027):
        for person in [*TYPICAL, TERTIARY]:
            try:
                verdict = evaluate(policy, region=region, year=year, person=person, records=[])
            except NoRequirement as exc:
                message = str(exc)
            else:
                assert isinstance(verdict, Verdict)
                continue
            assert str(year) in message  # a NoRequirement names the year and region
            assert region in message


def test_tertiary_hospital_staff_in_luojiang_have_no_requirement() -> None:
    for year in range(2017, 2027):
        with pytest.raises(NoRequirement):
            evaluate(default_policy(), region="350504", year=year, person=TERTIARY, records=[])
