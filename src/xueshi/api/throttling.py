"""Throttled per client (``XUESHI_API_RATE``, default 600 calls a minute), whatever the
address it calls from."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from xueshi.api.authentication import Caller


class ClientRateThrottle(SimpleRateThrottle):
    scope = "client"

    def get_rate(self) -> str | None:
        # Read at each call (DRF binds the rates once at import; settings may change).
        rate: str | None = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        return rate

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        caller = request.auth
        if not isinstance(caller, Caller):
            return None  # not authenticated: refused before any work
        return self.cache_format % {"scope": self.scope, "ident": caller.client.pk}
