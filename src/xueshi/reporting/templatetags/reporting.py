"""Template filters of the reporting pages."""

from __future__ import annotations

from decimal import Decimal

from django import template

from xueshi.rules.verdict import fmt

register = template.Library()


@register.filter
def figure(value: Decimal | int | None) -> str:
    """Hours as people write them: 40, 20.5 — never 40.0 or 4E+1."""
    if value is None:
        return ""
    return fmt(Decimal(value))
