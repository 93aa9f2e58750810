"""Django's admin only from the administrators' networks (等保 2.0 8.1.4.4 c)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
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
