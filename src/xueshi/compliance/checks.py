"""System checks of the compliance app (ids ``xueshi.C0xx``)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from xueshi import standing


@checks.register()
def keeper_registered(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Writers announce changes to ``xueshi.standing``; without a keeper the ledger would
    fall behind silently."""
    try:
        standing.keeper()
    except Exception:
        return [
            checks.Error(
                "No keeper of the compliance ledger is registered.",
                hint="Install xueshi.compliance (its AppConfig.ready registers it).",
                id="xueshi.C001",
            )
        ]
    return []
