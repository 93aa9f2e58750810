"""Dated, cited policy data: loading (strict) and resolution along the region chain.

Layout: ``policy/notices.yaml`` lists the documents cited; ``policy/regions/<code>/`` holds
``region.yaml`` (code, name, level, parent) and optionally ``parameters.yaml``, a mapping of
parameter name to a list of dated entries::

    hours.total:
      - from: 2014-01-01          # first day in force
        until: 2018-10-31         # optional, last day in force
        unit: hour
        value: 72                 # or null (repealed here), or a breakdown {by: series, ...}
        reference: {notice: shantou-2014, section: 二, clause: "……不少于12天（即72学时）"}

Resolution walks district → city → province → national and takes the entry in force at the
date at the most specific level that defines the value; a child overrides only what it sets.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

from .parameters import BY_ATTRIBUTES, PARAMETERS, ValueInvalid
from .strict_yaml import Mapping, PolicyError, line_of, load_file, load_text
from .terms import Person
from .workdays import WorkingCalendar, load_calendar

_LEVELS = {"national", "province", "city", "district", "county"}


@dataclass(frozen=True, slots=True)
class Notice:
    id: str
    title: str
    issuer: str
    date: dt.date
    document_number: str | None = None
    in_force: dt.date | None = None
    file: str | None = None
    for_year: int | None = None  # a yearly notice (“2014年…的通知”): the year it governs

    @property
    def citation(self) -> str:
        number = f"（{self.document_number}）" if self.document_number else ""
        return f"《{self.title}》{number}"


@dataclass(frozen=True, slots=True)
class Reference:
    notice: Notice
    section: str
    clause: str

    @property
    def citation(self) -> str:
        return f"{self.notice.citation} {self.section}"

    def __str__(self) -> str:
        return f"{self.citation}：“{self.clause}”"


class _NotSet:
    """An explicit null: the requirement is repealed or does not apply at this level."""

    def __repr__(self) -> str:
        return "NOT_SET"


NOT_SET = _NotSet()


@dataclass(frozen=True, slots=True)
class Breakdown:
    """A value that depends on an attribute of the person (series, title level…)."""

    attribute: str
    values: dict[str, Any]  # attribute value → Breakdown | NOT_SET | value
    other: Any = None  # None: fall through to the parent level; NOT_SET: not set


@dataclass(frozen=True, slots=True)
class Entry:
    parameter: str
    start: dt.date
    end: dt.date | None
    value: Any  # Breakdown | NOT_SET | checked value
    reference: Reference
    path: Path
    line: int

    def in_force(self, day: dt.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A value found for a person at a date, with where it came from."""

    parameter: str
    value: Any
    reference: Reference
    region: str
    start: dt.date


@dataclass(slots=True)
class Region:
    code: str
    name: str
    level: str
    parent_code: str | None
    parameters: dict[str, list[Entry]] = field(default_factory=dict)


