"""Each demo request runs at the date of its session's scenario (xueshi.clock)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from xueshi import clock
from xueshi.demo import scenarios


class DemoClockMiddleware:
    """In the demo (``XUESHI_DEMO``), the request runs at its scenario's date; elsewhere it
    does nothing and the clock reads the real date."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not scenarios.enabled():
            return self.get_response(request)
        scenario = scenarios.chosen(request)
        request.demo_scenario = scenario  # type: ignore[attr-defined]
        with clock.at(scenario.date):
            return self.get_response(request)
