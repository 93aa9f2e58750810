"""The working-day calendar: the official holiday schedule with its 调休 make-up workdays.

chinesecalendar carries the State Council's schedule for the years it knows; a bureau extends
or corrects it with ``policy/calendar.yaml``. A year neither knows is an error, never a guess:
a deadline computed on a guessed calendar would be wrong in exactly the weeks that matter.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import chinese_calendar

from .strict_yaml import Mapping, PolicyError, line_of, load_file


class CalendarUnknown(PolicyError):
    """The working days of a year are not known."""


@dataclass(frozen=True, slots=True)
class YearOverride:
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]
    reference: str


@dataclass(frozen=True, slots=True)
class WorkingCalendar:
    overrides: dict[int, YearOverride] = field(default_factory=dict)

    def is_working_day(self, day: dt.date) -> bool:
        override = self.overrides.get(day.year)
        if override is not None:
            if day in override.holidays:
                return False
            if day in override.workdays:
                return True
        try:
            return bool(chinese_calendar.is_workday(day))
        except NotImplementedError:
            if override is not None:  # a year the bureau declared: weekdays work
                return day.weekday() < 5
            raise CalendarUnknown(
                f"{day.year} 年的节假日安排尚未载入，无法计算工作日：请在 policy/calendar.yaml 中"
                f"补充该年的放假与调休安排 (the working days of {day.year} are not known)"
            ) from None

    def next_working_day(self, day: dt.date) -> dt.date:
        """``day`` itself if it is a working day, else the first working day after it."""
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """How many working days after ``start`` up to and including ``end`` (0 when ``end``
        is not after ``start``): the count ``shift_working_days`` steps over, so a record
        submitted on Friday 2014-07-04 and decided on 2014-07-11 took 5 working days."""
        count = 0
        day = start
        while day < end:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def shift_working_days(self, day: dt.date, count: int) -> dt.date:
        """The ``count``-th working day after ``day`` (before it when ``count`` < 0).

        ``day`` itself is not counted: 5 working days after Friday 2014-07-04 is 2014-07-11.
        """
        step = dt.timedelta(days=1 if count > 0 else -1)
        remaining = abs(count)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day


def _dates(raw: object, path: Path, line: int | None, year: int) -> frozenset[dt.date]:
    if raw is None:
        return frozenset()
    if not isinstance(raw, list):
        raise PolicyError("应为日期列表 (expected a list of dates)", path=path, line=line)
    days = set()
    for item in raw:
        if isinstance(item, dt.datetime) or not isinstance(item, dt.date) or item.year != year:
            raise PolicyError(f"{item!r} 不是 {year} 年的日期", path=path, line=line)
        days.add(item)
    return frozenset(days)


def load_calendar(path: Path) -> WorkingCalendar:
    if not path.exists():
        return WorkingCalendar()
    raw = load_file(path)
    if raw is None:
        return WorkingCalendar()
    if not isinstance(raw, Mapping) or set(raw) - {"years"}:
        raise PolicyError("calendar.yaml 只能包含 years", path=path, line=line_of(raw))
    years = raw.get("years") or {}
    if not isinstance(years, dict):
        raise PolicyError("years 应为映射", path=path, line=line_of(raw, "years"))
    overrides = {}
    for key, body in years.items():
        line = line_of(years, key)
        try:
            year = int(key)
        except ValueError:
            raise PolicyError(f"年份 {key!r} 无效", path=path, line=line) from None
        if (
            not isinstance(body, Mapping)
            or set(body) - {"holidays", "workdays", "reference"}
            or "reference" not in body
        ):
            raise PolicyError("每年应含 holidays、workdays 与 reference", path=path, line=line)
        holidays = _dates(body.get("holidays"), path, line_of(body, "holidays"), year)
        workdays = _dates(body.get("workdays"), path, line_of(body, "workdays"), year)
        if holidays & workdays:
            raise PolicyError(
                f"既是假日又是工作日: {sorted(holidays & workdays)}", path=path, line=line
            )
        overrides[year] = YearOverride(holidays, workdays, str(body["reference"]))
    return WorkingCalendar(overrides)
