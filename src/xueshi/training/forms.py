"""Forms of the training pages: parse and check input, with Chinese messages. The rules
(deadlines, approvers, capacity) are the services' business."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms

from xueshi.choices import choices_of
from xueshi.organisations.models import SERIES_CHOICES, Region
from xueshi.rules import Category, Mode
from xueshi.training.models import ClassPlan, ClassStatus, Enrollment, HalfDay

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _date_field(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=DATE_WIDGET,
        error_messages={"required": f"请填写{label}。", "invalid": "日期格式应为 2014-06-20。"},
    )


def _choice(label: str, choices: Any, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=required,
        error_messages={"required": f"请选择{label}。", "invalid_choice": f"{label}无效。"},
    )


class ClassPlanForm(forms.Form):
    title = forms.CharField(
        label="培训名称",
        max_length=200,
        error_messages={
            "required": "请填写培训名称。",
            "max_length": "培训名称不能超过 200 字。",
        },
    )
    category = _choice("科目类别", choices_of(Category))
    required = forms.BooleanField(label="公需必修（仅公需科目）", required=False)
    series = _choice("面向系列", [("", "不限"), *SERIES_CHOICES], required=False)
    mode = _choice("方式", choices_of(Mode))
    start_date = _date_field("开班日期")
    end_date = _date_field("结班日期")
    hours = forms.DecimalField(
        label="学时",
        min_value=Decimal("0.1"),
        max_value=Decimal("999.9"),
        max_digits=4,
        decimal_places=1,
        error_messages={
            "required": "请填写学时。",
            "invalid": "学时应为数字。",
            "min_value": "学时应大于 0。",
            "max_value": "学时不能超过 999.9。",
            "max_digits": "学时不能超过 999.9。",
            "max_decimal_places": "学时最多保留一位小数。",
            "max_whole_digits": "学时不能超过 999.9。",
        },
    )
    capacity = forms.IntegerField(
        label="计划人数",
        min_value=1,
        max_value=10000,
        initial=50,
        error_messages={
            "required": "请填写计划人数。",
            "invalid": "计划人数应为整数。",
            "min_value": "计划人数至少为 1 人。",
            "max_value": "计划人数不能超过 10000 人。",
        },
    )
    pass_mark = forms.IntegerField(
        label="合格分数",
        required=False,
        min_value=0,
        max_value=100,
        help_text="0–100；留空则按政策规定（未规定的按 60 分）。",
        error_messages={
            "invalid": "合格分数应为整数。",
            "min_value": "合格分数应在 0 到 100 之间。",
            "max_value": "合格分数应在 0 到 100 之间。",
        },
    )
    location = forms.CharField(
        label="地点",
        max_length=200,
        required=False,
        error_messages={"max_length": "地点不能超过 200 字。"},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结班日期不能早于开班日期。")
        return data

    @classmethod
    def for_plan(cls, plan: ClassPlan) -> ClassPlanForm:
        return cls(initial={name: getattr(plan, name) for name in cls.base_fields})


class ClassSearchForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部"), *ClassStatus.choices]
    )


class CatalogueFilterForm(forms.Form):
    q = forms.CharField(label="搜索", required=False, max_length=100)
    category = forms.ChoiceField(
        label="科目类别", required=False, choices=[("", "全部"), *choices_of(Category)]
    )
    region = forms.ChoiceField(label="地区", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = Region.objects.exclude(level="national").order_by("path")
        self.fields["region"].choices = [("", "全部")] + [  # type: ignore[attr-defined]
            (r.code, f"{'　' * max(r.path.count('/') - 2, 0)}{r.name}") for r in regions
        ]


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予核准的理由",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "请填写不予核准的理由。",
            "max_length": "理由不能超过 1000 字。",
        },
    )

    def clean_reason(self) -> str:
        reason = str(self.cleaned_data["reason"]).strip()
        if not reason:
            raise forms.ValidationError("请填写不予核准的理由。")
        return reason


class ApproveForm(forms.Form):
    comment = forms.CharField(
        label="核准意见",
        required=False,
        max_length=1000,
        error_messages={"max_length": "意见不能超过 1000 字。"},
    )


class AnnualPlanForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "请输入四位年份。",
            "min_value": "年度不能早于 2000 年。",
            "max_value": "年度不能晚于 2100 年。",
            "required": "请填写年度。",
        },
    )


class AttendanceForm(forms.Form):
    day = forms.DateField(
        error_messages={"required": "缺少日期。", "invalid": "日期格式应为 2014-06-20。"}
    )
    half_day = forms.ChoiceField(
        choices=HalfDay.choices,
        error_messages={"required": "缺少时段。", "invalid_choice": "时段应为上午或下午。"},
    )


class DayForm(forms.Form):
    day = forms.DateField(required=False)


class AssessmentForm(forms.Form):
    """One score field per learner, named ``score-<enrollment id>``."""

    def __init__(self, *args: Any, enrollments: list[Enrollment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.enrollments = enrollments
        for e in enrollments:
            self.fields[f"score-{e.pk}"] = forms.DecimalField(
                label=e.professional.full_name,
                required=False,
                min_value=Decimal(0),
                max_value=Decimal(100),
                max_digits=4,
                decimal_places=1,
                initial=e.score,
                error_messages={
                    "invalid": "成绩应为数字。",
                    "min_value": "成绩应在 0 到 100 之间。",
                    "max_value": "成绩应在 0 到 100 之间。",
                    "max_digits": "成绩应在 0 到 100 之间。",
                    "max_whole_digits": "成绩应在 0 到 100 之间。",
                    "max_decimal_places": "成绩最多保留一位小数。",
                },
            )

    def scores(self) -> dict[int, Decimal | None]:
        return {e.pk: self.cleaned_data.get(f"score-{e.pk}") for e in self.enrollments}

    def rows(self) -> list[tuple[Enrollment, forms.BoundField]]:
        return [(e, self[f"score-{e.pk}"]) for e in self.enrollments]


class BatchUploadForm(forms.Form):
    file = forms.FileField(
        label="成绩文件（Excel）",
        widget=forms.FileInput(attrs={"accept": ".xlsx"}),
        error_messages={
            "required": "请选择要上传的 Excel 文件。",
            "empty": "文件是空的。",
            "invalid": "请选择要上传的 Excel 文件。",
            "missing": "请选择要上传的 Excel 文件。",
            "max_length": "文件名过长。",
        },
    )


def error_text(form: forms.Form) -> str:
    """All the form's errors in one line, for a message."""
    return "；".join(str(e) for errors in form.errors.values() for e in errors)


def parse_day(value: str | None, default: dt.date) -> dt.date:
    form = DayForm({"day": value or ""})
    if form.is_valid() and form.cleaned_data["day"]:
        day: dt.date = form.cleaned_data["day"]
        return day
    return default
