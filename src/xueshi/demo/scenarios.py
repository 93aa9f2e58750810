"""The demo's dates: one per seed scenario, at which every role of it can do its main job.

The demo runs at the date of the scenario a demo user picks under 演示日期 (the page header),
so that the seed year's deadlines are judged in that year (``xueshi.clock``). Each date is
chosen for what the README's roles try there:

- 汕头 2014-12-15: a verification day (每月 10、15、20、25、30 日); the academy's third 2014
  public class ended on 12-10, so its learners' hours may still be entered (5 working days),
  and a class starting from 12-26 on may still be filed (10 days before);
- 开封 2016-08-11: the last face-to-face class ended on 08-09 with a learner not yet entered;
- 洛江 2017-11-15: the BIM class (ended 11-09) within the 30 days of entry; a class starting
  after 11-29 can be filed (10 working days);
- 广德 2020-11-16: the end of the 2020 training year; a class from 12-16 on can be filed
  (30 days).

Only the server's list is used: a client names a scenario, never a date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "demo_scenario"


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    date: dt.date


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("shantou-2014", "汕头 2014", dt.date(2014, 12, 15)),
    Scenario("kaifeng-2016", "开封 2016", dt.date(2016, 8, 11)),
    Scenario("luojiang-2017", "洛江 2017", dt.date(2017, 11, 15)),
    Scenario("guangde-2020", "广德 2020", dt.date(2020, 11, 16)),
)
BY_KEY = {s.key: s for s in SCENARIOS}
DEFAULT = SCENARIOS[0]


def enabled() -> bool:
    """The switch exists only in the demo (``XUESHI_DEMO``), never in production."""
    return bool(getattr(settings, "XUESHI_DEMO", False))


def chosen(request: HttpRequest) -> Scenario:
    """The scenario of this session: the one chosen, else the one whose date the settings
    name (``XUESHI_DEMO_DATE``), else Shantou 2014."""
    key = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    if isinstance(key, str) and key in BY_KEY:
        return BY_KEY[key]
    configured = getattr(settings, "XUESHI_DEMO_DATE", None)
    for scenario in SCENARIOS:
        if configured and scenario.date.isoformat() == str(configured):
            return scenario
    if configured:
        day = dt.date.fromisoformat(str(configured))
        return Scenario("configured", f"{day.year}", day)
    return DEFAULT
