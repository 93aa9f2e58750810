"""Forms of the account pages: they parse; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms


def _password(label: str, autocomplete: str = "new-password") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": autocomplete}),
        error_messages={"required": f"请填写{label}。", "max_length": "密码过长。"},
    )


class PasswordChangeForm(forms.Form):
    old_password = _password("原密码", "current-password")
    new_password1 = _password("新密码")
    new_password2 = _password("确认新密码")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("new_password1"), data.get("new_password2")
        if first and second and first != second:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


class UnlockForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "请选择账户。"})
