"""How ``Policy.resolve`` walks the region chain, on a small tree written for each test.

The repository's policy cannot show every turn of the walk (its breakdowns without ``other``
have nothing above them), so these trees are made to: a mutation of the walk (issue 19) must
change one of these answers.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from xueshi.rules import Person, PolicyError, TitleLevel, load_policy
from xueshi.rules.policy import NOT_SET, Breakdown, Policy

D = dt.date
ENGINEER = Person(TitleLevel.INTERMEDIATE, "engineering")
DOCTOR = Person(TitleLevel.INTERMEDIATE, "health")
SENIOR_DOCTOR = Person(TitleLevel.SENIOR, "health")

NOTICES = """\
national:
  title: 全国规定
  issuer: 人力资源和社会保障部
  date: 2015-08-13
province:
  title: 省规定
  document_number: 省人社〔2016〕1号
  issuer: 省人力资源和社会保障厅
  date: 2016-01-01
city:
  title: 市规定
  issuer: 市人力资源和社会保障局
  date: 2017-01-01
"""

NATIONAL = """\
hours.total:
  - from: 2015-10-01
    unit: hour
    value: 90
    reference: {notice: national, section: 第八条, clause: 每年累计应不少于90学时}
credits.total:
  - from: 2015-10-01
    unit: credit
    value: 25
    reference: {notice: national, section: 第九条, clause: 学分每年不少于25分}
"""

# The province's figure covers health only, without `other`: everyone else asks the nation.
# Its credits change on 2017-01-01; a senior doctor's credits are repealed (null).
PROVINCE = """\
hours.total:
  - from: 2016-01-01
    unit: hour
    value: {by: series, health: 50}
    reference: {notice: province, section: 一, clause: 卫生系列每年50学时}
credits.total:
  - from: 2016-01-01
    until: 2016-12-31
    unit: credit
    value: 30
    reference: {notice: province, section: 二, clause: 学分每年不少于30分}
  - from: 2017-01-01
    unit: credit
    value: {by: series, health: {by: title_level, senior: null, other: 20}}
    reference: {notice: province, section: 三, clause: 卫生系列学分每年不少于20分}
"""

# The city: a breakdown whose `other` is null stops the walk for everyone it does not name.
CITY = """\
hours.public:
  - from: 2017-01-01
    unit: hour
    value: {by: series, engineering: 24, other: null}
    reference: {notice: city, section: 四, clause: 工程系列公需科目24学时}
