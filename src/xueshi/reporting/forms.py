"""Query forms of the reporting pages: a year, and the filters of the compliance lists.

Every field is optional and validated with a Chinese message; a page given a bad value shows
the message and falls back to its default, never an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms

from xueshi.choices import choices_of
from xueshi.rules import Category, TitleLevel
from xueshi.rules.terms import SERIES_LABELS

YEAR_MIN, YEAR_MAX = 2000, 2100
# The largest primary key a database column holds (a signed 64-bit integer): a larger number
# in a query string is an invalid value, not an overflow in the database driver.
ID_MAX = 2**63 - 1


def year_field() -> forms.IntegerField:
    return forms.IntegerField(
        label="年度",
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "请输入四位年份，例如 2014。",
            "min_value": f"年度不能早于 {YEAR_MIN} 年。",
            "max_value": f"年度不能晚于 {YEAR_MAX} 年。",
        },
    )


class YearForm(forms.Form):
    year = year_field()


STATUS_CHOICES = [
    ("", "全部"),
    ("compliant", "已达标"),
    ("not_compliant", "未达标"),
    ("undetermined", "无要求"),
]


def _choice(label: str, choices: list[tuple[str, str]]) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        required=False,
        choices=[("", "全部"), *choices],
        error_messages={"invalid_choice": f"请从列表中选择{label}。"},
    )


@dataclass(frozen=True)
class Filters:
    year: int | None = None
    series: str = ""
    title_level: str = ""
    status: str = ""
    q: str = ""
    page: int = 1
    region: str = ""
    employer: int | None = None


class ComplianceFilterForm(forms.Form):
    year = year_field()
    series = _choice("专业技术系列", list(SERIES_LABELS.items()))
    title_level = _choice("职称级别", choices_of(TitleLevel))
    status = forms.ChoiceField(
        label="是否达标",
        required=False,
        choices=STATUS_CHOICES,
        error_messages={"invalid_choice": "请从列表中选择是否达标。"},
    )
    q = forms.CharField(
        label="姓名",
        required=False,
        max_length=64,
        strip=True,
        error_messages={"max_length": "姓名最多 64 个字。"},
    )
    page = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "页码应为正整数。",
            "min_value": "页码应为正整数。",
            "max_value": "页码超出范围。",
        },
    )

    def filters(self) -> Filters:
        """The valid fields' values; a field with an error keeps its default."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return Filters(
            year=data.get("year"),
            series=data.get("series") or "",
            title_level=data.get("title_level") or "",
            status=data.get("status") or "",
            q=data.get("q") or "",
            page=data.get("page") or 1,
            region=data.get("region") or "",
            employer=data.get("employer"),
        )


class BureauFilterForm(ComplianceFilterForm):
    region = forms.ChoiceField(
        label="地区",
        required=False,
        error_messages={"invalid_choice": "只能选择本地区或下级地区。"},
    )
    employer = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=ID_MAX,
        widget=forms.HiddenInput,
        error_messages={
            "invalid": "单位编号无效。",
            "min_value": "单位编号无效。",
            "max_value": "单位编号无效。",
        },
    )

    field_order = ["year", "region", "series", "title_level", "status", "q"]

    def __init__(self, *args: Any, regions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        region = self.fields["region"]
        assert isinstance(region, forms.ChoiceField)
        region.choices = regions


class WhatIfForm(forms.Form):
    """我的年度学时's what-if: a course of so many hours in a category, or a class the person
    is enrolled in (``enrollment``: one of theirs, checked by the view)."""

    category = forms.ChoiceField(
        label="科目类别", choices=[(c.value, c.label) for c in Category], required=False
    )
    hours = forms.DecimalField(
        label="学时",
        required=False,
        min_value=Decimal("0.5"),
        max_value=Decimal(500),
        decimal_places=1,
        error_messages={
            "invalid": "学时应为数字。",
            "min_value": "学时至少 0.5。",
            "max_value": "学时不能超过 500。",
            "max_decimal_places": "学时最多一位小数。",
        },
    )
    enrollment = forms.IntegerField(label="我报名的培训班", required=False, min_value=1)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("enrollment") and not (data.get("category") and data.get("hours")):
            raise forms.ValidationError("请选择一个报名的培训班，或填写科目类别和学时。")
        return data
