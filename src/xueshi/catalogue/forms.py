"""Filters and forms of the catalogue pages, with Chinese messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from xueshi.catalogue.selectors import all_regions
from xueshi.organisations.models import SERIES_CHOICES, ProviderFilingStatus

ALL = [("", "全部")]

YEAR_ERRORS = {
    "invalid": "年度应为四位数字。",
    "min_value": "年度不能早于 %(limit_value)s。",
    "max_value": "年度不能晚于 %(limit_value)s。",
    "required": "请填写年度。",
}


def region_choices() -> list[tuple[str, str]]:
    indent = {"national": 0, "province": 1, "city": 2, "district": 3, "county": 3}
    return [
        (r.code, "　" * indent.get(r.level, 0) + f"{r.name}（{r.code}）") for r in all_regions()
    ]


def _year_field(label: str, required: bool) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=required, min_value=2000, max_value=2100, error_messages=YEAR_ERRORS
    )


def _query_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=64,
        error_messages={"max_length": "查询内容不能超过 64 个字符。"},
    )


class PublicSubjectFilterForm(forms.Form):
    region = forms.ChoiceField(
        label="适用地区", required=False, error_messages={"invalid_choice": "请选择有效的地区。"}
    )
    year = _year_field("所属年度", required=False)
    kind = forms.ChoiceField(
        label="类型",
        required=False,
        choices=[*ALL, ("current", "当年度科目"), ("makeup", "往年度补修科目")],
        error_messages={"invalid_choice": "请选择有效的类型。"},
    )
    q = _query_field("科目名称")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = ALL + region_choices()  # type: ignore[attr-defined]


class PublicSubjectForm(forms.Form):
    for_year = _year_field("所属年度", required=True)
    title = forms.CharField(
        label="科目名称",
        max_length=200,
        error_messages={
            "required": "请填写科目名称。",
            "max_length": "科目名称不能超过 200 个字符。",
        },
    )
    hours = forms.DecimalField(
        label="学时",
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.1"),
        error_messages={
            "required": "请填写学时。",
            "invalid": "学时应为数字。",
            "min_value": "学时应大于 0。",
            "max_digits": "学时数过大。",
            "max_whole_digits": "学时数过大。",
            "max_decimal_places": "学时最多保留一位小数。",
        },
    )
    required = forms.BooleanField(label="必修", required=False)
    makeup = forms.BooleanField(label="往年度补修科目", required=False)
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=200,
        error_messages={"max_length": "说明不能超过 200 个字符。"},
    )


class GuideFilterForm(forms.Form):
    year = _year_field("年度", required=False)
    series = forms.ChoiceField(
        label="专业技术系列",
        required=False,
        choices=ALL + SERIES_CHOICES,
        error_messages={"invalid_choice": "请选择有效的专业技术系列。"},
    )
    q = _query_field("指南名称或内容")


class GuideForm(forms.Form):
    year = _year_field("年度", required=True)
    series = forms.ChoiceField(
        label="专业技术系列",
        error_messages={
            "required": "请选择专业技术系列。",
            "invalid_choice": "请选择本部门主管的专业技术系列。",
        },
    )
    title = forms.CharField(
        label="指南名称",
        max_length=200,
        error_messages={
            "required": "请填写指南名称。",
            "max_length": "指南名称不能超过 200 个字符。",
        },
    )
    content = forms.CharField(
        label="主要内容",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": "主要内容不能超过 20000 个字符。"},
    )

    def __init__(self, *args: Any, series: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(SERIES_CHOICES)
        self.fields["series"].choices = [("", "请选择")] + [  # type: ignore[attr-defined]
            (s, labels.get(s, s)) for s in series
        ]


class ProviderFilterForm(forms.Form):
    region = forms.ChoiceField(
        label="所在地区（含下级）",
        required=False,
        error_messages={"invalid_choice": "请选择有效的地区。"},
    )
    status = forms.ChoiceField(
        label="备案状态",
        required=False,
        choices=ALL + list(ProviderFilingStatus.choices),
        error_messages={"invalid_choice": "请选择有效的备案状态。"},
    )
    sector = forms.ChoiceField(
        label="培训系列",
        required=False,
        choices=ALL + SERIES_CHOICES,
        error_messages={"invalid_choice": "请选择有效的专业技术系列。"},
    )
    q = _query_field("机构名称或统一社会信用代码")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = ALL + region_choices()  # type: ignore[attr-defined]


class ProviderStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="新的备案状态",
        choices=[("", "请选择"), *ProviderFilingStatus.choices],
        error_messages={
            "required": "请选择新的备案状态。",
            "invalid_choice": "请选择有效的备案状态。",
        },
    )
    reason = forms.CharField(
        label="变更原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "请填写变更原因。",
            "max_length": "变更原因不能超过 500 个字符。",
        },
    )
    confirm = forms.BooleanField(
        label="我已核实情况，确认变更该机构的备案状态",
        error_messages={"required": "请勾选确认后再提交。"},
    )
