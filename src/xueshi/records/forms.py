"""Forms of declaration, correction and review. They parse and answer in Chinese; the services
decide (and check again, so a service called from elsewhere is just as strict)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile

from xueshi.choices import choices_of
from xueshi.errors import ServiceError
from xueshi.records.evidence import ALLOWED, evidence_check, size_text
from xueshi.records.models import LearningForm
from xueshi.records.services import MAX_HOURS
from xueshi.rules import Category, Mode
from xueshi.rules.workflow import RecordState

# How many files one submission may carry.
MAX_FILES = 10
YEAR_MIN, YEAR_MAX = 2000, 2100
BLANK = [("", "请选择")]


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EvidenceField(forms.FileField):
    """Several evidence files (``<input type=file multiple>``), each checked by its content."""

    widget = MultipleFileInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_empty_file", True)  # evidence_check names the empty file
        super().__init__(**kwargs)
        self.error_messages.update(
            {
                "invalid": "上传的不是文件，请重新选择。",
                "missing": "没有收到文件，请重新选择。",
                "required": "请上传证明材料。",
                "max_length": "文件名过长，请改短后再上传。",
            }
        )

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(f"一次最多上传 {MAX_FILES} 个文件。", code="too_many")
        errors: list[str] = []
        cleaned: list[UploadedFile] = []
        for upload in files:
            try:
                cleaned.append(super().clean(upload, initial))
                evidence_check(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
            except ServiceError as exc:
                errors.append(exc.message)
        if errors:
            raise ValidationError(errors)
        return cleaned


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {max_length} 个字符（现有 %(show_value)d 个）。",
        },
        **kwargs,
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"],
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}不是有效的日期，请按“2014-06-02”的格式填写。",
        },
    )


def _hours() -> forms.DecimalField:
    return forms.DecimalField(
        label="学时",
        min_value=Decimal("0.1"),
        max_value=MAX_HOURS,
        max_digits=5,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.1", "min": "0.1", "max": str(MAX_HOURS)}),
        error_messages={
            "required": "请填写学时。",
            "invalid": "学时须为数字，例如 6 或 3.5。",
            "min_value": "学时应大于 0。",
            "max_value": f"一条记录的学时不能超过 {MAX_HOURS} 学时。",
            "max_digits": f"一条记录的学时不能超过 {MAX_HOURS} 学时。",
            "max_decimal_places": "学时最多保留一位小数。",
            "max_whole_digits": f"一条记录的学时不能超过 {MAX_HOURS} 学时。",
        },
    )


class ChineseForm(forms.Form):
    """Labels end with no colon: the layout sets them apart."""

    label_suffix = ""


class LearningFields(ChineseForm):
    """What a declarant may state, and correct after a return: content, dates, hours."""

    content = _text("学习内容", 200, widget=forms.TextInput(attrs={"size": 50}))
    start_date = _date("开始日期")
    end_date = _date("结束日期")
    hours = _hours()
    evidence = EvidenceField(label="证明材料")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = size_text(int(settings.XUESHI_EVIDENCE_MAX_BYTES))
        self.fields["evidence"].help_text = (
            f"可选择多个文件（最多 {MAX_FILES} 个），仅限 {ALLOWED}（按文件内容识别），"
            f"每个不超过 {limit}。"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "结束日期不能早于开始日期。")
        return data


class DeclarationForm(LearningFields):
    """学时申报. The categories offered are those of the person's region in the year the
    hours are credited to; the view shows each one's review chain beside it. The filed
    classes offered are those of the person's region (``records.class_catalogue``): a class
    picked gives the title and the provider; free text is for what no filed class covers.
    A provider's proof (its PDF or QR text) fills the form (``proof_token`` carries it)."""

    class_plan = forms.TypedChoiceField(
        label="已备案培训班",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="参加的是施教机构备案的培训班，请在此选择；论文、学术会议等未备案的学习不选，在下方填写。",
        error_messages={
            "invalid_choice": "所选培训班不在本地区该年度已备案的培训班中，请重新选择。"
        },
    )
    content = _text("学习内容", 200, required=False, widget=forms.TextInput(attrs={"size": 50}))
    proof_file = forms.FileField(
        label="继续教育证明（PDF）",
        required=False,
        help_text="上传施教机构出具的继续教育证明 PDF，点“读取证明”自动填写。",
        error_messages={"invalid": "上传的不是文件，请重新选择。"},
    )
    proof_text = forms.CharField(
        label="或证明二维码内容",
        required=False,
        max_length=400,
        widget=forms.TextInput(attrs={"size": 50, "autocomplete": "off"}),
    )
    proof_token = forms.CharField(required=False, max_length=400, widget=forms.HiddenInput)

    category = forms.ChoiceField(
        label="科目类别",
        error_messages={
            "required": "请选择科目类别。",
            "invalid_choice": "该年度本地区不设此科目类别，请重新选择。",
        },
    )
    form = forms.ChoiceField(
        label="学习形式",
        choices=BLANK + list(LearningForm.choices),
        error_messages={"required": "请选择学习形式。", "invalid_choice": "请选择有效的学习形式。"},
    )
    mode = forms.ChoiceField(
        label="学习方式",
        choices=choices_of(Mode),
        initial=Mode.FACE_TO_FACE,
        error_messages={"required": "请选择学习方式。", "invalid_choice": "请选择有效的学习方式。"},
    )
    provider_name = _text("施教机构名称", 128, required=False)
    credited_year = forms.IntegerField(
        label="归属年度",
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        help_text="不填则为结束日期所在年度。",
        error_messages={
            "invalid": "归属年度须为四位年份，例如 2014。",
            "min_value": f"归属年度不能早于 {YEAR_MIN} 年。",
            "max_value": f"归属年度不能晚于 {YEAR_MAX} 年。",
        },
    )
    required = forms.BooleanField(label="必修（仅公需科目）", required=False)

    field_order = [
        "category",
        "class_plan",
        "content",
        "form",
        "mode",
        "start_date",
        "end_date",
        "credited_year",
        "provider_name",
        "hours",
        "required",
        "evidence",
    ]

    def __init__(
        self,
        *args: Any,
        categories: Sequence[str],
        classes: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = BLANK + [(str(c), Category(c).label) for c in categories]
        picked = self.fields["class_plan"]
        assert isinstance(picked, forms.ChoiceField)
        picked.choices = [("", "不选（未备案的学习：自行填写）"), *classes]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        missing = not data.get("class_plan") and not (data.get("content") or "").strip()
        if missing and "content" not in self.errors:
            self.add_error("content", "请填写学习内容，或选择已备案培训班。")
        if data.get("required") and data.get("category") != Category.PUBLIC:
            self.add_error("required", "只有公需科目区分必修，其他类别不能标为必修。")
        end = data.get("end_date")
        year = data.get("credited_year")
        if end and year and year > end.year:
            self.add_error(
                "credited_year",
                f"归属年度（{year} 年）不能晚于学习结束的年度（{end.year} 年）。",
            )
        return data


def year_of(data: Any, default: int) -> int:
    """The credited year a (possibly invalid) submission speaks of: its credited year, or
    its end date's year, or ``default``. Used only to choose which categories to offer."""
    raw_year = str(data.get("credited_year", "") or "").strip()
    if raw_year.isdigit() and YEAR_MIN <= int(raw_year) <= YEAR_MAX:
        return int(raw_year)
    raw_end = str(data.get("end_date", "") or "").strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d"):
        try:
            year = dt.datetime.strptime(raw_end, fmt).year  # noqa: DTZ007 — a date, no time
        except ValueError:
            continue
        if YEAR_MIN <= year <= YEAR_MAX:
            return year
    return default


class CorrectionForm(LearningFields):
    """退回修改 (or completing a draft): content, dates, hours, more evidence."""


class ReviewFilterForm(ChineseForm):
    year = forms.IntegerField(
        label="归属年度",
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "年度须为四位年份。",
            "min_value": "年度超出范围。",
            "max_value": "年度超出范围。",
        },
    )
    category = forms.ChoiceField(
        label="科目类别",
        required=False,
        choices=[("", "全部"), *choices_of(Category)],
        error_messages={"invalid_choice": "请选择有效的科目类别。"},
    )
    q = forms.CharField(
        label="姓名或身份证号",
        required=False,
        max_length=64,
        error_messages={"max_length": "搜索内容过长。"},
    )


class MyRecordsFilterForm(ChineseForm):
    year = forms.IntegerField(
        label="归属年度",
        required=False,
        min_value=YEAR_MIN,
        max_value=YEAR_MAX,
        error_messages={
            "invalid": "年度须为四位年份。",
            "min_value": "年度超出范围。",
            "max_value": "年度超出范围。",
        },
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部"), *choices_of(RecordState)],
        error_messages={"invalid_choice": "请选择有效的状态。"},
    )


class ReviewActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("approve", "审核通过"),
            ("return", "退回修改"),
            ("reject", "不予认定"),
            ("submit", "提交"),
            ("resubmit", "重新提交"),
        ],
        error_messages={"required": "请选择操作。", "invalid_choice": "未知的审核操作。"},
    )
    comment = forms.CharField(
        required=False,
        max_length=500,
        error_messages={"max_length": "审核意见不能超过 500 个字符。"},
    )
