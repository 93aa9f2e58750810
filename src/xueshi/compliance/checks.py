"""System checks of the compliance app (ids ``xueshi.C0xx``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core import checks
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

from xueshi import standing
from xueshi.compliance.ledger_selectors import stale_years
from xueshi.compliance.models import LedgerYear
from xueshi.jobs.models import Job
from xueshi.rules import PolicyError


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


@checks.register(checks.Tags.database)
def ledger_policy_current(
    app_configs: Any = None, databases: Sequence[str] | None = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Open ledger years last rebuilt under another policy version than the one in force:
    their figures are the old policy's until they are rebuilt.

    A database check: Django runs it when given databases (``migrate``, ``check --database
    default``). It says nothing when the database cannot answer (unreachable, or not migrated
    yet: ``migrate`` runs the checks before it creates the tables) or the policy does not load
    (``xueshi rules check`` names the file and line). Reads the open years only, not their
    rows (``xueshi policy status`` does)."""
    if not databases or DEFAULT_DB_ALIAS not in databases:
        return []
    try:
        tables = set(connections[DEFAULT_DB_ALIAS].introspection.table_names())
        if not {LedgerYear._meta.db_table, Job._meta.db_table} <= tables:
            return []
        stale = stale_years()
    except (DatabaseError, PolicyError):  # the policy's own errors: ``xueshi rules check``
        return []
    if not stale:
        return []
    by_version: dict[str, list[str]] = {}
    for each in stale:
        queued = f" (rebuild queued: job {each.rebuild_job})" if each.rebuild_job else ""
        by_version.setdefault(each.built_under, []).append(f"{each.year}{queued}")
    built = "; ".join(f"{', '.join(years)} under {v}" for v, years in by_version.items())
    return [
        checks.Warning(
            f"Compliance ledger years built under another policy version than the one in "
            f"force ({stale[0].in_force}): {built}. The bureau pages say their figures may "
            "not match the policy until these years are rebuilt.",
            hint="Run `xueshi policy sync` once every process runs the new policy: it queues "
            "a rebuild of each year for the task workers (`xueshi worker`; `--here` "
            "rebuilds in that process instead).",
            id="xueshi.C002",
        )
    ]
