"""The issue's measure: a 5,000-record batch replayed three times leaves the database as it
was; the same batch with one record changed gives one conflict and 4,999 unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from tests.api.conftest import Api
from tests.api.test_push import _state
from tests.support.factories import id_number_of
from xueshi.accounts.models import User
from xueshi.people.models import Professional
from xueshi.training.models import Enrollment

pytestmark = pytest.mark.django_db

SIZE = 5_000


def _learners(api: Api, count: int) -> list[Professional]:
    """``count`` registered people enrolled in the class, made in bulk."""
    users = User.objects.bulk_create(User(username=f"bulk{i}") for i in range(count))
    people = []
    for i, user in enumerate(users):
        birth = dt.date(1980, 1, 1) + dt.timedelta(days=i // 900)
        body = f"440507{birth:%Y%m%d}{100 + i % 900:03d}"
        people.append(
            Professional(
                user=user,
                full_name=f"学员{i}",
                id_number=body + ric.calc_check_digit(body + "0"),
                series="engineering",
                title_level="intermediate",
                region_id="440500",
            )
        )
    people = Professional.objects.bulk_create(people)
    Enrollment.objects.bulk_create(Enrollment(class_plan=api.plan, professional=p) for p in people)
    return people


def test_a_5000_batch_replayed_three_times_changes_nothing(api: Api) -> None:
    people = api.people + _learners(api, SIZE - len(api.people))
    items = [
        {
            "external_id": f"sector-{i:05d}",
            "name": person.full_name,
            "id_number": id_number_of(person),
            "score": str(60 + i % 40),
        }
        for i, person in enumerate(people)
    ]
    first = api.push(items)
    assert first.status_code == 201, first.content[:500]
    assert first.json()["created"] == SIZE
    before = _state()
    for _ in range(3):
        again = api.push(items).json()
        assert (again["rows"], again["unchanged"]) == (SIZE, SIZE)
        assert _state() == before
    items[1234] = {**items[1234], "score": "99"}
    changed = api.push(items).json()
    assert (changed["conflicts"], changed["unchanged"]) == (1, SIZE - 1)
    assert changed["items"][1234]["result"] == "conflict"
    assert [i["external_id"] for i in changed["items"]] == [i["external_id"] for i in items]
    assert _state() == before