"""


def region_yaml(code: str, level: str, parent: str | None) -> str:
    parent_text = "null" if parent is None else f'"{parent}"'
    return f'code: "{code}"\nname: 地区{code}\nlevel: {level}\nparent: {parent_text}\n'


def tree(root: Path, *, province: str = PROVINCE, city: str = CITY) -> Policy:
    """Nation 000000 → province 440000 → city 440500."""
    (root / "notices.yaml").write_text(NOTICES, encoding="utf-8")
    for code, level, parent, parameters in (
        ("000000", "national", None, NATIONAL),
        ("440000", "province", "000000", province),
        ("440500", "city", "440000", city),
    ):
        folder = root / "regions" / code
        folder.mkdir(parents=True)
        (folder / "region.yaml").write_text(region_yaml(code, level, parent), encoding="utf-8")
        (folder / "parameters.yaml").write_text(textwrap.dedent(parameters), encoding="utf-8")
    return load_policy(root)


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return tree(tmp_path)


def test_a_breakdown_that_does_not_cover_the_person_asks_the_parent(policy: Policy) -> None:
    """Issue 19: the province's hours cover health only; an engineer gets the nation's 90."""
    resolved = policy.resolve("hours.total", "440500", D(2017, 12, 31), ENGINEER)
    assert resolved is not None
    assert (resolved.value, resolved.region) == (90, "000000")
    assert resolved.reference.notice.id == "national"
    assert resolved.start == D(2015, 10, 1)
    # Without any attribute the breakdown covers no one either.
    assert policy.value("hours.total", "440000", D(2017, 12, 31)) == 90


def test_the_breakdown_answers_for_the_person_it_names(policy: Policy) -> None:
    resolved = policy.resolve("hours.total", "440500", D(2017, 12, 31), DOCTOR)
    assert resolved is not None
    assert (resolved.value, resolved.region, resolved.start) == (50, "440000", D(2016, 1, 1))
    assert resolved.parameter == "hours.total"
    assert resolved.reference.section == "一"


def test_an_entry_not_in_force_gives_way_to_the_next_entry_of_the_same_level(
    policy: Policy,
) -> None:
    """The province's first credits entry ended on 2016-12-31: on 2017-12-31 its second one
    answers, not the nation."""
    resolved = policy.resolve("credits.total", "440500", D(2017, 12, 31), DOCTOR)
    assert resolved is not None
    assert (resolved.value, resolved.region, resolved.start) == (20, "440000", D(2017, 1, 1))
    first = policy.resolve("credits.total", "440500", D(2016, 12, 31), DOCTOR)
    assert first is not None
    assert (first.value, first.start) == (30, D(2016, 1, 1))
    # Before the province's first entry the nation answers.
    assert policy.value("credits.total", "440500", D(2015, 12, 31), DOCTOR) == 25


def test_the_first_and_last_day_of_an_entry_are_in_force(policy: Policy) -> None:
    assert policy.value("credits.total", "440000", D(2016, 1, 1), DOCTOR) == 30
    assert policy.value("credits.total", "440000", D(2016, 12, 31), DOCTOR) == 30
    assert policy.value("credits.total", "440000", D(2017, 1, 1), DOCTOR) == 20
    assert policy.value("hours.total", "000000", D(2015, 9, 30)) is None
    assert policy.value("hours.total", "000000", D(2015, 10, 1)) == 90


def test_a_nested_breakdown_with_null_repeals_for_that_person_only(policy: Policy) -> None:
    assert policy.resolve("credits.total", "440500", D(2017, 12, 31), SENIOR_DOCTOR) is None
    # An engineer is not named by the outer breakdown and it has no `other`: the nation's 25.
    assert policy.value("credits.total", "440500", D(2017, 12, 31), ENGINEER) == 25


def test_a_null_other_stops_the_walk_for_everyone_not_named(policy: Policy) -> None:
    assert policy.value("hours.public", "440500", D(2017, 12, 31), ENGINEER) == 24
    assert policy.resolve("hours.public", "440500", D(2017, 12, 31), DOCTOR) is None


def test_the_chain_runs_from_the_region_to_the_nation(policy: Policy) -> None:
    assert [r.code for r in policy.chain("440500")] == ["440500", "440000", "000000"]
    assert [r.code for r in policy.chain("000000")] == ["000000"]
    assert policy.region("440000").level == "province"


def test_an_unknown_region_or_parameter_is_refused_by_name(policy: Policy) -> None:
    with pytest.raises(PolicyError, match=r"未知的行政区划代码.*'999999'"):
        policy.resolve("hours.total", "999999", D(2017, 12, 31))
    with pytest.raises(PolicyError, match=r"未知的参数.*'hours\.nothing'"):
        policy.resolve("hours.nothing", "440500", D(2017, 12, 31))


def test_change_days_are_starts_and_the_days_after_ends_over_the_chain(policy: Policy) -> None:
    assert policy.change_days("credits.total", "440500") == (
        D(2015, 10, 1),
        D(2016, 1, 1),
        D(2017, 1, 1),
    )
    assert policy.change_days("hours.public", "440500") == (D(2017, 1, 1),)
    assert policy.change_days("hours.public", "440000") == ()


def test_entries_lists_every_entry_of_every_region(policy: Policy) -> None:
    entries = sorted((e.path.parent.name, e.parameter, e.start) for e in policy.entries())
    assert entries == [
        ("000000", "credits.total", D(2015, 10, 1)),
        ("000000", "hours.total", D(2015, 10, 1)),
        ("440000", "credits.total", D(2016, 1, 1)),
        ("440000", "credits.total", D(2017, 1, 1)),
        ("440000", "hours.total", D(2016, 1, 1)),
        ("440500", "hours.public", D(2017, 1, 1)),
    ]


def test_breakdowns_load_as_written(policy: Policy) -> None:
    (later,) = [
        e for e in policy.region("440000").parameters["credits.total"] if e.start == D(2017, 1, 1)
    ]
    assert later.value == Breakdown(
        "series", {"health": Breakdown("title_level", {"senior": NOT_SET}, 20)}, None
    )
    assert later.end is None
    (public,) = policy.region("440500").parameters["hours.public"]
    assert public.value == Breakdown("series", {"engineering": 24}, NOT_SET)
    assert repr(NOT_SET) == "NOT_SET"


def test_a_reference_cites_title_number_section_and_clause(policy: Policy) -> None:
    resolved = policy.resolve("credits.total", "440000", D(2016, 6, 1))
    assert resolved is not None
    assert resolved.reference.citation == "《省规定》（省人社〔2016〕1号） 二"
    assert str(resolved.reference) == "《省规定》（省人社〔2016〕1号） 二：“学分每年不少于30分”"
    national = policy.resolve("hours.total", "000000", D(2016, 6, 1))
    assert national is not None
    assert national.reference.notice.citation == "《全国规定》"


# -- the cache, and the switch that turns it off for mutation testing -------------------------


def test_resolve_caches_until_told_to_forget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XUESHI_RULES_UNCACHED", raising=False)  # scripts/mutation.sh sets it
    policy = tree(tmp_path)
    assert policy.caching
    day = D(2017, 12, 31)
    before = policy.resolve("hours.total", "440500", day, ENGINEER)
    policy.region("440500").parameters["hours.total"] = policy.region("440000").parameters[
        "hours.total"
    ]
    policy.region("000000").parameters.pop("hours.total")
    assert policy.resolve("hours.total", "440500", day, ENGINEER) is before
    policy.forget_resolved()
    assert policy.resolve("hours.total", "440500", day, ENGINEER) is None
    # Each question has its own answer in the cache.
    assert policy.value("credits.total", "440500", day, DOCTOR) == 20
    assert policy.value("credits.total", "440500", day, ENGINEER) == 25
    assert policy.value("hours.total", "440500", day, DOCTOR) == 50
    assert policy.value("credits.total", "440500", D(2016, 6, 1), DOCTOR) == 30


def test_xueshi_rules_uncached_resolves_on_every_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XUESHI_RULES_UNCACHED", "1")
    policy = tree(tmp_path)
    assert not policy.caching
    day = D(2017, 12, 31)
    assert policy.value("hours.total", "440500", day, ENGINEER) == 90
    policy.region("000000").parameters.pop("hours.total")
    assert policy.resolve("hours.total", "440500", day, ENGINEER) is None


def test_uncached_zero_means_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XUESHI_RULES_UNCACHED", "0")
    assert tree(tmp_path).caching
