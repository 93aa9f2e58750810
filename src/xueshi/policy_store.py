"""The policy the running system uses: ``settings.XUESHI_POLICY_DIR``, loaded once."""

from __future__ import annotations

from django.conf import settings

from xueshi.rules import Person, load_policy
from xueshi.rules.policy import Policy

_policies: dict[str, Policy] = {}


def current_policy() -> Policy:
    key = str(settings.XUESHI_POLICY_DIR)
    if key not in _policies:
        _policies[key] = load_policy(settings.XUESHI_POLICY_DIR)
    return _policies[key]


def person_of(professional: object) -> Person:
    """The rules core's view of a professional (title level, series, institution level)."""
    from xueshi.rules import InstitutionLevel, TitleLevel

    title = getattr(professional, "title_level", "") or None
    institution = getattr(professional, "institution_level", "") or None
    return Person(
        title_level=TitleLevel(title) if title else None,
        series=getattr(professional, "series", None) or None,
        institution_level=InstitutionLevel(institution) if institution else None,
    )
