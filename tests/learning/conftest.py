"""A published Guangdong 2020 public-subject course of one 600-second video lesson, and a
learner in Shantou (under Guangdong) it counts for."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.support.factories import ProfessionalFactory, UserFactory, regions
from xueshi.accounts.models import User
from xueshi.learning.models import Course, Lesson, LessonKind

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2020, 6, 1, 10, 0, tzinfo=SHANGHAI)
VIDEO_BYTES = 600_000


def make_course(*, year: int = 2020, region: str = "440000", published: bool = True) -> Course:
    regions()
    return Course.objects.create(
        title="专业技术人员职业道德与诚信建设",
        year=year,
        region_id=region,
        hours=Decimal("10"),
        publisher_region_id=region,
        published=published,
        created_by=UserFactory(),
    )


def make_lesson(course: Course, *, order: int = 1, duration: int = 600, **fields: object) -> Lesson:
    values: dict[str, object] = {
        "course": course,
        "order": order,
        "title": f"第{order}讲",
        "kind": LessonKind.VIDEO,
        "file": "lessons/demo.webm",
        "original_name": "demo.webm",
        "content_type": "video/webm",
        "size": VIDEO_BYTES,
        "sha256": "0" * 64,
        "duration_seconds": duration,
    }
    values.update(fields)
    return Lesson.objects.create(**values)


@pytest.fixture
def course(db: None) -> Course:
    return make_course()


@pytest.fixture
def lesson(course: Course) -> Lesson:
    return make_lesson(course)


@pytest.fixture
def learner(db: None) -> User:
    regions()
    user: User = ProfessionalFactory(region_id="440500").user
    return user
