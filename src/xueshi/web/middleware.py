"""Requests refused before any view reads them: Django's admin from outside the
administrators' networks (等保 2.0 8.1.4.4 c), query strings no filter could mean."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.template import loader
from django.urls import NoReverseMatch, reverse

from xueshi.accounts.network import address_in, client_address

ADMIN_REFUSED = "管理后台只能从指定的管理网络访问（XUESHI_ADMIN_NETWORKS）。"


class AdminNetworkMiddleware:
    """Every URL under /admin/ answers 403 to a client outside ``XUESHI_ADMIN_NETWORKS``,
    before the admin's login page or a session is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:  # where the admin is mounted in this request's URLs (reverse() caches it)
            prefix = reverse("admin:index", urlconf=getattr(request, "urlconf", None))
        except NoReverseMatch:
            prefix = None  # no admin here: nothing to guard
        if (
            prefix is not None
            and request.path_info.startswith(prefix)
            and not address_in(client_address(request), settings.XUESHI_ADMIN_NETWORKS)
        ):
            raise PermissionDenied(ADMIN_REFUSED)
        return self.get_response(request)


QUERY_REFUSED = "网址中的查询参数含有控制字符，无法处理。"


class QueryStringMiddleware:
    """A query string whose names or values hold a NUL or another control character
    answers 400: no filter means one, and PostgreSQL refuses NUL in text (a server error
    wherever a value reached a query unchecked). Each page still validates its own values."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.META.get("QUERY_STRING") and any(
            _control(text) for key, values in request.GET.lists() for text in (key, *values)
        ):
            page = loader.render_to_string("400.html", {"reason": QUERY_REFUSED})
            return HttpResponseBadRequest(page)
        return self.get_response(request)


_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control(text: str) -> bool:
    return _CONTROL.search(text) is not None
