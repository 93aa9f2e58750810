"""审核提醒: records waiting at a review step longer than the limit are counted on the
reviewers' and their superiors' dashboards and listed for them; fresh ones are not."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.records.conftest import World
from xueshi.records.models import HourRecord
from xueshi.records.reminders import late_reviews, workload


def _as(client: Client, role: Any) -> Client:
    client.force_login(role.assignment.user)
    return client


def _waiting_since(record: HourRecord, days: int) -> None:
    HourRecord.objects.filter(pk=record.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=days)
    )


def test_a_record_waiting_past_the_limit_is_late_and_a_fresh_one_is_not(
    world: World, settings: Any
) -> None:
    settings.XUESHI_REVIEW_LATE_DAYS = 10
    old = world.declare()
    world.declare(
        content="另一项培训",
        start_date=dt.date(2014, 7, 7),
        end_date=dt.date(2014, 7, 13),
        salt=b"2",
    )
    _waiting_since(old, 11)
    assert list(late_reviews(world.boss)) == [old]
    assert workload(world.boss) == workload(world.admin)
    load = workload(world.boss)
    assert (load.waiting, load.mine_late, load.scope_late, load.days) == (2, 1, 1, 10)
    # The bureau's step has not begun: the record waits for the employer, in its scope.
    bureau = workload(world.bureau)
    assert (bureau.waiting, bureau.mine_late, bureau.scope_late) == (0, 0, 1)
    assert list(late_reviews(world.other_boss)) == []
    assert list(late_reviews(world.me)) == []


def test_the_dashboard_counts_late_reviews_and_the_list_names_them(
    client: Client, world: World, settings: Any
) -> None:
    settings.XUESHI_REVIEW_LATE_DAYS = 10
    old = world.declare()
    _waiting_since(old, 30)
    page = _as(client, world.admin).get(reverse("accounts:dashboard")).content.decode()
    assert "审核工作量" in page
    assert "管辖范围内超过 10 天未办理的审核" in page
    listed = client.get(reverse("records:late_reviews")).content.decode()
    assert "新技术培训" in listed
    assert "待用人单位审核" in listed
    assert "30 天" in listed
    mine = _as(client, world.me).get(reverse("accounts:dashboard")).content.decode()
    assert "审核工作量" not in mine
    assert client.get(reverse("records:late_reviews")).status_code == 403
