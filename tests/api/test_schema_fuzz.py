"""schemathesis against the app's own schema, every operation, all of its checks (server
errors, status codes, content types, headers and bodies against the schema, bad types,
missing fields and boundary values must be refused, valid ones accepted): 0 failures. The
number of examples is bounded (``XUESHI_FUZZ_EXAMPLES``, default 25 an operation) so that it
runs in the suite; scripts/test.sh runs it like every test."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings

from tests.api.conftest import Api, Signer, register
from xueshi.api.models import ClientKind, Scope

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("XUESHI_FUZZ_EXAMPLES", "25"))


def _bearer(signer: Signer) -> str:
    basic = base64.b64encode(f"{signer.client.app_key}:{signer.secret}".encode()).decode()
    response = Client().post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.content
    return f"Bearer {response.json()['access_token']}"


@pytest.fixture
def tokens(api: Api) -> dict[str, str]:
    """A provider's token (push, classes, certificates) and a 职称 system's (compliance)."""
    title = register(
        api.world,
        kind=ClientKind.TITLE_SYSTEM,
        name="职称系统",
        scopes=[Scope.COMPLIANCE_READ, Scope.CERTIFICATES_READ],
    )
    provider = register(
        api.world,
        name="平台",
        scopes=[Scope.HOURS_PUSH, Scope.CLASSES_READ, Scope.CERTIFICATES_READ],
    )
    return {"provider": _bearer(provider), "title": _bearer(title)}


def test_the_api_keeps_its_schema(tokens: dict[str, str], settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "1000000/min"},
    }
    # The app is called directly (WSGI), in the test's transaction: keep its connection open
    # between requests, as Django's test client does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        _fuzz(tokens)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _fuzz(tokens: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        header = tokens["title" if "/compliance/" in operation.path else "provider"]

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": header})  # noqa: B023 (called now)

        check()
