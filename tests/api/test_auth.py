"""Who may call: signed requests (replayed, stale, tampered refused), OAuth2 client
credentials (tokens carry no user: the client is the application's), scopes, stopped clients,
throttling per client, every call audited; every refusal as problem+json in Chinese."""

from __future__ import annotations

import base64
import json
import time
from typing import Any

import pytest
from django.test import Client

from tests.api.conftest import Api, Signer, register
from xueshi.api import signing
from xueshi.api.models import ApiClient, ClientKind, Scope
from xueshi.api.services import api_client_revoke, api_client_secret_rotate
from xueshi.audit.models import AuditEvent
from xueshi.records.models import HourRecord

pytestmark = pytest.mark.django_db


def _problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    assert body["status"] == status
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), body["detail"]
    return body


def test_no_credentials_is_401(api: Api) -> None:
    response = Client().post(api.push_path, {"items": []}, content_type="application/json")
    _problem(response, 401, "not_authenticated")
    assert "WWW-Authenticate" in response


def test_a_replayed_request_is_refused(api: Api) -> None:
    body = json.dumps({"items": [api.item(0)]}).encode()
    headers = api.signer.headers("POST", api.push_path, body)
    first = Client().post(api.push_path, body, content_type="application/json", headers=headers)
    assert first.status_code == 201
    again = Client().post(api.push_path, body, content_type="application/json", headers=headers)
    _problem(again, 401, "nonce_replayed")


def test_a_stale_or_future_timestamp_is_refused(api: Api) -> None:
    for offset in (-310, 310):
        stamp = str(int(time.time()) + offset)
        _problem(api.push([api.item(0)], timestamp=stamp), 401, "signature_stale")
    assert not HourRecord.objects.exists()


def test_a_tampered_body_path_or_query_is_refused(api: Api) -> None:
    body = json.dumps({"items": [api.item(0, "50")]}).encode()
    headers = api.signer.headers("POST", api.push_path, body)
    tampered = body.replace(b'"50"', b'"95"')
    response = Client().post(
        api.push_path, tampered, content_type="application/json", headers=headers
    )
    _problem(response, 401, "signature_invalid")
    assert not HourRecord.objects.exists()
    # signed for one receipt, sent for another
    headers = api.signer.headers("GET", "/api/v1/receipts/a/", b"")
    response = Client().get("/api/v1/receipts/b/", headers=headers)
    _problem(response, 401, "signature_invalid")
    headers = api.signer.headers("GET", "/api/v1/receipts/a/", b"", query="x=1")
    response = Client().get("/api/v1/receipts/a/?x=2", headers=headers)
    _problem(response, 401, "signature_invalid")


def test_a_wrong_secret_or_unknown_key_is_refused(api: Api) -> None:
    _problem(api.push([api.item(0)], secret="not-the-secret"), 401, "signature_invalid")
    headers = api.signer.headers("POST", api.push_path, b"{}")
    headers[signing.HEADER_KEY] = "xs-nobody"
    response = Client().post(api.push_path, b"{}", content_type="application/json", headers=headers)
    _problem(response, 401, "client_unknown")


def test_sm3_signatures_are_accepted(api: Api) -> None:
    sm3 = Signer(api.signer.client, api.signer.secret, algorithm=signing.HMAC_SM3)
    assert api.push([api.item(0)], signer=sm3).status_code == 201


def test_a_rotated_secret_and_a_stopped_client_are_refused(api: Api) -> None:
    bureau = api.world.bureau
    new = api_client_secret_rotate(
        actor=bureau.assignment.user, active=bureau, client_id=api.signer.client.pk
    )
    _problem(api.push([api.item(0)]), 401, "signature_invalid")
    rotated = Signer(api.signer.client, new)
    assert api.push([api.item(0)], signer=rotated).status_code == 201
    api_client_revoke(actor=bureau.assignment.user, active=bureau, client_id=rotated.client.pk)
    _problem(api.push([api.item(1)], signer=rotated), 401, "client_unknown")


