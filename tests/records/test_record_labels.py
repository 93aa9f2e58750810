"""A record says what it counts as and how much: a category or a class of credits, hours or
points — never a blank category and "0.0" hours (the Luojiang health reviewer's queue)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from xueshi.accounts.models import User
from xueshi.demo.load import demo_load
from xueshi.records.models import HourRecord

pytestmark = pytest.mark.django_db


def test_labels_of_hours_and_credits() -> None:
    record = HourRecord(category="public", required=True, hours=Decimal("20.0"))
    assert record.kind_label == "公需科目（必修）"
    assert record.amount_label == "20 学时"
    record = HourRecord(category="", credit_class="II", credits=Decimal("5.0"))
    assert record.amount_label == "5 分"
    assert record.kind_label == "Ⅱ类学分"
    assert HourRecord(category="elective", hours=Decimal("20.5")).amount_label == "20.5 学时"


def test_the_health_reviewer_sees_the_credits_and_their_class(client: Client) -> None:
    demo_load()
    client.force_login(User.objects.get(username="luojiang-health"))
    page = client.get(reverse("records:review_queue")).content.decode()
    assert "院内业务学习" in page
    record = HourRecord.objects.get(content__contains="院内业务学习")
    assert record.credits > 0
    assert f"{record.credits.normalize():f} 分" in page
    assert record.get_credit_class_display() in page
    assert ">0.0<" not in page
