"""Reads of online learning: which courses count for whom (policy data, ``online.courses``),
what a learner must take and how far they are, and who may see a lesson."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.learning.models import Course, Heartbeat, Lesson, LessonProgress, StudyFlag
from xueshi.organisations.models import Region
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.rules.policy import Resolved

PARAMETER = "online.courses"


def online_rule(region: str, year: int) -> Resolved | None:
    """The ``online.courses`` rule in force in ``region`` during ``year`` (its first day
    in force that year), or None: no online course counts there that year."""
    policy = current_policy()
    days = [dt.date(year, 1, 1)] + [
        d for d in policy.change_days(PARAMETER, region) if d.year == year
    ]
    for day in days:
        resolved = policy.resolve(PARAMETER, region, day)
        if resolved is not None:
            return resolved
    return None


def publisher_kind(course: Course) -> str:
    """``provider``, or the level of the bureau's region (``province``, ``city``, …)."""
    if course.publisher_provider_id is not None:
        return "provider"
    assert course.publisher_region is not None
    return str(course.publisher_region.level)


def publisher_name(course: Course) -> str:
    if course.publisher_provider is not None:
        return course.publisher_provider.name
    assert course.publisher_region is not None
    return f"{course.publisher_region.name}人社部门"


def counts_under(course: Course, rule: Resolved | None) -> bool:
    if rule is None:
        return False
    value: dict[str, Any] = rule.value
    kind = publisher_kind(course)
    return course.category in value["categories"] and kind in value["published_by"]


def region_codes(region: Region) -> list[str]:
    """The region and those above it (a province's course applies in its cities)."""
    return [c for c in region.path.split("/") if c]


@dataclass(frozen=True)
class CourseProgress:
    course: Course
    lessons: int
    completed: int
    credited_seconds: float
    duration_seconds: int

    @property
    def percent(self) -> int:
        if not self.duration_seconds:
            return 0
        return min(100, int(100 * self.credited_seconds / self.duration_seconds))

    @property
    def complete(self) -> bool:
        return self.lessons > 0 and self.completed == self.lessons


def courses_for(person: Professional, year: int) -> list[Course]:
    """The published courses of ``year`` that count for ``person`` by their region's policy."""
    rule = online_rule(person.region_id, year)
    if rule is None:
        return []
    region = Region.objects.get(pk=person.region_id)
    candidates = (
        Course.objects.filter(published=True, year=year, region_id__in=region_codes(region))
        .select_related("region", "publisher_region", "publisher_provider", "subject")
        .order_by("title", "id")
    )
    return [c for c in candidates if counts_under(c, rule)]


def progress_of(user: User, courses: list[Course]) -> list[CourseProgress]:
    lessons = list(Lesson.objects.filter(course__in=courses).order_by("course_id", "order"))
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(user=user, lesson__in=[x.pk for x in lessons])
    }
    result = []
    for course in courses:
        own = [x for x in lessons if x.course_id == course.pk]
        done = [progress[x.pk] for x in own if x.pk in progress]
        result.append(
            CourseProgress(
                course=course,
                lessons=len(own),
                completed=sum(1 for p in done if p.completed_at is not None),
                credited_seconds=sum(p.credited_seconds for p in done),
                duration_seconds=sum(x.duration_seconds for x in own),
            )
        )
    return result


def professional_of(user: User) -> Professional | None:
    return Professional.objects.filter(user_id=user.pk).first()


def may_study(user: User, lesson: Lesson) -> bool:
    """A professional may study a lesson of a published course that counts for them."""
    person = professional_of(user)
    if person is None:
        return False
    return any(c.pk == lesson.course_id for c in courses_for(person, lesson.course.year))


def managed_courses(active: ActiveRole | None) -> QuerySet[Course]:
    """The courses a bureau's or a provider's staff publish (their own, any state)."""
    if active is None:
        return Course.objects.none()
    a = active.assignment
    base = Course.objects.select_related("region", "publisher_region", "publisher_provider")
    if active.role == Role.BUREAU_STAFF and a.region_id:
        return base.filter(publisher_region_id=a.region_id)
    if active.role == Role.PROVIDER_STAFF and a.provider_id:
        return base.filter(publisher_provider_id=a.provider_id)
    return Course.objects.none()


def may_manage(active: ActiveRole | None, course: Course) -> bool:
    return managed_courses(active).filter(pk=course.pk).exists()


def trail_of(user: User, lesson: Lesson) -> QuerySet[Heartbeat]:
    """Every heartbeat of ``user`` in ``lesson``: how each credited second was earned."""
    return (
        Heartbeat.objects.filter(session__user=user, session__lesson=lesson)
        .select_related("session")
        .order_by("received_at", "id")
    )


def flags_for(active: ActiveRole | None) -> QuerySet[StudyFlag]:
    """Study flags a bureau sees: those of learners in its region and below."""
    if active is None or active.role != Role.BUREAU_STAFF or active.assignment.region is None:
        return StudyFlag.objects.none()
    path = active.assignment.region.path
    people = Professional.objects.filter(region__path__startswith=path).values("user_id")
    return (
        StudyFlag.objects.filter(Q(user_id__in=people))
        .select_related("user", "session__lesson__course")
        .order_by("-created_at", "-id")
    )
