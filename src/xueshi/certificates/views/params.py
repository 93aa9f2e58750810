"""Reading what the certificate pages are asked."""

from __future__ import annotations

from django.urls import reverse

from xueshi import clock
from xueshi.accounts.models import EMPLOYER_ROLES, Role
from xueshi.accounts.redirects import local_path as safe_local_path

EMPLOYER = tuple(EMPLOYER_ROLES)
ISSUERS = (Role.PROFESSIONAL, *EMPLOYER, Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)
YEARS = range(2010, 2031)


def year_or(value: str | None, default: int) -> int:
    """The year asked for, or ``default`` when it is missing, not a number or out of range."""
    try:
        year = int(value) if value is not None else default
    except ValueError:
        return default
    return year if year in YEARS else default


def last_year() -> int:
    return clock.year() - 1


def local_path(value: str | None) -> str:
    """Where to go back to: a path on this site, or the dashboard."""
    return safe_local_path(value, reverse("accounts:dashboard"))
