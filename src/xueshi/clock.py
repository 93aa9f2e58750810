"""The one clock the domain reads: today, now and the current year.

Every deadline, default year and "today" in the code asks this module, never
``date.today()`` or ``timezone.now()`` directly (a test in tests/test_clock.py walks the
source for them). In production it is the real date. The demo runs at a date of the seed
year it shows (``XUESHI_DEMO_DATE``, or the scenario a demo user picks under 演示日期), so
that Shantou's 2014 deadlines are judged in 2014; tests use the same seam (``at``).

The date is the server's, never the client's: a demo user chooses one of the scenarios the
server lists (``xueshi.demo.scenarios``), and only when the demo is on (``XUESHI_DEMO``).
Moments that belong to the machinery rather than the domain (a job's heartbeat, a lock's
age) keep reading the real time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.utils import timezone

# The date of this request or block (a demo scenario, a test); None: the settings' or the real.
_DAY: ContextVar[dt.date | None] = ContextVar("xueshi_clock_day", default=None)


def configured_date() -> dt.date | None:
    """The fixed date of the settings (``XUESHI_DEMO_DATE``), or None: the real date."""
    value = getattr(settings, "XUESHI_DEMO_DATE", None)
    if not value:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def shifted() -> bool:
    """Whether the clock runs at another date than the real one (the demo, a test)."""
    return _DAY.get() is not None or configured_date() is not None


def today() -> dt.date:
    """Today's date in the site's time zone (Asia/Shanghai), or the demo's."""
    return _DAY.get() or configured_date() or timezone.localdate()


def now() -> dt.datetime:
    """This moment, aware; at the demo's date, the real time of day on that date."""
    real = timezone.now()
    day = _DAY.get() or configured_date()
    if day is None:
        return real
    local = timezone.localtime(real)
    return local.replace(year=day.year, month=day.month, day=day.day)


def year() -> int:
    """The current year (the default year of pages that ask for one)."""
    return today().year


@contextmanager
def at(day: dt.date | None) -> Iterator[None]:
    """Run a block (a request, a test) at ``day``; None leaves the clock as it was."""
    if day is None:
        yield
        return
    token = _DAY.set(day)
    try:
        yield
    finally:
        _DAY.reset(token)
