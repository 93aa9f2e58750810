"""Template filters of the training pages."""

from __future__ import annotations

from django import template

from xueshi.rules.terms import SERIES_LABELS

register = template.Library()


@register.filter
def series_label(value: str) -> str:
    """The Chinese name of a professional series; blank means open to every series."""
    if not value:
        return "不限"
    return SERIES_LABELS.get(value, value)
