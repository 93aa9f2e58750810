"""Forms of registration and employment: they parse and give field errors in Chinese; the
services decide (and check again, so a service called from elsewhere is just as strict)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from xueshi.choices import choices_of
from xueshi.errors import ServiceError
from xueshi.organisations.models import SERIES_CHOICES
from xueshi.organisations.validators import normalise_ric, normalise_uscc
from xueshi.people.selectors import registration_regions
from xueshi.rules import InstitutionLevel, TitleLevel

BLANK = [("", "请选择")]


def add_service_error(form: forms.Form, error: ServiceError) -> None:
    """Show a service's refusal on the field it names, or above the form."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _region_choices() -> list[tuple[str, str]]:
    return BLANK + [(r.code, f"{r.name}（{r.code}）") for r in registration_regions()]


def _text(label: str, max_length: int, **kwargs: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        error_messages={
            "required": f"请填写{label}。",
            "max_length": f"{label}不能超过 {max_length} 个字符。",
        },
        **kwargs,
    )


def _password(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": f"请填写{label}。", "max_length": "密码过长。"},
    )


def _choice(label: str, choices: Any, required: bool = True) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label,
        choices=BLANK + list(choices),
        required=required,
        error_messages={"required": f"请选择{label}。", "invalid_choice": f"请选择有效的{label}。"},
    )


class _TwoPasswords(forms.Form):
    password_fields = ("password1", "password2")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = (data.get(name) for name in self.password_fields)
        if first and second and first != second:
            self.add_error(self.password_fields[1], "两次输入的密码不一致。")
        return data


class ProfessionalRegisterForm(_TwoPasswords):
    username = _text("用户名", 150)
    password1 = _password("密码")
    password2 = _password("确认密码")
    full_name = _text("姓名", 64)
    id_number = _text("公民身份号码", 32)
    series = _choice("专业技术系列", SERIES_CHOICES)
    title_level = _choice("职称级别", choices_of(TitleLevel))
    institution_level = _choice(
        "医疗卫生机构级别（卫生系列填写）", choices_of(InstitutionLevel), required=False
    )
    region = _choice("所在地区", [])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]

    def clean_id_number(self) -> str:
        try:
            return normalise_ric(self.cleaned_data["id_number"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class EmployerRegisterForm(_TwoPasswords):
    password_fields = ("admin_password1", "admin_password2")

    name = _text("单位名称", 128)
    uscc = _text("统一社会信用代码", 32)
    region = _choice("所在地区", [])
    contact_name = _text("联系人", 32)
    contact_phone = _text("联系电话", 32)
    admin_username = _text("管理员用户名", 150)
    admin_full_name = _text("管理员姓名", 64)
    admin_password1 = _password("管理员密码")
    admin_password2 = _password("确认密码")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _region_choices()  # type: ignore[attr-defined]

    def clean_uscc(self) -> str:
        try:
            return normalise_uscc(self.cleaned_data["uscc"])
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class ReviewerAddForm(_TwoPasswords):
    username = _text("用户名", 150)
    full_name = _text("姓名", 64)
    password1 = _password("密码")
    password2 = _password("确认密码")


class EmployerSearchForm(forms.Form):
    q = forms.CharField(
        label="单位名称或统一社会信用代码",
        required=False,
        max_length=64,
        error_messages={"max_length": "查询内容不能超过 64 个字符。"},
    )


class StaffSearchForm(forms.Form):
    q = forms.CharField(
        label="姓名或完整身份号码",
        required=False,
        max_length=32,
        error_messages={"max_length": "查询内容不能超过 32 个字符。"},
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label="不予接受的原因（可不填）",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "原因不能超过 500 个字符。"},
    )
