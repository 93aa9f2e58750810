"""演示日期 in the header of every page of the demo."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xueshi.demo import scenarios


def demo_clock(request: HttpRequest) -> dict[str, Any]:
    scenario = getattr(request, "demo_scenario", None)
    if scenario is None:
        return {}
    return {"demo_scenario": scenario, "demo_scenarios": scenarios.SCENARIOS}
