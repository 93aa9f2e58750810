"""Forms of the publisher's pages."""

from __future__ import annotations

from typing import Any

from django import forms

from xueshi.catalogue.models import PublicSubject
from xueshi.learning.models import LessonKind


class CourseForm(forms.Form):
    title = forms.CharField(label="课程名称", max_length=200)
    year = forms.IntegerField(label="所属年度", min_value=2000, max_value=2100)
    hours = forms.DecimalField(label="学时", max_digits=5, decimal_places=1, min_value=0.1)
    subject = forms.ModelChoiceField(
        label="对应的公需科目", queryset=PublicSubject.objects.none(), required=False
    )
    description = forms.CharField(
        label="课程简介", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, region_codes: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["subject"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = PublicSubject.objects.filter(region_id__in=region_codes).order_by(
            "-for_year", "title"
        )


class LessonForm(forms.Form):
    title = forms.CharField(label="课时名称", max_length=200)
    kind = forms.ChoiceField(label="类型", choices=LessonKind.choices)
    duration_minutes = forms.DecimalField(
        label="时长（分钟）",
        max_digits=6,
        decimal_places=2,
        min_value=0.02,
        max_value=1440,
        help_text="视频的播放时长；文档为认定的最长阅读时间。",
    )
    file = forms.FileField(label="文件（WebM/MP4 视频或 PDF 文档）")


class FlagClearForm(forms.Form):
    comment = forms.CharField(
        label="核实意见", max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
