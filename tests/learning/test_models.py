"""The learning models' own guarantees, held by the database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.support.factories import ProviderFactory, UserFactory, regions
from xueshi.learning.models import Course, Lesson, LessonKind, StudySession

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2020, 6, 1, 9, tzinfo=dt.UTC)


def course(**fields: object) -> Course:
    regions()
    values: dict[str, object] = {
        "title": "专业技术人员职业道德",
        "year": 2020,
        "region_id": "440000",
        "hours": Decimal("10"),
        "publisher_region_id": "440000",
        "created_by": UserFactory(),
    }
    if "publisher_region" in fields:
        del values["publisher_region_id"]
    values.update(fields)
    return Course.objects.create(**values)


def test_a_course_has_exactly_one_publisher() -> None:
    provider = ProviderFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        course(publisher_provider=provider)  # a bureau and a provider at once
    with pytest.raises(IntegrityError), transaction.atomic():
        course(publisher_region=None)  # nobody
    assert course(publisher_region=None, publisher_provider=provider).category == "public"


def test_one_open_study_session_per_account() -> None:
    lesson = Lesson.objects.create(
        course=course(),
        order=1,
        title="第一讲",
        kind=LessonKind.VIDEO,
        file="lessons/a.webm",
        original_name="a.webm",
        content_type="video/webm",
        size=10,
        sha256="0" * 64,
        duration_seconds=60,
    )
    user = UserFactory()
    StudySession.objects.create(user=user, lesson=lesson, started_at=MOMENT)
    with pytest.raises(IntegrityError), transaction.atomic():
        StudySession.objects.create(user=user, lesson=lesson, started_at=MOMENT)
    StudySession.objects.filter(user=user).update(ended_at=MOMENT)
    StudySession.objects.create(user=user, lesson=lesson, started_at=MOMENT)
    assert StudySession.objects.filter(user=user).count() == 2
