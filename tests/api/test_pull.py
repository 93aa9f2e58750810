"""Pulls: a 职称 system asks a person's verdict with its clauses, certificates by number, a
region's classes, and the ledger's changes since a cursor — each within the client's scope."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, register
from tests.certificates.test_services import complete_shantou_year
from tests.support.factories import id_number_of
from tests.training.conftest import valid_ric
from xueshi.api.models import ClientKind, Scope
from xueshi.audit.models import AuditEvent
from xueshi.certificates.services import certificate_issue
from xueshi.compliance.services import ledger_rebuild

pytestmark = pytest.mark.django_db

VERDICT = "/api/v1/compliance/verdicts/"


def test_a_title_system_pulls_a_verdict_with_its_clauses(api: Api) -> None:
    api.push([api.item(0, "90")])
    title = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])
    person = api.people[0]
    response = title.post(VERDICT, {"id_number": id_number_of(person), "year": 2014})
    assert response.status_code == 200, response.content
    verdict = response.json()
    assert verdict["name"] == person.full_name
    assert verdict["id_number"] != id_number_of(person)  # masked
    assert verdict["id_number"][-4:] == id_number_of(person)[-4:]
    assert verdict["status"] == "未达标"
    assert verdict["compliant"] is False
    assert verdict["requirements"]
    for requirement in verdict["requirements"]:
        assert requirement["reference"]["clause"]
        assert requirement["reference"]["notice"]
    assert verdict["pending_records"] == 1  # the pushed class, in review


def test_a_person_outside_the_clients_region_is_not_found(api: Api) -> None:
    luojiang = api.world.luojiang
    from xueshi.api.services import api_client_register

    client, secret = api_client_register(
        actor=luojiang.assignment.user,
        active=luojiang,
        name="洛江职称系统",
        kind=ClientKind.TITLE_SYSTEM,
        scopes=[Scope.COMPLIANCE_READ],
    )
    from tests.api.conftest import Signer

    outsider = Signer(client, secret)
    response = outsider.post(VERDICT, {"id_number": id_number_of(api.people[0]), "year": 2014})
    assert response.status_code == 404
    unknown = outsider.post(VERDICT, {"id_number": valid_ric(), "year": 2014})
    assert unknown.status_code == 404
    bad = outsider.post(VERDICT, {"id_number": "123", "year": 2014})
    assert bad.status_code == 400


def test_classes_of_the_providers_own_and_of_a_region(api: Api) -> None:
    response = api.signer.get("/api/v1/classes/", "year=2014")
    assert response.status_code == 200
    body = response.json()
    assert [c["id"] for c in body["results"]] == [api.plan.pk]
    assert (body["count"], body["pages"]) == (1, 1)
    assert api.signer.get("/api/v1/classes/", "year=2015").json()["count"] == 0


def test_certificates_not_in_scope_are_not_found(api: Api) -> None:
    reader = register(api.world, name="证书查询", scopes=[Scope.CERTIFICATES_READ])
    response = reader.get("/api/v1/certificates/GD-2014-000001/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_changes_since_a_cursor(api: Api) -> None:
    api.push([api.item(0, "90"), api.item(1, "80")])
    ledger_rebuild(year=2014)
    mirror = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])
    first = mirror.get("/api/v1/compliance/changes/", "year=2014&limit=2").json()
    assert len(first["results"]) == 2
    assert first["more"] is True
    rest = mirror.get(
        "/api/v1/compliance/changes/", f"year=2014&limit=100&cursor={first['cursor']}"
    ).json()
    assert rest["more"] is False
    seen = [r["id_number"] for r in first["results"] + rest["results"]]
    assert len(seen) == len(set(seen))
    assert {id_number_of(p) for p in api.people} <= set(seen)
    # Each full number handed to the mirror is audited (people/identity.py).
    reads = AuditEvent.objects.filter(action="id_number_read", comment__startswith="接口同步")
    assert reads.count() == len(seen)
    # nothing changed since: an empty page with the same cursor
    again = mirror.get("/api/v1/compliance/changes/", f"year=2014&cursor={rest['cursor']}").json()
    assert again == {"cursor": rest["cursor"], "more": False, "results": []}
    bad = mirror.get("/api/v1/compliance/changes/", "year=2014&cursor=abc")
    assert bad.status_code == 400
    assert "游标无效" in bad.json()["detail"]


def test_a_title_system_pulls_a_certificate_by_its_number(
    api: Api, settings: Any, tmp_path: Any
) -> None:
    settings.XUESHI_KEYS_DIR = tmp_path / "keys"
    person = api.people[0]
    complete_shantou_year(person, 2014)
    bureau = api.world.bureau
    issued = certificate_issue(
        actor=bureau.assignment.user, active=bureau, professional_id=person.pk, year=2014
    )
    title = register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.CERTIFICATES_READ])
    response = title.get(f"/api/v1/certificates/{issued.number}/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["number"] == issued.number
    assert body["name"] == person.full_name
    assert body["id_number"] == person.masked_id_number != id_number_of(person)
    assert (body["year"], body["region"], body["status"]) == (2014, "440500", "valid")
    assert body["hours"] == {"public": "20", "professional": "42", "elective": "12", "total": "74"}
    assert body["verdict"] == issued.verdict
    # the same number for a 职称 system of another region: not found
    luojiang = api.world.luojiang
    from xueshi.api.services import api_client_register

    client, secret = api_client_register(
        actor=luojiang.assignment.user,
        active=luojiang,
        name="洛江职称系统",
        kind=ClientKind.TITLE_SYSTEM,
        scopes=[Scope.CERTIFICATES_READ],
    )
    from tests.api.conftest import Signer

    assert Signer(client, secret).get(f"/api/v1/certificates/{issued.number}/").status_code == 404
