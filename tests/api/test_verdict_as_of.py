"""A 职称 system asks a person's verdict as of a date: the records as they stood at the end of
that day (a record approved later was still in review, one entered later is not there, one
voided later still counted); a date after the server's today is answered as of today."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.api.conftest import Api, Signer, register
from tests.support.factories import EmployerFactory, UserFactory, employ, grant, id_number_of
from xueshi import clock
from xueshi.accounts.models import Role
from xueshi.api.models import ClientKind, Scope
from xueshi.records.models import HourRecord
from xueshi.records.services.transitions import hour_record_transition

pytestmark = pytest.mark.django_db

VERDICT = "/api/v1/compliance/verdicts/"
BEFORE_PUSH = dt.datetime(2014, 7, 6, 2, 0, tzinfo=dt.UTC)  # 10:00 in Shanghai
IN_REVIEW = dt.datetime(2014, 7, 10, 2, 0, tzinfo=dt.UTC)
APPROVED_AT = dt.datetime(2014, 7, 20, 2, 0, tzinfo=dt.UTC)
BEFORE_VOID = dt.datetime(2014, 7, 21, 2, 0, tzinfo=dt.UTC)
VOIDED_AT = dt.datetime(2014, 7, 22, 2, 0, tzinfo=dt.UTC)
ASKED_AT = dt.datetime(2014, 7, 25, 2, 0, tzinfo=dt.UTC)


def _counted(verdict: dict[str, Any]) -> Decimal:
    return sum((Decimal(r["counted"]) for r in verdict["requirements"]), Decimal(0))


def _ask(title: Signer, api: Api, **extra: Any) -> dict[str, Any]:
    payload = {"id_number": id_number_of(api.people[0]), "year": 2014, **extra}
    response = title.post(VERDICT, payload)
    assert response.status_code == 200, response.content
    return dict(response.json())


def _on(moment: dt.datetime, title: Signer, api: Api, **extra: Any) -> dict[str, Any]:
    with time_machine.travel(moment, tick=True):
        return _ask(title, api, **extra)


def _approve(api: Api) -> None:
    """The pushed record approved on 2014-07-20 by the reviewers its chain names (the
    learner's employer, then the bureau: Shantou 2014)."""
    record = HourRecord.objects.get(professional=api.people[0], class_plan=api.plan)
    employer = EmployerFactory()
    employ(api.people[0], employer)
    reviewer = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer)
    with time_machine.travel(APPROVED_AT, tick=True):
        for active in (reviewer, api.world.bureau):
            hour_record_transition(
                record_id=record.pk, actor=active.assignment.user, active=active, action="approve"
            )
    assert HourRecord.objects.get(pk=record.pk).status == "approved"


@pytest.fixture
def title(api: Api) -> Signer:
    return register(api.world, kind=ClientKind.TITLE_SYSTEM, scopes=[Scope.COMPLIANCE_READ])


def test_a_verdict_as_of_a_day_is_the_one_that_day_gave(api: Api, title: Signer) -> None:
    """Asked later with as_of, the answer is what was answered on that day itself: before
    the push (nothing), while in review (pending, not counted), once approved (counted)."""
    on_0706 = _on(BEFORE_PUSH, title, api)
    api.push([api.item(0, "90")])  # 2014-07-07: entered, in review
    on_0710 = _on(IN_REVIEW, title, api)
    _approve(api)
    on_0725 = _on(ASKED_AT, title, api)

    assert (on_0706["pending_records"], on_0710["pending_records"]) == (0, 1)
    assert on_0725["pending_records"] == 0
    assert _counted(on_0706) == _counted(on_0710) < _counted(on_0725)
    assert _on(ASKED_AT, title, api, as_of="2014-07-06") == on_0706
    assert _on(ASKED_AT, title, api, as_of="2014-07-10") == on_0710
    # the end of the day of approval already counts it
    assert _on(ASKED_AT, title, api, as_of="2014-07-20") == on_0725 | {"as_of": "2014-07-20"}


def test_a_record_voided_later_still_counted_on_an_earlier_day(api: Api, title: Signer) -> None:
    api.push([api.item(0, "90")])
    _approve(api)
    on_0721 = _on(BEFORE_VOID, title, api)
    with time_machine.travel(VOIDED_AT, tick=True):
        voided = api.signer.post(
            "/api/v1/results/void/", {"external_ids": ["ext-0"], "reason": "学员弄错"}
        )
        assert voided.json()["voided"] == 1
    now = _on(ASKED_AT, title, api)
    assert _counted(now) < _counted(on_0721)
    assert _on(ASKED_AT, title, api, as_of="2014-07-21") == on_0721


def test_a_date_after_the_servers_today_is_answered_as_of_today(api: Api, title: Signer) -> None:
    api.push([api.item(0, "90")])
    now = _on(ASKED_AT, title, api)
    future = _on(ASKED_AT, title, api, as_of="2031-01-01")
    assert future["as_of"] == "2014-07-25"  # the server's date, not the client's
    assert future == now
    with time_machine.travel(ASKED_AT, tick=True):
        bad = title.post(
            VERDICT,
            {"id_number": id_number_of(api.people[0]), "year": 2014, "as_of": "2014-13-01"},
        )
    assert bad.status_code == 400
    assert "as_of" in bad.json()["errors"]


def test_in_the_demo_every_date_is_answered_as_of_the_demos_today(api: Api, title: Signer) -> None:
    """The demo's clock runs at a seed year's date while the audit trail is dated by the
    machine: no day of the shifted calendar can be read back from it."""
    api.push([api.item(0, "90")])
    with time_machine.travel(ASKED_AT, tick=True), clock.at(dt.date(2014, 12, 15)):
        today = _ask(title, api)
        earlier = _ask(title, api, as_of="2014-07-06")
    assert today["as_of"] == earlier["as_of"] == "2014-12-15"
    assert earlier == today
    assert today["pending_records"] == 1
