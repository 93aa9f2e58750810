"""Panels of the dashboard (工作台) that apps above accounts contribute: each registers, in
its ``AppConfig.ready``, a function that gives the active role's panel or None. Accounts
imports no app above it (docs/adr/0005)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest

from xueshi.accounts.access import ActiveRole


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any] = field(default_factory=dict)


PanelSource = Callable[[HttpRequest, ActiveRole], Panel | None]
_SOURCES: list[PanelSource] = []


def register(source: PanelSource) -> PanelSource:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def panels_for(request: HttpRequest, active: ActiveRole | None) -> list[Panel]:
    if active is None:
        return []
    return [panel for source in _SOURCES if (panel := source(request, active)) is not None]
