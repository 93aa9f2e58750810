"""django-oauth-toolkit for machine clients: a client may ask only for its own scopes, and a
client a bureau stopped gets no token. (Its tokens carry no user: api.authentication maps a
token to its client.)"""

from __future__ import annotations

from typing import Any

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes

from xueshi.api.models import ApiClient, Scope


def _client_of(application: Any) -> ApiClient | None:
    if application is None:
        return None
    try:
        client: ApiClient = application.api_client
    except ApiClient.DoesNotExist:
        return None
    return client


class ClientScopes(BaseScopes):
    def get_all_scopes(self) -> dict[str, str]:
        return {scope.value: scope.label for scope in Scope}

    def get_available_scopes(self, application: Any = None, request: Any = None) -> list[str]:
        client = _client_of(application)
        return list(client.scopes) if client is not None and client.active else []

    def get_default_scopes(self, application: Any = None, request: Any = None) -> list[str]:
        return self.get_available_scopes(application, request)


class ClientValidator(OAuth2Validator):
    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        client = _client_of(request.client)
        return client is not None and client.active
