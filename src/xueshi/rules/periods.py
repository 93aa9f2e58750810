"""What a period is measured at — defined once, here.

A year's requirement is the one in force on the last day of that year. The notices that set a
year's figures are published during the year they govern (Luojiang on 03-03, Guangde on 05-06,
Kaifeng on 06-24) and the year's verdict is settled after it closes, so the rules standing at
its close are the rules of that year. A cycle (teachers: five years) is measured at the close
of its last year, for the same reason.
"""

from __future__ import annotations

import datetime as dt


def assessment_date(year: int) -> dt.date:
    """The date at which the requirement of ``year`` (or of a cycle ending in it) is read."""
    return dt.date(year, 12, 31)


def cycle_years(last_year: int, length: int) -> range:
    """The years of a cycle of ``length`` years that ends with ``last_year``."""
    return range(last_year - length + 1, last_year + 1)