class Policy:
    """All regions and their parameters, loaded and checked."""

    def __init__(
        self,
        root: Path,
        notices: dict[str, Notice],
        regions: dict[str, Region],
        version: str,
        calendar: WorkingCalendar | None = None,
    ):
        self.root = root
        self.calendar = calendar or WorkingCalendar()
        self.notices = notices
        self.regions = regions
        self.version = version
        self._cache: dict[tuple[str, str, dt.date, Person], Resolved | None] = {}
        # scripts/mutation.sh: a cached answer hides a mutant from every test but the first
        # that asks (docs/testing.md); XUESHI_RULES_UNCACHED=1 makes every call resolve.
        self.caching = os.environ.get("XUESHI_RULES_UNCACHED", "") in ("", "0")

    # -- resolution -------------------------------------------------------------------
    def region(self, code: str) -> Region:
        try:
            return self.regions[code]
        except KeyError:
            raise PolicyError(f"未知的行政区划代码 (unknown region) {code!r}") from None

    def chain(self, code: str) -> list[Region]:
        """The region and its ancestors, most specific first."""
        result = []
        region: Region | None = self.region(code)
        while region is not None:
            result.append(region)
            region = self.regions[region.parent_code] if region.parent_code else None
        return result

    def resolve(
        self, parameter: str, region: str, day: dt.date, person: Person | None = None
    ) -> Resolved | None:
        """The value of ``parameter`` for ``person`` in ``region`` on ``day``, or None if unset."""
        if parameter not in PARAMETERS:
            raise PolicyError(f"未知的参数 (unknown parameter) {parameter!r}")
        person = person or Person()
        if not self.caching:
            return self._resolve(parameter, region, day, person)
        key = (parameter, region, day, person)
        if key in self._cache:
            return self._cache[key]
        result = self._resolve(parameter, region, day, person)
        self._cache[key] = result
        return result

    def forget_resolved(self) -> None:
        """Drop the answers ``resolve`` has cached: the next calls resolve afresh."""
        self._cache.clear()

    def _resolve(
        self, parameter: str, region: str, day: dt.date, person: Person
    ) -> Resolved | None:
        for level in self.chain(region):
            for entry in level.parameters.get(parameter, ()):
                if not entry.in_force(day):
                    continue
                value = _select(entry.value, person)
                if value is None:
                    break  # the breakdown does not cover this person: ask the parent
                if value is NOT_SET:
                    return None
                return Resolved(parameter, value, entry.reference, level.code, entry.start)
        return None

    def change_days(self, parameter: str, region: str) -> tuple[dt.date, ...]:
        """The days on which what ``parameter`` resolves to in ``region`` may change: between
        two consecutive ones (and before the first, and from the last on) ``resolve`` gives
        the same answer for the same person on every day. Sorted, for ``bisect``."""
        days: set[dt.date] = set()
        for level in self.chain(region):
            for entry in level.parameters.get(parameter, ()):
                days.add(entry.start)
                if entry.end is not None:
                    days.add(entry.end + dt.timedelta(days=1))
        return tuple(sorted(days))

    def value(self, parameter: str, region: str, day: dt.date, person: Person | None = None) -> Any:
        resolved = self.resolve(parameter, region, day, person)
        return None if resolved is None else resolved.value

    def entries(self) -> Iterator[Entry]:
        for region in self.regions.values():
            for entries in region.parameters.values():
                yield from entries


def _select(value: Any, person: Person) -> Any:
    while isinstance(value, Breakdown):
        own = person.attribute(value.attribute)
        value = value.values[own] if own is not None and own in value.values else value.other
    return value


# -- loading ---------------------------------------------------------------------------


def _check_keys(raw: Any, allowed: set[str], required: set[str], path: Path, what: str) -> Mapping:
    if not isinstance(raw, Mapping):
        raise PolicyError(f"{what} 应为映射 (expected a mapping)", path=path, line=line_of(raw))
    for key in raw:
        if key not in allowed:
            raise PolicyError(
                f"{what} 中未知的键 “{key}” (unknown key; allowed: {', '.join(sorted(allowed))})",
                path=path,
                line=line_of(raw, key),
            )
    for key in required:
        if key not in raw:
            raise PolicyError(f"{what} 缺少键 “{key}” (missing key)", path=path, line=raw.line)
    return raw


def _date(raw: Any, path: Path, line: int | None, what: str) -> dt.date:
    if isinstance(raw, dt.datetime) or not isinstance(raw, dt.date):
        raise PolicyError(f"{what} 应为日期 YYYY-MM-DD, got {raw!r}", path=path, line=line)
    return raw


def _load_notices(path: Path) -> dict[str, Notice]:
    return _notices_from(load_file(path), path)


def _notices_from(raw: Any, path: Path) -> dict[str, Notice]:
    raw = _check_keys(raw, set(raw or {}), set(), path, "notices")
    notices = {}
    allowed = {"title", "document_number", "issuer", "date", "in_force", "file", "for_year"}
    for notice_id, body in raw.items():
        body = _check_keys(body, allowed, {"title", "issuer", "date"}, path, f"notice {notice_id}")
        notices[notice_id] = Notice(
            id=notice_id,
            title=str(body["title"]),
            issuer=str(body["issuer"]),
            date=_date(body["date"], path, line_of(body, "date"), "date"),
            document_number=body.get("document_number"),
            in_force=_date(body["in_force"], path, line_of(body, "in_force"), "in_force")
            if "in_force" in body
            else None,
            file=body.get("file"),
            for_year=_year(body, path) if "for_year" in body else None,
        )
    return notices


def _year(body: Mapping, path: Path) -> int:
    year = body["for_year"]
    if isinstance(year, bool) or not isinstance(year, int) or not 1990 <= year <= 2100:
        raise PolicyError(
            f"for_year 应为年份, got {year!r}", path=path, line=line_of(body, "for_year")
        )
    return year