def _token(client: ApiClient, secret: str, scope: str | None = None) -> Any:
    basic = base64.b64encode(f"{client.app_key}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    return Client().post("/api/v1/oauth/token/", data, headers={"Authorization": f"Basic {basic}"})


def test_oauth2_client_credentials(api: Api) -> None:
    response = _token(api.signer.client, api.signer.secret)
    assert response.status_code == 200, response.content
    token = response.json()
    assert set(token["scope"].split()) == {Scope.HOURS_PUSH, Scope.CLASSES_READ}
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    body = json.dumps({"items": [api.item(0)]})
    pushed = Client().post(api.push_path, body, content_type="application/json", headers=bearer)
    assert pushed.status_code == 201, pushed.content
    # a scope the client was not given cannot be asked for
    assert _token(api.signer.client, api.signer.secret, Scope.COMPLIANCE_READ).status_code == 400
    # a token without the scope is refused by the endpoint
    narrow = _token(api.signer.client, api.signer.secret, Scope.CLASSES_READ).json()
    response = Client().post(
        api.push_path,
        body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {narrow['access_token']}"},
    )
    _problem(response, 403, "scope_missing")
    # a stopped client's tokens are gone, and it gets no new one
    bureau = api.world.bureau
    api_client_revoke(actor=bureau.assignment.user, active=bureau, client_id=api.signer.client.pk)
    response = Client().post(api.push_path, body, content_type="application/json", headers=bearer)
    _problem(response, 401, "token_invalid")
    assert _token(api.signer.client, api.signer.secret).status_code == 401


def test_a_client_without_the_scope_is_refused(api: Api) -> None:
    reader = register(api.world, name="只读", scopes=[Scope.CLASSES_READ])
    _problem(api.push([api.item(0)], signer=reader), 403, "scope_missing")


def test_throttled_per_client(api: Api, settings: Any) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"client": "2/min"},
    }
    for _ in range(2):
        assert api.signer.get("/api/v1/receipts/x/").status_code == 404
    _problem(api.signer.get("/api/v1/receipts/x/"), 429, "throttled")
    other = register(api.world, name="另一个平台")
    assert other.get("/api/v1/receipts/x/").status_code == 404


def test_every_call_is_audited_with_its_client(api: Api) -> None:
    api.push([api.item(0)])
    api.signer.get("/api/v1/receipts/none/")
    calls = AuditEvent.objects.filter(action="api_call", target_id=str(api.signer.client.pk))
    assert sorted((e.data["method"], e.data["status"]) for e in calls) == [
        ("GET", 404),
        ("POST", 201),
    ]
    assert {e.actor_id for e in calls} == {api.signer.client.user_id}


def test_registration_is_scoped_to_the_bureaus_region(api: Api) -> None:
    from xueshi.api.services import api_client_register
    from xueshi.errors import ServiceError

    luojiang = api.world.luojiang
    with pytest.raises(ServiceError, match="本地区"):
        api_client_register(
            actor=luojiang.assignment.user,
            active=luojiang,
            name="越界",
            kind=ClientKind.PROVIDER,
            scopes=[Scope.HOURS_PUSH],
            provider_id=api.world.provider.pk,
        )
    with pytest.raises(ServiceError, match="不能授予"):
        register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.HOURS_PUSH])
    staff = api.world.staff
    with pytest.raises(ServiceError, match="人社部门"):
        api_client_register(
            actor=staff.assignment.user,
            active=staff,
            name="自己登记",
            kind=ClientKind.PROVIDER,
            scopes=[Scope.HOURS_PUSH],
            provider_id=api.world.provider.pk,
        )


def test_schema_and_its_pages_are_served_without_a_cdn(api: Api) -> None:
    schema = Client().get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/classes/{class_id}/results/" in paths
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = Client().get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "https://" not in html
