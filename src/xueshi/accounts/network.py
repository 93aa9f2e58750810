"""Where a request comes from: the client address, and whether it is in a set of networks.

Behind ``settings.XUESHI_TRUSTED_PROXIES`` proxies, the client is the entry of
X-Forwarded-For that many places from its right end (the entries further left are whatever
the client itself sent, and prove nothing); without proxies, the peer's address.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(request: HttpRequest) -> str:
    """The client's IP address as text ("" if unknown or not an address)."""
    proxies = int(getattr(settings, "XUESHI_TRUSTED_PROXIES", 0))
    address = request.META.get("REMOTE_ADDR", "") or ""
    if proxies > 0:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        ]
        forwarded = [part for part in forwarded if part]
        address = forwarded[-proxies] if len(forwarded) >= proxies else ""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return ""


@lru_cache(maxsize=32)
def networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def address_in(address: str, spec: Iterable[str]) -> bool:
    """Whether ``address`` lies in one of the networks of ``spec`` ("10.0.0.0/8", "::1")."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks(tuple(spec)))
