"""Valid, deterministic identifiers for demo people and organisations (python-stdnum computes
the check digits), so that the same demo person has the same ID number on every machine."""

from __future__ import annotations

import datetime as dt

from stdnum.cn import ric, uscc

from xueshi.organisations.validators import normalise_ric

# GB 11714 organisation code: weights of the eight body characters, check digit mod 11.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _org_code(body: str) -> str:
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def demo_uscc(region: str, serial: int, *, public_institution: bool) -> str:
    """An 18-character unified social credit code: 12… for a public institution (事业单位),
    91… for a company, the region code, an organisation code, and the check character."""
    prefix = "12" if public_institution else "91"
    body = prefix + region + _org_code(f"{45_000_000 + serial:08d}")
    code = body + uscc.calc_check_digit(body)
    assert all(ch in _ALPHABET for ch in code)
    return str(uscc.validate(code))


def demo_ric(area: str, birth: dt.date, serial: int) -> str:
    """An 18-character resident ID number: area, birth date, sequence, check digit. The area
    must have existed in the birth year (python-stdnum checks it; demo numbers pass it)."""
    body = f"{area}{birth:%Y%m%d}{serial % 1000:03d}"
    # calc_check_digit reads the first 17 of 18 characters (STACK_NOTES: identifiers).
    number = normalise_ric(body + ric.calc_check_digit(body + "0"))
    return str(ric.validate(number))
