"""Redirects only to this site: where a form or a link says to go back to."""

from __future__ import annotations

from django.utils.http import url_has_allowed_host_and_scheme


def local_path(value: str | None, default: str) -> str:
    """``value`` if it is a path on this site ("/records/?year=2014"), else ``default``.

    Refused: another site ("https://evil.example", "//evil.example/x"), what browsers read as
    one (a backslash anywhere, as in "/\\evil.example"; tabs, newlines), a scheme
    ("javascript:…") and anything that is not an absolute path."""
    if not value or not value.startswith("/") or "\\" in value:
        return default
    if any(ch in value for ch in "\t\r\n\x00"):
        return default
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return default
    return value
