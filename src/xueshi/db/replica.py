"""Reads that may go to a PostgreSQL streaming replica (issue 15, deliverable 5; ADR 0015).

When ``XUESHI_REPLICA_URL`` names a standby, the pages that only read and can bear a few
seconds' delay — the public verification page, dashboards, reports and their exports — are
marked ``@replica_reads`` and read from it; everything else, and every write, goes to the
primary. Three guards keep a page from showing what is no longer so:

- **Who just wrote reads the primary.** Any request that may write (POST, PUT, PATCH,
  DELETE) pins its browser to the primary for ``XUESHI_REPLICA_PIN_SECONDS``
  (``ReplicaPinMiddleware``): a bureau that revokes a certificate and opens its page sees it
  revoked. Settings refuse a pin shorter than the largest lag allowed, so a write older than
  the pin is on any replica still in use.
- **A lagging replica is not read.** Its lag is checked at most every few seconds per
  process (``replica_lag``); beyond ``XUESHI_REPLICA_MAX_LAG`` seconds, or when it does not
  answer, reads go to the primary.
- **Identity, sessions, access and the audit trail always read the primary**
  (``PRIMARY_APPS``): a sign-in a second old, a role just withdrawn, a lockout.

The pin is only a hint the client returns: a forged or dropped cookie can make its own
reads come from the primary or a replica within the allowed lag, never show another
person's data or skip a check.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse, HttpResponseBase

REPLICA = "replica"
PIN_COOKIE = "xueshi_primary_until"
# Apps whose rows are never read from a replica.
PRIMARY_APPS = frozenset(
    {
        "accounts",
        "admin",
        "audit",
        "auth",
        "axes",
        "contenttypes",
        "django_tasks_database",
        "jobs",
        "oauth2_provider",
        "otp_static",
        "otp_totp",
        "sessions",
    }
)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LAG_CHECK_SECONDS = 2.0

logger = logging.getLogger(__name__)
_reading = contextvars.ContextVar("xueshi_replica_reading", default=False)
_lag_lock = threading.Lock()
_lag_seen: dict[str, float] = {}  # "at": monotonic time of the check, "lag": seconds or inf

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def replica_configured() -> bool:
    return REPLICA in connections


def replica_lag() -> float:
    """Seconds the replica is behind the primary (0 when it has replayed all it received;
    infinity when it cannot be asked), checked at most every LAG_CHECK_SECONDS per process."""
    now = time.monotonic()
    with _lag_lock:
        if _lag_seen and now - _lag_seen["at"] < LAG_CHECK_SECONDS:
            return _lag_seen["lag"]
    lag = _lag_measure()
    with _lag_lock:
        _lag_seen.update(at=now, lag=lag)
    return lag


def replica_lag_forget() -> None:
    """The next read checks the lag again (tests; after a failover)."""
    with _lag_lock:
        _lag_seen.clear()


def _lag_measure() -> float:
    try:
        with connections[REPLICA].cursor() as cursor:
            cursor.execute(
                "SELECT pg_is_in_recovery(),"
                " CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()),"
                " 'Infinity') END"
            )
            row = cursor.fetchone()
    except Exception:  # a replica that does not answer is not read; the primary is
        logger.warning("replica: not reachable, reading the primary", exc_info=True)
        connections[REPLICA].close()
        return float("inf")
    if row is None or not row[0]:
        logger.warning("replica: not in recovery (promoted?), reading the primary")
        return float("inf")
    return float(row[1])


def _replica_usable() -> bool:
    return replica_lag() <= float(settings.XUESHI_REPLICA_MAX_LAG)


def pinned_to_primary(request: HttpRequest) -> bool:
    try:
        until = float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return False
    return until > time.time()


def replica_reads(view: View) -> View:
    """Mark a view whose reads may come from the replica (see the module's guards)."""

    @functools.wraps(view)
    def reading(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not replica_configured() or pinned_to_primary(request):
            return view(request, *args, **kwargs)
        token = _reading.set(True)
        try:
            return view(request, *args, **kwargs)
        finally:
            _reading.reset(token)

    reading.replica_reads = True  # type: ignore[attr-defined]
    return reading  # type: ignore[return-value]


class ReplicaRouter:
    """Django's database router: reads of a ``@replica_reads`` view to the replica when it
    is usable; every write, migration and everything else to the primary."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        if (
            _reading.get()
            and model._meta.app_label not in PRIMARY_APPS
            and replica_configured()
            and _replica_usable()
        ):
            return REPLICA
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        return DEFAULT_DB_ALIAS  # a row read from the replica is saved to the primary

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database and its copy

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


class ReplicaPinMiddleware:
    """After a request that may write, its browser reads the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.method in WRITES and replica_configured():
            seconds = int(settings.XUESHI_REPLICA_PIN_SECONDS)
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.0f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response