def _load_value(parameter: str, raw: Any, path: Path, line: int) -> Any:
    spec = PARAMETERS[parameter]
    if raw is None:
        return NOT_SET
    if isinstance(raw, dict) and "by" in raw:
        attribute = raw["by"]
        if attribute not in BY_ATTRIBUTES:
            raise PolicyError(
                f"不能按 “{attribute}” 细分 (breakdown by one of {sorted(BY_ATTRIBUTES)})",
                path=path,
                line=line_of(raw, "by") or line,
            )
        enum = BY_ATTRIBUTES[attribute]
        values: dict[str, Any] = {}
        other: Any = None
        for key, sub in raw.items():
            sub_line = line_of(raw, key) or line
            if key == "by":
                continue
            if key == "other":
                other = _load_value(parameter, sub, path, sub_line)
                continue
            if enum is not None:
                try:
                    enum(key)
                except ValueError:
                    raise PolicyError(
                        f"{attribute} 的未知取值 “{key}”", path=path, line=sub_line
                    ) from None
            values[key] = _load_value(parameter, sub, path, sub_line)
        return Breakdown(attribute, values, other)
    try:
        return spec.check(raw)
    except ValueInvalid as exc:
        raise PolicyError(f"{parameter}: {exc}", path=path, line=line) from None


def _load_parameters(path: Path, notices: dict[str, Notice]) -> dict[str, list[Entry]]:
    return _parameters_from(load_file(path), path, notices)


def _parameters_from(raw: Any, path: Path, notices: dict[str, Notice]) -> dict[str, list[Entry]]:
    if raw is None:
        return {}
    raw = _check_keys(raw, set(PARAMETERS) | set(raw), set(), path, "parameters")
    result: dict[str, list[Entry]] = {}
    for name, entries_raw in raw.items():
        name_line = line_of(raw, name)
        if name not in PARAMETERS:
            raise PolicyError(f"未知的参数 “{name}” (unknown parameter)", path=path, line=name_line)
        spec = PARAMETERS[name]
        if not isinstance(entries_raw, list) or not entries_raw:
            raise PolicyError(f"{name} 应为带日期的条目列表", path=path, line=name_line)
        entries = []
        for item in entries_raw:
            item = _check_keys(
                item,
                {"from", "until", "unit", "value", "reference"},
                {"from", "unit", "value", "reference"},
                path,
                name,
            )
            start = _date(item["from"], path, line_of(item, "from"), "from")
            end = (
                _date(item["until"], path, line_of(item, "until"), "until")
                if "until" in item
                else None
            )
            if end is not None and end < start:
                raise PolicyError(
                    f"{name}: until {end} 早于 from {start}", path=path, line=line_of(item, "until")
                )
            if item["unit"] != spec.unit:
                raise PolicyError(
                    f"{name} 的单位应为 “{spec.unit}”，而不是 “{item['unit']}”",
                    path=path,
                    line=line_of(item, "unit"),
                )
            ref = _check_keys(
                item["reference"],
                {"notice", "section", "clause"},
                {"notice", "section", "clause"},
                path,
                f"{name} reference",
            )
            if ref["notice"] not in notices:
                raise PolicyError(
                    f"未知的文件 “{ref['notice']}” (not in notices.yaml)",
                    path=path,
                    line=line_of(ref, "notice"),
                )
            if not str(ref["clause"]).strip():
                raise PolicyError(
                    f"{name}: 引用条文不能为空", path=path, line=line_of(ref, "clause")
                )
            value = _load_value(name, item["value"], path, line_of(item, "value") or item.line)
            entries.append(
                Entry(
                    name,
                    start,
                    end,
                    value,
                    Reference(notices[ref["notice"]], str(ref["section"]), str(ref["clause"])),
                    path,
                    item.line,
                )
            )
        _check_timeline(entries)
        result[name] = entries
    return result


def _check_timeline(entries: list[Entry]) -> None:
    """Entries of one parameter at one level neither overlap nor leave a gap between them."""
    ordered = sorted(entries, key=lambda e: e.start)
    for before, after in pairwise(ordered):
        if before.end is None or before.end >= after.start:
            raise PolicyError(
                f"{after.parameter}: 与第 {before.line} 行的条目时间重叠 (overlaps the entry from "
                f"{before.start}); 前一条目须以 until 结束于 {after.start - dt.timedelta(days=1)}",
                path=after.path,
                line=after.line,
            )
        if before.end + dt.timedelta(days=1) != after.start:
            raise PolicyError(
                f"{after.parameter}: 与第 {before.line} 行的条目之间有空档 (gap from "
                f"{before.end + dt.timedelta(days=1)} to {after.start - dt.timedelta(days=1)}); "
                "如确属废止，请写明 value: null 的条目",
                path=after.path,
                line=after.line,
            )


