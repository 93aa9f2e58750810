"""Every refusal of the policy loader names the file, the exact line and what is wrong
(issue 19: the loading code's mutants survived where a test only asked "does it raise?").

Each tree is the smallest that loads, with one thing broken; the broken line is marked
``# <-- here`` in the YAML (or given, for a file the mark cannot go in).
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from xueshi.rules import PolicyError, load_policy
from xueshi.rules.policy import (
    Source,
    default_policy,
    default_policy_dir,
    forget_default_policy,
    load_notices_source,
    load_parameters_source,
)

MARK = "# <-- here"

NOTICES = """\
n:
  title: 规定
  document_number: 人社部令第25号
  issuer: 人力资源和社会保障部
  date: 2015-08-13
  in_force: 2015-10-01
yearly:
  title: 2016年度通知
  issuer: 市人社局
  date: 2016-03-01
  for_year: 2016
  file: seeds/yearly-2016.md
"""

NATIONAL = 'code: "000000"\nname: 全国\nlevel: national\nparent: null\n'
CITY = 'code: "440500"\nname: 汕头市\nlevel: city\nparent: "000000"\n'

PARAMETERS = """\
hours.total:
  - from: 2015-10-01
    until: 2016-12-31
    unit: hour
    value: 90
    reference: {notice: n, section: 第八条, clause: 每年累计应不少于90学时}
  - from: 2017-01-01
    unit: hour
    value: {by: series, health: null, other: 72}
    reference: {notice: yearly, section: 二, clause: 每年72学时}
