"""Every write the certificate pages make goes through a service that records who did it, as
which role, in an audit event of the same transaction; a refused write records nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse

from tests.certificates.test_services import approved, complete_shantou_year
from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    id_number_of,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.certificates.models import Booklet, Certificate, PrintJob, Roster

pytestmark = pytest.mark.django_db


def _client(active: ActiveRole) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def _event(action: str, target: models.Model, active: ActiveRole) -> AuditEvent:
    """The one event of ``action`` on ``target``, by the user and role of ``active``."""
    event = AuditEvent.objects.get(
        action=action, target_type=target._meta.label_lower, target_id=str(target.pk)
    )
    assert (event.actor_id, event.role) == (active.assignment.user_id, active.role)
    return event


@pytest.fixture
def shantou(settings: Any) -> dict[str, Any]:
    """Shantou 2014 (S11, S12): a professional with a complete year, the employer, the bureau."""
    settings.XUESHI_JOBS_INLINE = True
    regions()
    employer = EmployerFactory(region_id="440500")
    person = employ(ProfessionalFactory(), employer)
    complete_shantou_year(person)
    return {
        "person": person,
        "me": grant(person.user, Role.PROFESSIONAL),
        "boss": grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer),
        "bureau": grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500"),
    }


def _issue(shantou: dict[str, Any]) -> Certificate:
    _client(shantou["me"]).post(
        reverse("certificates:issue"), {"professional": shantou["person"].pk, "year": 2014}
    )
    return Certificate.objects.get()


def test_issuing_a_certificate_is_audited_with_its_rule(shantou: dict[str, Any]) -> None:
    certificate = _issue(shantou)
    event = _event("issue", certificate, shantou["me"])
    assert event.policy_version == certificate.policy_version
    assert event.data["number"] == certificate.number


def test_a_reissue_audits_the_superseded_certificate_and_the_new_one(
    shantou: dict[str, Any],
) -> None:
    old = _issue(shantou)
    _client(shantou["bureau"]).post(
        reverse("certificates:change_status", args=[old.pk, "reissue"]), {"reason": "姓名更正"}
    )
    new = Certificate.objects.get(reissue_of=old)
    assert _event("supersede", old, shantou["bureau"]).comment == "姓名更正"
    assert _event("issue", new, shantou["bureau"]).comment == "姓名更正"


def test_a_revocation_is_audited_with_its_reason(shantou: dict[str, Any]) -> None:
    certificate = _issue(shantou)
    _client(shantou["bureau"]).post(
        reverse("certificates:change_status", args=[certificate.pk, "revoke"]),
        {"reason": "学时造假"},
    )
    event = _event("revoke", certificate, shantou["bureau"])
    assert (event.from_status, event.to_status, event.comment) == ("valid", "revoked", "学时造假")


def test_a_batch_print_request_is_audited(shantou: dict[str, Any]) -> None:
    _issue(shantou)
    _client(shantou["boss"]).post(reverse("certificates:print_start"), {"year": 2014})
    printing = PrintJob.objects.get()
    event = _event("print_job_request", printing, shantou["boss"])
    assert event.data == {"employer": printing.employer_id, "year": 2014}


def test_a_refused_print_request_writes_nothing(shantou: dict[str, Any]) -> None:
    response = _client(shantou["boss"]).post(reverse("certificates:print_start"), {"year": "x"})
    assert response.url == reverse("certificates:employer")
    assert not PrintJob.objects.exists()
    assert not AuditEvent.objects.filter(action="print_job_request").exists()


def test_a_roster_and_its_stamp_are_audited_per_certificate(shantou: dict[str, Any]) -> None:
    certificate = _issue(shantou)
    _client(shantou["boss"]).post(
        reverse("certificates:roster_new"), {"year": 2014, "certificates": [certificate.pk]}
    )
    roster = Roster.objects.get()
    assert _event("roster_submit", roster, shantou["boss"]).data == {
        "certificates": [certificate.number]
    }
    with time_machine.travel(dt.datetime(2014, 6, 16, 3, tzinfo=dt.UTC)):  # a verification day
        _client(shantou["bureau"]).post(reverse("certificates:roster_process", args=[roster.pk]))
    assert _event("stamp", certificate, shantou["bureau"]).comment == f"花名册 #{roster.pk}"
    assert _event("roster_process", roster, shantou["bureau"]).to_status == "processed"


def test_booklet_issues_and_a_reentry_are_audited(in_guangde_2020) -> None:
    """G5 at the bureau's desk: each of first issue, renewal and replacement, and the
    re-entry of a replaced booklet's professional hours, leaves its own event."""
    regions()
    person = employ(ProfessionalFactory(region_id="341882"), EmployerFactory(region_id="341882"))
    record = approved(person, "professional", 60, 2020)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="341882")
    client = _client(bureau)
    for kind in ("first", "renewal", "replacement"):
        client.post(
            reverse("certificates:booklet"),
            {"id_number": id_number_of(person), "kind": kind, "reason": "丢失"},
        )
    booklet = Booklet.objects.get()
    for kind in ("first", "renewal", "replacement"):
        assert _event(f"booklet_{kind}", booklet, bureau).data["number"] == booklet.number
    client.post(
        reverse("certificates:reentry"),
        {
            "record": record.pk,
            "holder": id_number_of(person),
            "evidence": SimpleUploadedFile(
                "证明.pdf", b"%PDF-1.4 x", content_type="application/pdf"
            ),
        },
    )
    assert _event("booklet_reentry", booklet, bureau).data["record"] == record.pk