@dataclass(frozen=True, slots=True)
class Source:
    """YAML text that is not a file of the policy tree (a bureau's draft in the database),
    with the name its errors give in place of a path: ``name:line: message``."""

    name: str
    text: str

    @property
    def path(self) -> Path:
        return Path(self.name)


def load_notices_source(source: Source) -> dict[str, Notice]:
    """Notices in ``notices.yaml``'s format, from ``source``, checked as the file is."""
    return _notices_from(load_text(source.text, source.path), source.path)


def load_parameters_source(source: Source, notices: dict[str, Notice]) -> dict[str, list[Entry]]:
    """A region's parameters in ``parameters.yaml``'s format, from ``source``, checked as
    the file is (every reference names one of ``notices``)."""
    return _parameters_from(load_text(source.text, source.path), source.path, notices)


def load_policy(root: Path | str) -> Policy:
    """Load and check the whole policy tree. Raises PolicyError naming file and line."""
    root = Path(root)
    notices_path = root / "notices.yaml"
    notices = _load_notices(notices_path)
    regions: dict[str, Region] = {}
    parent_lines: dict[str, int | None] = {}
    regions_dir = root / "regions"
    if not regions_dir.is_dir():
        raise PolicyError("缺少 regions 目录 (no regions directory)", path=regions_dir)
    digest = hashlib.sha256(notices_path.read_bytes())
    for folder in sorted(p for p in regions_dir.iterdir()):
        if not folder.is_dir():
            raise PolicyError("regions 下只能有地区目录 (only region folders)", path=folder)
        for file in sorted(folder.iterdir()):
            if file.name not in ("region.yaml", "parameters.yaml"):
                raise PolicyError("未知的文件 (expected region.yaml or parameters.yaml)", path=file)
            digest.update(file.relative_to(root).as_posix().encode())
            digest.update(file.read_bytes())
        region_path = folder / "region.yaml"
        if not region_path.exists():
            raise PolicyError("缺少 region.yaml", path=folder)
        raw = _check_keys(
            load_file(region_path),
            {"code", "name", "level", "parent"},
            {"code", "name", "level", "parent"},
            region_path,
            "region",
        )
        code = str(raw["code"])
        if code != folder.name or not (len(code) == 6 and code.isdigit()):
            raise PolicyError(
                f"code “{code}” 应为六位代码且与目录名 {folder.name} 一致",
                path=region_path,
                line=line_of(raw, "code"),
            )
        if raw["level"] not in _LEVELS:
            raise PolicyError(
                f"level 应为 {sorted(_LEVELS)} 之一", path=region_path, line=line_of(raw, "level")
            )
        parent = None if raw["parent"] is None else str(raw["parent"])
        parent_lines[code] = line_of(raw, "parent")
        region = Region(code, str(raw["name"]), str(raw["level"]), parent)
        params_path = folder / "parameters.yaml"
        if params_path.exists():
            region.parameters = _load_parameters(params_path, notices)
        regions[code] = region
    for region in regions.values():
        if region.parent_code is not None and region.parent_code not in regions:
            raise PolicyError(
                f"上级地区 {region.parent_code} 不存在 (unknown parent)",
                path=regions_dir / region.code / "region.yaml",
                line=parent_lines.get(region.code),
            )
        seen = {region.code}
        parent = region.parent_code
        while parent is not None:
            if parent in seen:
                raise PolicyError(
                    "地区上下级成环 (the parent chain loops)",
                    path=regions_dir / region.code / "region.yaml",
                    line=parent_lines.get(region.code),
                )
            seen.add(parent)
            parent = regions[parent].parent_code
    calendar_path = root / "calendar.yaml"
    calendar = load_calendar(calendar_path)
    if calendar_path.exists():
        digest.update(calendar_path.read_bytes())
    return Policy(root, notices, regions, "sha256:" + digest.hexdigest()[:16], calendar)


def default_policy_dir() -> Path:
    """``policy/`` at the repository root, or $XUESHI_POLICY_DIR."""
    env = os.environ.get("XUESHI_POLICY_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "policy"


class _Default:
    @cached_property
    def policy(self) -> Policy:
        return load_policy(default_policy_dir())


_default = _Default()


def default_policy() -> Policy:
    """The repository's policy, loaded once per process."""
    return _default.policy


def forget_default_policy() -> None:
    """The next ``default_policy()`` loads the tree again (a test that must see the loading
    code run, under scripts/mutation.sh)."""
    _default.__dict__.pop("policy", None)