"""


def tree(
    root: Path,
    *,
    notices: str = NOTICES,
    national: str = NATIONAL,
    city: str = CITY,
    parameters: str = PARAMETERS,
) -> Path:
    (root / "regions" / "000000").mkdir(parents=True)
    (root / "regions" / "440500").mkdir(parents=True)
    (root / "notices.yaml").write_text(notices, encoding="utf-8")
    (root / "regions" / "000000" / "region.yaml").write_text(national, encoding="utf-8")
    (root / "regions" / "000000" / "parameters.yaml").write_text(parameters, encoding="utf-8")
    (root / "regions" / "440500" / "region.yaml").write_text(city, encoding="utf-8")
    return root


def marked(text: str) -> int:
    (line,) = [n for n, row in enumerate(text.splitlines(), start=1) if MARK in row]
    return line


def refusal(root: Path) -> PolicyError:
    with pytest.raises(PolicyError) as info:
        load_policy(root)
    return info.value


def assert_refused(error: PolicyError, path: Path, line: int | None, message: str) -> None:
    assert error.path == str(path)
    assert error.line == line
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(error) == where + message


def test_the_small_tree_loads_with_its_notices(tmp_path: Path) -> None:
    policy = load_policy(tree(tmp_path))
    notice = policy.notices["n"]
    assert (notice.title, notice.issuer, notice.document_number) == (
        "规定",
        "人力资源和社会保障部",
        "人社部令第25号",
    )
    assert (notice.date, notice.in_force, notice.for_year) == (
        dt.date(2015, 8, 13),
        dt.date(2015, 10, 1),
        None,
    )
    yearly = policy.notices["yearly"]
    assert (yearly.for_year, yearly.in_force, yearly.document_number) == (2016, None, None)
    assert (yearly.file, notice.file) == ("seeds/yearly-2016.md", None)
    assert yearly.citation == "《2016年度通知》"
    assert notice.citation == "《规定》（人社部令第25号）"
    city = policy.region("440500")
    assert (city.name, city.level, city.parent_code, city.parameters) == (
        "汕头市",
        "city",
        "000000",
        {},
    )
    (first, second) = policy.region("000000").parameters["hours.total"]
    assert (first.start, first.end, first.line, second.line) == (
        dt.date(2015, 10, 1),
        dt.date(2016, 12, 31),
        2,
        7,
    )
    assert first.path == tmp_path / "regions" / "000000" / "parameters.yaml"
    assert policy.root == tmp_path
    assert policy.version.startswith("sha256:")
    assert len(policy.version) == len("sha256:") + 16


# -- notices.yaml ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            NOTICES.replace("  title: 规定\n", "  titel: 规定 # <-- here\n"),
            "notice n 中未知的键 “titel” (unknown key; allowed: date, document_number, file, "
            "for_year, in_force, issuer, title)",
        ),
        (
            NOTICES.replace(
                "  title: 规定\n  document_number: 人社部令第25号\n",
                "  document_number: 人社部令第25号 # <-- here\n",
            ),
            "notice n 缺少键 “title” (missing key)",
        ),
        (
            NOTICES.replace("  date: 2015-08-13", "  date: 2015-08 # <-- here"),
            "date 应为日期 YYYY-MM-DD, got '2015-08'",
        ),
        (
            NOTICES.replace("  in_force: 2015-10-01", "  in_force: 2015-10-01 10:00:00 # <-- here"),
            "in_force 应为日期 YYYY-MM-DD, got datetime.datetime(2015, 10, 1, 10, 0)",
        ),
        (
            NOTICES.replace("  for_year: 2016", "  for_year: 1989 # <-- here"),
            "for_year 应为年份, got 1989",
        ),
        (
            NOTICES.replace("  for_year: 2016", "  for_year: true # <-- here"),
            "for_year 应为年份, got True",
        ),
        (
            NOTICES.replace("  for_year: 2016", "  for_year: 2101 # <-- here"),
            "for_year 应为年份, got 2101",
        ),
        (
            NOTICES.replace("  for_year: 2016", '  for_year: "2016" # <-- here'),
            "for_year 应为年份, got '2016'",
        ),
        (
            NOTICES.replace("n:\n  title: 规定", "n: [规定] # <-- here\nx:\n  title: 规定"),
            "notice n 应为映射 (expected a mapping)",
        ),
    ],
)
def test_a_malformed_notice_is_refused_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    error = refusal(tree(tmp_path, notices=text))
    assert_refused(error, tmp_path / "notices.yaml", marked(text), message)


def test_years_1990_and_2100_are_years(tmp_path: Path) -> None:
    text = NOTICES.replace("  for_year: 2016", "  for_year: 1990") + textwrap.dedent("""\
        late:
          title: 2100年度通知
          issuer: 市人社局
          date: 2016-03-01
          for_year: 2100
        """)
    policy = load_policy(tree(tmp_path, notices=text))
    assert policy.notices["yearly"].for_year == 1990
    assert policy.notices["late"].for_year == 2100


# -- region.yaml and the tree ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            CITY.replace('code: "440500"', 'code: "440501" # <-- here'),
            "code “440501” 应为六位代码且与目录名 440500 一致",
        ),
        (
            CITY.replace("level: city", "level: town # <-- here"),
            "level 应为 ['city', 'county', 'district', 'national', 'province'] 之一",
        ),
        (
            CITY.replace('parent: "000000"', 'parent: "440000" # <-- here'),
            "上级地区 440000 不存在 (unknown parent)",
        ),
        (
            CITY + "names: 汕头 # <-- here\n",
            "region 中未知的键 “names” (unknown key; allowed: code, level, name, parent)",
        ),
    ],
)
def test_a_malformed_region_is_refused_at_its_line(tmp_path: Path, text: str, message: str) -> None:
    error = refusal(tree(tmp_path, city=text))
    assert_refused(error, tmp_path / "regions" / "440500" / "region.yaml", marked(text), message)


def test_a_region_missing_a_key_is_refused_at_its_first_line(tmp_path: Path) -> None:
    error = refusal(tree(tmp_path, city=CITY.replace("level: city\n", "")))
    assert_refused(
        error,
        tmp_path / "regions" / "440500" / "region.yaml",
        1,
        "region 缺少键 “level” (missing key)",
    )


def test_a_code_of_five_digits_is_refused_even_in_its_folder(tmp_path: Path) -> None:
    root = tree(tmp_path)
    folder = root / "regions" / "44050"
    folder.mkdir()
    (folder / "region.yaml").write_text(CITY.replace("440500", "44050"), encoding="utf-8")
    assert_refused(
        refusal(root),
        folder / "region.yaml",
        1,
        "code “44050” 应为六位代码且与目录名 44050 一致",
    )


def test_a_loop_of_parents_is_refused(tmp_path: Path) -> None:
    national = NATIONAL.replace("parent: null", 'parent: "440500"')
    error = refusal(tree(tmp_path, national=national))
    assert_refused(
        error,
        tmp_path / "regions" / "000000" / "region.yaml",
        4,
        "地区上下级成环 (the parent chain loops)",
    )


def test_stray_files_and_folders_are_refused(tmp_path: Path) -> None:
    root = tree(tmp_path / "a")
    (root / "regions" / "README.md").write_text("说明", encoding="utf-8")
    assert_refused(
        refusal(root),
        root / "regions" / "README.md",
        None,
        "regions 下只能有地区目录 (only region folders)",
    )
    root = tree(tmp_path / "b")
    (root / "regions" / "440500" / "notes.yaml").write_text("{}", encoding="utf-8")
    assert_refused(
        refusal(root),
        root / "regions" / "440500" / "notes.yaml",
        None,
        "未知的文件 (expected region.yaml or parameters.yaml)",
    )
    root = tree(tmp_path / "c")
    (root / "regions" / "440500" / "region.yaml").unlink()
    (root / "regions" / "440500" / "parameters.yaml").write_text("", encoding="utf-8")
    assert_refused(refusal(root), root / "regions" / "440500", None, "缺少 region.yaml")
    root = tmp_path / "d"
    root.mkdir()
    (root / "notices.yaml").write_text(NOTICES, encoding="utf-8")
    assert_refused(
        refusal(root), root / "regions", None, "缺少 regions 目录 (no regions directory)"
    )


# -- parameters.yaml --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hours.total: [] # <-- here\n", "hours.total 应为带日期的条目列表"),
        ("hours.total: 90 # <-- here\n", "hours.total 应为带日期的条目列表"),
        (
            PARAMETERS.replace("    until: 2016-12-31", "    until: 2015-09-30 # <-- here"),
            "hours.total: until 2015-09-30 早于 from 2015-10-01",
        ),
        (
            PARAMETERS.replace("clause: 每年72学时}", "clause: '  '} # <-- here"),
            "hours.total: 引用条文不能为空",
        ),
        (
            PARAMETERS.replace("    value: 90", "    value: -90 # <-- here"),
            "hours.total: 不能为负数 (must not be negative): -90",
        ),
        (
            PARAMETERS.replace(
                "section: 第八条, clause", "section: 第八条, page: 1, clause"
            ).replace(
                "    reference: {notice: n, section: 第八条",
                "    reference: {notice: n, section: 第八条",
            ),
            None,
        ),
    ],
)
def test_a_malformed_entry_is_refused_at_its_line(
    tmp_path: Path, text: str, message: str | None
) -> None:
    error = refusal(tree(tmp_path, parameters=text))
    path = tmp_path / "regions" / "000000" / "parameters.yaml"
    if message is None:  # an unknown key in a reference: the reference's line
        assert error.path == str(path)
        assert error.line == 6
        assert "hours.total reference 中未知的键 “page”" in str(error)
        return
    assert_refused(error, path, marked(text), message)


def test_a_reference_missing_its_clause_is_refused(tmp_path: Path) -> None:
    text = PARAMETERS.replace(", clause: 每年72学时}", "}")
    error = refusal(tree(tmp_path, parameters=text))
    assert_refused(
        error,
        tmp_path / "regions" / "000000" / "parameters.yaml",
        10,
        "hours.total reference 缺少键 “clause” (missing key)",
    )


def test_overlap_and_gap_messages_say_where_and_what_to_write(tmp_path: Path) -> None:
    path = tmp_path / "a" / "regions" / "000000" / "parameters.yaml"
    overlap = PARAMETERS.replace("  - from: 2017-01-01", "  - from: 2016-12-31")
    assert_refused(
        refusal(tree(tmp_path / "a", parameters=overlap)),
        path,
        7,
        "hours.total: 与第 2 行的条目时间重叠 (overlaps the entry from 2015-10-01); "
        "前一条目须以 until 结束于 2016-12-30",
    )
    path = tmp_path / "b" / "regions" / "000000" / "parameters.yaml"
    gap = PARAMETERS.replace("  - from: 2017-01-01", "  - from: 2017-01-03")
    assert_refused(
        refusal(tree(tmp_path / "b", parameters=gap)),
        path,
        7,
        "hours.total: 与第 2 行的条目之间有空档 (gap from 2017-01-01 to 2017-01-02); "
        "如确属废止，请写明 value: null 的条目",
    )


def test_entries_in_any_order_are_checked_in_date_order(tmp_path: Path) -> None:
    later_first = textwrap.dedent("""\
        hours.total:
          - from: 2017-01-01
            unit: hour
            value: 72
            reference: {notice: yearly, section: 二, clause: 每年72学时}
          - from: 2015-10-01
            until: 2016-12-31
            unit: hour
            value: 90
            reference: {notice: n, section: 第八条, clause: 每年累计应不少于90学时}
        """)
    policy = load_policy(tree(tmp_path, parameters=later_first))
    assert policy.value("hours.total", "440500", dt.date(2016, 6, 1)) == 90
    assert policy.value("hours.total", "440500", dt.date(2017, 6, 1)) == 72


# -- drafts from the database, and the version ------------------------------------------------


def test_a_draft_is_checked_as_the_files_are_and_named_in_its_errors(tmp_path: Path) -> None:
    notices = load_notices_source(Source("草稿通知", NOTICES))
    assert notices["n"].document_number == "人社部令第25号"
    entries = load_parameters_source(Source("草稿参数", PARAMETERS), notices)
    assert [e.start for e in entries["hours.total"]] == [dt.date(2015, 10, 1), dt.date(2017, 1, 1)]
    assert load_parameters_source(Source("空", ""), notices) == {}
    with pytest.raises(PolicyError) as info:
        load_parameters_source(Source("草稿参数", PARAMETERS), {})
    assert str(info.value) == "草稿参数:6: 未知的文件 “n” (not in notices.yaml)"
    assert Source("草稿参数", "").path == Path("草稿参数")


def test_the_version_changes_with_any_file_and_with_the_calendar(tmp_path: Path) -> None:
    first = load_policy(tree(tmp_path / "a")).version
    assert load_policy(tree(tmp_path / "b")).version == first
    changed = tree(tmp_path / "c", parameters=PARAMETERS.replace("value: 90", "value: 91"))
    assert load_policy(changed).version != first
    renamed = tree(tmp_path / "d", notices=NOTICES.replace("title: 规定", "title: 规定 "))
    assert load_policy(renamed).version != first
    calendar = tree(tmp_path / "e")
    (calendar / "calendar.yaml").write_text("years: {}\n", encoding="utf-8")
    assert load_policy(calendar).version != first


def test_the_policy_folder_may_be_named_by_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XUESHI_POLICY_DIR", raising=False)
    assert default_policy_dir() == Path(__file__).resolve().parents[2] / "policy"
    monkeypatch.setenv("XUESHI_POLICY_DIR", str(tmp_path))
    assert default_policy_dir() == tmp_path


def test_a_breakdown_by_an_unknown_attribute_is_refused_at_its_by_line(tmp_path: Path) -> None:
    text = PARAMETERS.replace(
        "    value: {by: series, health: null, other: 72}",
        "    value:\n      other: 72\n      by: hair_colour # <-- here",
    )
    error = refusal(tree(tmp_path, parameters=text))
    assert error.line == marked(text)
    assert "不能按 “hair_colour” 细分" in str(error)


def test_forgetting_the_default_policy_twice_is_harmless() -> None:
    forget_default_policy()
    forget_default_policy()
    assert default_policy().version == load_policy(default_policy_dir()).version


def test_a_bad_value_inside_a_breakdown_names_the_file_and_its_line(tmp_path: Path) -> None:
    text = PARAMETERS.replace(
        "    value: {by: series, health: null, other: 72}",
        "    value:\n      by: series\n      health: -5 # <-- here\n      other: 72",
    )
    error = refusal(tree(tmp_path, parameters=text))
    assert_refused(
        error,
        tmp_path / "regions" / "000000" / "parameters.yaml",
        marked(text),
        "hours.total: 不能为负数 (must not be negative): -5",
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- hours.total # <-- here\n", "parameters 应为映射 (expected a mapping)"),
        (
            PARAMETERS + "hours.public: [] # <-- here\n",
            "hours.public 应为带日期的条目列表",
        ),
        (
            PARAMETERS.replace("  - from: 2017-01-01", '  - from: "2017-01-01" # <-- here'),
            "from 应为日期 YYYY-MM-DD, got '2017-01-01'",
        ),
        (
            PARAMETERS.replace("    until: 2016-12-31", "    until: 2016-12 # <-- here"),
            "until 应为日期 YYYY-MM-DD, got '2016-12'",
        ),
    ],
)
def test_a_malformed_parameter_below_the_first_is_refused_at_its_own_line(
    tmp_path: Path, text: str, message: str
) -> None:
    error = refusal(tree(tmp_path, parameters=text))
    assert_refused(
        error, tmp_path / "regions" / "000000" / "parameters.yaml", marked(text), message
    )


def test_a_wrong_code_below_the_name_is_refused_at_the_codes_line(tmp_path: Path) -> None:
    city = 'name: 汕头市\ncode: "440501"\nlevel: city\nparent: "000000"\n'
    error = refusal(tree(tmp_path, city=city))
    assert_refused(
        error,
        tmp_path / "regions" / "440500" / "region.yaml",
        2,
        "code “440501” 应为六位代码且与目录名 440500 一致",
    )


def test_an_unknown_notice_is_refused_at_the_notice_line_of_a_block_reference(
    tmp_path: Path,
) -> None:
    text = PARAMETERS.replace(
        "    reference: {notice: yearly, section: 二, clause: 每年72学时}",
        "    reference:\n      section: 二\n      notice: yearlee # <-- here\n"
        "      clause: 每年72学时",
    )
    error = refusal(tree(tmp_path, parameters=text))
    assert_refused(
        error,
        tmp_path / "regions" / "000000" / "parameters.yaml",
        marked(text),
        "未知的文件 “yearlee” (not in notices.yaml)",
    )


def test_notices_that_are_not_a_mapping_are_refused_naming_the_file(tmp_path: Path) -> None:
    text = "- 规定 # <-- here\n"
    error = refusal(tree(tmp_path, notices=text))
    assert error.path == str(tmp_path / "notices.yaml")
    assert str(error).startswith(f"{tmp_path / 'notices.yaml'}:")
    assert str(error).endswith(": notices 应为映射 (expected a mapping)")
    with pytest.raises(PolicyError) as info:
        load_notices_source(Source("草稿通知", text))
    assert info.value.path == "草稿通知"
    assert str(info.value).endswith(": notices 应为映射 (expected a mapping)")
