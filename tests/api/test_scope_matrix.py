"""Every endpoint by every scope: a client reaches an endpoint only with the scope it names
(403 scope_missing otherwise); no endpoint is reachable without credentials (401); and the
list of endpoints is the URLconf's, so a new one is held to it too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import get_resolver

from tests.api.conftest import Api, Signer, register
from tests.support.factories import id_number_of
from xueshi.api import views
from xueshi.api.models import ClientKind, Scope

pytestmark = pytest.mark.django_db

# The kind of client that may hold each scope alone.
HOLDER = {
    Scope.HOURS_PUSH: ClientKind.PROVIDER,
    Scope.CLASSES_READ: ClientKind.PROVIDER,
    Scope.CERTIFICATES_READ: ClientKind.TITLE_SYSTEM,
    Scope.COMPLIANCE_READ: ClientKind.TITLE_SYSTEM,
}


def _calls(api: Api) -> dict[str, tuple[str, str, str, Any]]:
    """view name → (method, path, query, payload), one real call each."""
    person = api.people[0]
    return {
        "ResultsPushView": ("POST", api.push_path, "", {"items": [api.item(0)]}),
        "ResultsVoidView": (
            "POST",
            "/api/v1/results/void/",
            "",
            {"external_ids": ["ext-0"], "reason": "作废"},
        ),
        "ReceiptView": ("GET", "/api/v1/receipts/00000000-0000-0000-0000-000000000000/", "", None),
        "VerdictView": (
            "POST",
            "/api/v1/compliance/verdicts/",
            "",
            {"id_number": id_number_of(person), "year": 2014, "as_of": "2014-07-01"},
        ),
        "ChangesView": ("GET", "/api/v1/compliance/changes/", "year=2014", None),
        "CertificateView": ("GET", "/api/v1/certificates/X-1/", "", None),
        "ClassListView": ("GET", "/api/v1/classes/", "year=2014", None),
    }


def _scoped_views() -> dict[str, str]:
    found = {}
    for pattern in get_resolver().url_patterns:
        if str(pattern.pattern) != "api/v1/":
            continue
        for inner in getattr(pattern, "url_patterns", []):
            view = getattr(inner.callback, "view_class", None)
            if view is not None and issubclass(view, views.ApiView):
                found[view.__name__] = view.required_scope
    return found


def _call(signer: Signer, method: str, path: str, query: str, payload: Any) -> Any:
    if method == "POST":
        return signer.post(path, payload)
    return signer.get(path, query)


def test_every_endpoint_is_in_the_matrix(api: Api) -> None:
    scoped = _scoped_views()
    assert set(scoped) == set(_calls(api))
    assert all(scope in Scope.values for scope in scoped.values())


def test_no_client_reaches_outside_its_scope(api: Api) -> None:
    scoped = _scoped_views()
    calls = _calls(api)
    clients = {
        scope: register(api.world, kind=HOLDER[scope], name=f"仅{scope}", scopes=[scope])
        for scope in Scope
    }
    outcomes = {}
    for name, (method, path, query, payload) in calls.items():
        anonymous = getattr(Client(), method.lower())(
            path + (f"?{query}" if query else ""),
            **({"data": payload, "content_type": "application/json"} if payload else {}),
        )
        assert anonymous.status_code == 401, (name, anonymous.status_code)
        for scope, signer in clients.items():
            response = _call(signer, method, path, query, payload)
            outcomes[(name, scope)] = response.status_code
            if scope == scoped[name]:
                assert response.status_code not in (401, 403), (name, scope, response.content)
            else:
                assert response.status_code == 403, (name, scope, response.status_code)
                assert response.json()["code"] == "scope_missing"
    assert len(outcomes) == len(calls) * len(Scope)
