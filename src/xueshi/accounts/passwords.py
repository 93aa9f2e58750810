"""Password rules beyond Django's own validators (等保 8.1.4.1 a: complexity)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

CLASSES = ("小写字母", "大写字母", "数字", "符号")


def character_classes(password: str) -> int:
    """How many of lower case, upper case, digits and other characters ``password`` uses."""
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


class CharacterClassesValidator:
    """At least ``classes`` of the four character classes (lower, upper, digit, symbol)."""

    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.classes:
            raise ValidationError(
                f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.classes} 类。",
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return f"密码须包含小写字母、大写字母、数字、符号中的至少 {self.classes} 类。"
