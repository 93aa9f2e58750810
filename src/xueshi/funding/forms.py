from __future__ import annotations

from decimal import Decimal

from django import forms


class FundingForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    payroll_total = forms.DecimalField(
        label="专业技术人员工资总额（元）",
        min_value=Decimal("0.01"),
        max_digits=16,
        decimal_places=2,
    )
    spending = forms.DecimalField(
        label="继续教育经费支出（元）",
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=2,
        help_text="专业科目和个人选修科目的学习培训经费（从职工教育经费中列支）。",
    )
    note = forms.CharField(label="说明", max_length=200, required=False)


class FundingYearForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
