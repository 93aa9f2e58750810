"""xueshi.clock: the one seam every deadline, default year and "today" reads."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import time_machine
from django.test import override_settings
from django.utils import timezone

from xueshi import clock

SRC = Path(__file__).resolve().parents[1] / "src" / "xueshi"
SHANGHAI = dt.timezone(dt.timedelta(hours=8))

# The real date where it is the machinery's, not the domain's: a key's name, the date a
# revocation list is signed, a birth date that cannot be in the future, a backup's time.
REAL_DATE_ALLOWED = {
    "clock.py",
    "certificates/keys.py",
    "certificates/management/commands/revocations.py",
    "organisations/validators.py",
    "operations/backup.py",  # when a backup was made
    "accounts/audit_views.py",  # the day the audit log was exported, in its file name
    "people/identity.py",  # an ID key's name
}


def test_the_real_date_unless_shifted() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 4, 23, 30, tzinfo=SHANGHAI), tick=False):
        assert clock.today() == dt.date(2026, 3, 4)  # the site's time zone, not UTC's 15:30
        assert clock.year() == 2026
        assert clock.now() == timezone.now()
        assert not clock.shifted()


def test_at_shifts_the_date_and_keeps_the_time_of_day() -> None:
    with time_machine.travel(dt.datetime(2026, 3, 4, 9, 15, tzinfo=SHANGHAI)):
        with clock.at(dt.date(2014, 12, 15)):
            assert clock.shifted()
            assert clock.today() == dt.date(2014, 12, 15)
            assert clock.year() == 2014
            moment = timezone.localtime(clock.now())
            assert (moment.date(), moment.hour, moment.minute) == (dt.date(2014, 12, 15), 9, 15)
        assert clock.today() == dt.date(2026, 3, 4)
        with clock.at(None):
            assert clock.today() == dt.date(2026, 3, 4)


def test_the_settings_date() -> None:
    with override_settings(XUESHI_DEMO_DATE="2016-08-11"):
        assert clock.today() == dt.date(2016, 8, 11)
        with clock.at(dt.date(2020, 11, 16)):  # a request's scenario wins over the default
            assert clock.today() == dt.date(2020, 11, 16)


def test_production_refuses_a_demo_clock() -> None:
    env = {
        "XUESHI_PRODUCTION": "1",
        "XUESHI_SECRET_KEY": "k" * 20 + "abcdefghijklmnopqrstuvwxyz0123456789",
        "XUESHI_DEMO_DATE": "2014-12-15",
        "PATH": "/usr/bin:/bin",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import xueshi.config.settings"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode != 0
    assert "XUESHI_DEMO_DATE must be unset" in run.stderr


def test_domain_code_reads_the_date_from_the_clock() -> None:
    """No ``date.today()`` or ``timezone.localdate()`` outside the clock (and the few places
    where the date is the machine's): a deadline judged against the real date would make the
    demo's seed years overdue."""
    pattern = re.compile(r"\b(date\.today\(\)|timezone\.localdate\(\)|datetime\.now\()")
    found = []
    for path in SRC.rglob("*.py"):
        name = path.relative_to(SRC).as_posix()
        if name in REAL_DATE_ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                found.append(f"{name}:{number}: {line.strip()}")
    assert found == []
