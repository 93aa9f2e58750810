"""Where the current request comes from, for the audit rows written while it is served.

``accounts.middleware.SessionPolicyMiddleware`` sets the client address for each request;
``audit_event_write`` reads it, so every state change a request makes carries its address
without each service being told (a command or a worker has none)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_client_address: ContextVar[str] = ContextVar("xueshi_audit_client_address", default="")


def current_client_address() -> str:
    return _client_address.get()


@contextmanager
def client_address_set(address: str) -> Iterator[None]:
    token = _client_address.set(address)
    try:
        yield
    finally:
        _client_address.reset(token)
