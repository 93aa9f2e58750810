"""Identifier checks with clear Chinese messages (python-stdnum does the arithmetic)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


def normalise_uscc(value: str) -> str:
    """The unified social credit code, upper-case and without spaces, or a ValidationError."""
    compact = uscc.compact(value or "")
    if not compact:
        raise ValidationError("请填写统一社会信用代码。", code="required")
    try:
        return str(uscc.validate(compact))
    except InvalidLength:
        raise ValidationError("统一社会信用代码应为 18 位。", code="length") from None
    except InvalidChecksum:
        raise ValidationError("统一社会信用代码校验位不正确，请核对。", code="checksum") from None
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(
            "统一社会信用代码格式不正确（应为 18 位数字或大写字母，不含 I、O、Z、S、V）。",
            code="format",
        ) from None


def normalise_ric(value: str) -> str:
    """The resident ID number (18 characters, X upper-case), or a ValidationError.

    A birthplace code that did not exist in the birth year is accepted (python-stdnum rejects
    some real numbers for it: see ../shared/STACK_NOTES.md); format, birth date and the check
    digit are errors.
    """
    value = value or ""
    # python-stdnum's compact also folds full-width digits and Unicode dashes; plain ASCII
    # (nearly every value, and every cell of a 100,000-row batch) needs only the spaces out.
    compact = value.replace(" ", "").strip() if value.isascii() else ric.compact(value)
    compact = compact.upper()
    if not compact:
        raise ValidationError("请填写公民身份号码。", code="required")
    if len(compact) != 18:
        raise ValidationError("公民身份号码应为 18 位。", code="length")
    if not compact[:17].isdigit() or not (compact[17].isdigit() or compact[17] == "X"):
        raise ValidationError(
            "公民身份号码格式不正确：前 17 位应为数字，末位为数字或 X。", code="format"
        )
    try:
        birth = dt.date(int(compact[6:10]), int(compact[10:12]), int(compact[12:14]))
    except ValueError:
        raise ValidationError("公民身份号码中的出生日期无效。", code="birth_date") from None
    if birth > dt.date.today():  # noqa: DTZ011 — a calendar date, not a moment
        raise ValidationError("公民身份号码中的出生日期晚于今天，请核对。", code="birth_date")
    if birth < dt.date(1900, 1, 1):
        raise ValidationError("公民身份号码中的出生日期早于 1900 年，请核对。", code="birth_date")
    if ric.calc_check_digit(compact) != compact[17]:
        raise ValidationError("公民身份号码校验位不正确，请核对。", code="checksum")
    return compact


def mask_ric(value: str) -> str:
    """The ID number as shown everywhere it need not be read: 4401**********123X."""
    if len(value) < 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
