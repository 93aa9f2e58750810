"""Forms of the exam pages: the exam's settings and the question file."""

from __future__ import annotations

from django import forms


class ExamForm(forms.Form):
    title = forms.CharField(label="考试名称", max_length=200, required=False)
    question_count = forms.IntegerField(
        label="每次抽题数量", min_value=1, max_value=200, initial=20
    )
    duration_minutes = forms.IntegerField(
        label="考试时长（分钟）", min_value=1, max_value=600, initial=60
    )
    max_attempts = forms.IntegerField(label="最多考试次数", min_value=1, max_value=20, initial=3)
    retry_delay_minutes = forms.IntegerField(
        label="两次考试最短间隔（分钟）", min_value=0, max_value=10080, initial=0
    )
    pass_mark = forms.IntegerField(
        label="合格分数（仅在政策未规定时使用）", min_value=0, max_value=100, initial=60
    )
    shows_explanations = forms.BooleanField(
        label="交卷后向考生显示答案与解析", required=False, initial=True
    )


class QuestionFileForm(forms.Form):
    file = forms.FileField(label="试题文件（.xlsx）")
