"""A bureau's notice laid over the repository's policy (``rules.layers``): the same strict
loader with the draft's own name and line in every error, the notice governing its days and
the entries beneath keeping the days around them."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from tests.support.drafts import NOTICE, PARAMETERS
from xueshi.rules import PolicyError
from xueshi.rules.layers import Layer, layer_load, overlay, with_layers
from xueshi.rules.policy import Source, default_policy


def _layer(notices: str = NOTICE, parameters: str = PARAMETERS) -> Layer:
    return Layer(
        "440500",
        Source("草稿7/notices.yaml", notices),
        Source("草稿7/parameters.yaml", parameters),
    )


def test_a_notice_governs_its_year_and_the_standing_entry_keeps_the_years_around_it() -> None:
    base = default_policy()
    policy = with_layers(base, [layer_load(base, _layer())])
    on = policy.resolve("hours.total", "440500", dt.date(2025, 12, 31))
    assert on is not None
    assert on.value == Decimal(90)
    assert on.reference.notice.id == "440500-2025"
    assert on.reference.clause == "当年度参加继续教育累计不少于90学时。"
    for day in (dt.date(2024, 12, 31), dt.date(2026, 12, 31)):
        before = base.value("hours.total", "440500", day)
        assert policy.value("hours.total", "440500", day) == before
    assert policy.version != base.version
    # The base is not changed: 2025 is the national rules' there.
    seed = base.resolve("hours.total", "440500", dt.date(2025, 12, 31))
    assert seed is not None
    assert seed.reference.notice.id == "mohrss-25"


def test_overlay_splits_an_entry_beneath_around_the_one_above() -> None:
    base = default_policy()
    beneath = base.regions["440500"].parameters["hours.total"]
    above = layer_load(base, _layer()).parameters["hours.total"]
    merged = overlay(beneath, above)
    assert [(e.start, e.end, e.value) for e in merged] == [
        (dt.date(2010, 1, 1), dt.date(2013, 12, 31), Decimal(72)),
        (dt.date(2014, 1, 1), dt.date(2014, 12, 31), Decimal(72)),
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), Decimal(90)),
    ]
    # An entry without an end is split around a notice that falls inside it.
    open_ended = [dataclasses.replace(beneath[-1], end=None)]
    assert [(e.start, e.end) for e in overlay(open_ended, above)] == [
        (dt.date(2014, 1, 1), dt.date(2024, 12, 31)),
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31)),
        (dt.date(2026, 1, 1), None),
    ]


@pytest.mark.parametrize(
    ("notices", "parameters", "where", "message"),
    [
        (NOTICE, PARAMETERS.replace("value: 90", "value: -90"), "草稿7/parameters.yaml:5", "负数"),
        (
            NOTICE,
            PARAMETERS.replace("    unit: hour\n", "    unit: hour\n    bogus: 1\n"),
            "草稿7/parameters.yaml:5",
            "未知的键 “bogus”",
        ),
        (
            NOTICE,
            PARAMETERS.replace("clause: 当年度参加继续教育累计不少于90学时。", "clause: ''"),
            "草稿7/parameters.yaml:9",
            "引用条文不能为空",
        ),
        (
            NOTICE,
            PARAMETERS.replace("notice: 440500-2025", "notice: nowhere"),
            "草稿7/parameters.yaml:7",
            "未知的文件 “nowhere”",
        ),
        (
            NOTICE.replace("440500-2025:", "shantou-2014:"),
            PARAMETERS,
            "草稿7/notices.yaml:1",
            "已被现行政策使用",
        ),
        (NOTICE + "  date: 2024-12-21\n", PARAMETERS, "草稿7/notices.yaml:6", "重复的键 “date”"),
        (NOTICE, "hours.total: [\n", "草稿7/parameters.yaml:2", "YAML 语法错误"),
    ],
    ids=[
        "negative",
        "unknown-key",
        "no-clause",
        "unknown-notice",
        "seed-notice-id",
        "duplicate-key",
        "syntax",
    ],
)
def test_a_draft_is_refused_with_its_own_name_and_line(
    notices: str, parameters: str, where: str, message: str
) -> None:
    with pytest.raises(PolicyError) as caught:
        layer_load(default_policy(), _layer(notices, parameters))
    assert str(caught.value).startswith(where), str(caught.value)
    assert message in str(caught.value)


def test_a_later_layer_governs_where_two_overlap() -> None:
    base = default_policy()
    first = layer_load(base, _layer())
    second_notice = NOTICE.replace("440500-2025", "440500-2025b")
    second = layer_load(
        base,
        _layer(
            second_notice,
            PARAMETERS.replace("440500-2025", "440500-2025b")
            .replace("value: 90", "value: 80")
            .replace("from: 2025-01-01", "from: 2025-07-01"),
        ),
    )
    policy = with_layers(base, [first, second])
    assert policy.value("hours.total", "440500", dt.date(2025, 3, 1)) == Decimal(90)
    assert policy.value("hours.total", "440500", dt.date(2025, 12, 31)) == Decimal(80)
