from __future__ import annotations

from decimal import Decimal

from django import forms

from xueshi import clock
from xueshi.inspections.models import InspectionKind, ItemResult, SanctionKind, Stratum


class DrawForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100)
    kind = forms.ChoiceField(label="抽查对象", choices=InspectionKind.choices)
    share = forms.DecimalField(
        label="抽查比例（%）",
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        decimal_places=2,
        initial=Decimal(5),
    )
    stratify = forms.ChoiceField(label="分层", choices=Stratum.choices, initial=Stratum.PROVIDER)
    seed = forms.CharField(
        label="随机种子",
        max_length=64,
        required=False,
        help_text="留空则由系统生成；同一种子对同一总体抽出的样本相同，可供复核。",
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["year"].initial = clock.year() - 1


class AssignForm(forms.Form):
    inspector = forms.TypedChoiceField(label="检查人", coerce=int)


class FindingForm(forms.Form):
    result = forms.ChoiceField(
        label="检查结果",
        choices=[
            (ItemResult.PASSED, ItemResult.PASSED.label),
            (ItemResult.PROBLEM, ItemResult.PROBLEM.label),
        ],
        widget=forms.RadioSelect,
    )
    finding = forms.CharField(
        label="检查情况", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = forms.FileField(label="佐证材料（PDF、JPEG、PNG）", required=False)


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label="处理方式", choices=SanctionKind.choices)
    reason = forms.CharField(label="处理理由", widget=forms.Textarea(attrs={"rows": 2}))
    confirm = forms.BooleanField(
        label="我已核实检查情况，确认作出该处理（学时不予认定将更新相关人员的达标结论）",
        required=True,
    )
