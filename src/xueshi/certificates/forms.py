from __future__ import annotations

from django import forms

from xueshi.certificates.models import BookletIssueKind


class VerifyForm(forms.Form):
    c = forms.CharField(required=False, max_length=4096, strip=True)  # older QRs' content
    t = forms.CharField(required=False, max_length=200, strip=True)  # the QR's signed token
    no = forms.CharField(label="证书编号", required=False, max_length=40, strip=True)
    code = forms.CharField(label="核验码", required=False, max_length=16, strip=True)
    name = forms.CharField(label="持证人姓名", required=False, max_length=64, strip=True)


class DeskSearchForm(forms.Form):
    """The bureau desk's searches: a certificate (number or name) and a booklet's holder (ID
    number). A value a field refuses (too long, a NUL) searches nothing."""

    q = forms.CharField(required=False, max_length=40, strip=True)
    holder = forms.CharField(required=False, max_length=18, strip=True)

    def searches(self) -> tuple[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return data.get("q") or "", (data.get("holder") or "").upper()


class YearForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        min_value=2010,
        max_value=2030,
        required=False,
        error_messages={
            "min_value": "年度不能早于 2010 年。",
            "max_value": "年度不能晚于 2030 年。",
            "invalid": "请输入四位年份。",
        },
    )


class IssueForm(forms.Form):
    professional = forms.IntegerField(min_value=1)
    year = forms.IntegerField(min_value=2010, max_value=2030)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="原因", max_length=200, error_messages={"required": "请填写原因。"}
    )


class RosterForm(forms.Form):
    year = forms.IntegerField(min_value=2010, max_value=2030)
    certificates = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], error_messages={"required": "请选择证书。"}
    )
    late_reason = forms.ChoiceField(
        label="逾期原因（仅限特殊情况）",
        required=False,
        choices=[("", "—"), ("long_term_training", "长期外出培训"), ("sick_leave", "病假")],
    )
    title_evaluation = forms.BooleanField(
        label="本花名册人员当年参加职称评审（考试）", required=False
    )

    def __init__(self, *args: object, choices: list[tuple[int, str]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["certificates"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = choices


class BookletForm(forms.Form):
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    kind = forms.ChoiceField(label="办理类型", choices=BookletIssueKind.choices)
    reason = forms.CharField(label="说明", max_length=200, required=False)
