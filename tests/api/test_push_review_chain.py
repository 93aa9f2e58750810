"""A provider's pushed results enter with the review the region's policy gives records of
that category (the chain is policy data, snapshotted on the record), not one of the API's
own: the same chain a declaration or an Excel batch of the class would get."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from xueshi.accounts.models import Role
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services.chains import chain_for, chain_snapshot

pytestmark = pytest.mark.django_db


def test_a_providers_pushed_records_follow_the_policys_chain(api: Api) -> None:
    receipt = api.push([api.item(0, "90"), api.item(1, "88")]).json()
    assert receipt["created"] == 2, receipt

    for person in api.people[:2]:
        record = HourRecord.objects.get(professional=person, class_plan=api.plan)
        chain = chain_for(person, api.plan.category, record.credited_year, record.end_date)
        assert chain.steps  # Shantou 2014 gives professional hours a review
        assert record.chain == chain_snapshot(chain)
        assert record.source == RecordSource.BATCH
        assert record.declared_role == Role.PROVIDER_STAFF
        # entered by the provider, the record waits for the chain's first step
        assert record.status == "in_review"
        assert record.step == 0
        assert record.awaiting == str(chain.steps[0])
