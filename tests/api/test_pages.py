"""接入系统: a bureau registers a client on its pages, sees the secret once, changes its
scopes, rotates its secret and stops it (each asking first), and reads its audit trail; other
regions' bureaus do not see it, other roles do not reach the pages."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.api.conftest import Api, Signer
from xueshi.api.client_secrets import unseal
from xueshi.api.models import ApiClient, Scope
from xueshi.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def _login(api: Api, who: str = "bureau") -> Client:
    browser = Client()
    browser.force_login(getattr(api.world, who).assignment.user)
    return browser


def test_a_bureau_registers_a_client_and_sees_its_secret_once(api: Api) -> None:
    browser = _login(api)
    assert browser.get("/integrations/").status_code == 200
    form = browser.get("/integrations/new/").content.decode()
    assert "汕头市行政学院" in form
    response = browser.post(
        "/integrations/new/",
        {
            "name": "市卫健委继续医学教育系统",
            "kind": "provider",
            "provider": api.world.provider.pk,
            "scopes": [Scope.HOURS_PUSH, Scope.CLASSES_READ],
        },
    )
    assert response.status_code == 302
    client = ApiClient.objects.get(name="市卫健委继续医学教育系统")
    page = browser.get(response["Location"]).content.decode()
    shown = re.search(r'<code id="secret">([^<]+)</code>', page)
    assert shown is not None
    assert shown.group(1) == unseal(client.secret_sealed)
    assert client.app_key in page
    again = browser.get(response["Location"]).content.decode()
    assert 'id="secret"' not in again  # once only
    # the secret works: a signed call with it
    signer = Signer(client, shown.group(1))
    assert signer.get("/api/v1/classes/", "year=2014").status_code == 200
    assert "api_call" in browser.get(response["Location"]).content.decode()


def test_scopes_rotation_and_revocation_from_the_page(api: Api) -> None:
    browser = _login(api)
    client = api.signer.client
    base = f"/integrations/{client.pk}/"
    page = browser.get(base).content.decode()
    assert page.count("data-confirm") == 2  # rotate and revoke ask first
    browser.post(base + "scopes/", {"scopes": [Scope.CLASSES_READ]})
    client.refresh_from_db()
    assert client.scopes == [Scope.CLASSES_READ]
    assert api.push([api.item(0)]).status_code == 403
    browser.post(base + "rotate/")
    new = re.search(r'<code id="secret">([^<]+)</code>', browser.get(base).content.decode())
    assert new is not None
    assert api.signer.get("/api/v1/classes/").status_code == 401
    assert Signer(client, new.group(1)).get("/api/v1/classes/").status_code == 200
    browser.post(base + "revoke/")
    assert Signer(client, new.group(1)).get("/api/v1/classes/").status_code == 401
    actions = set(
        AuditEvent.objects.filter(
            target_id=str(client.pk), target_type="api.apiclient"
        ).values_list("action", flat=True)
    )
    assert {"api_client_scopes_set", "api_client_secret_rotate", "api_client_revoke"} <= actions


def test_other_regions_and_roles_do_not_reach_a_client(api: Api) -> None:
    base = f"/integrations/{api.signer.client.pk}/"
    assert _login(api, "luojiang").get(base).status_code == 404
    assert _login(api, "luojiang").post(base + "revoke/").status_code == 404
    assert _login(api, "staff").get("/integrations/").status_code == 403
    assert _login(api, "province").get(base).status_code == 200  # a region above sees it
    api.signer.client.refresh_from_db()
    assert api.signer.client.active


def test_a_refused_registration_says_why(api: Api) -> None:
    browser = _login(api)
    response = browser.post(
        "/integrations/new/",
        {"name": "职称系统", "kind": "title_system", "scopes": [Scope.HOURS_PUSH]},
    )
    assert response.status_code == 200
    assert "不能授予" in response.content.decode()
    assert not ApiClient.objects.filter(name="职称系统").exists()
