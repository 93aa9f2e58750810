"""What each role may read of exams: deny by default.

A course's publisher manages its exam: a bureau's staff for a course their region published,
a provider's staff for their provider's course. A professional sees the published exams of
the courses that count for them by their region's policy, and only their own attempts.
"""

from __future__ import annotations

from django.db.models import QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.exams.models import Attempt, Exam, Transcript
from xueshi.learning.models import Course
from xueshi.learning.selectors import courses_for, managed_courses
from xueshi.people.models import Professional
from xueshi.people.selectors import professional_of


def courses_managed(active: ActiveRole) -> QuerySet[Course]:
    """The courses the active role publishes (learning's rule: a bureau's region, a
    provider's own)."""
    return managed_courses(active)


def exams_managed(active: ActiveRole) -> QuerySet[Exam]:
    return Exam.objects.filter(course__in=courses_managed(active)).select_related("course")


def exams_open_to(professional: Professional) -> QuerySet[Exam]:
    """Published exams of the courses that count for the professional by their region's
    policy (``online.courses``, learning.selectors.courses_for), of every year an exam is
    published for."""
    years = set(Exam.objects.filter(published=True).values_list("course__year", flat=True))
    counted = [course.pk for year in sorted(years) for course in courses_for(professional, year)]
    return (
        Exam.objects.filter(published=True, course_id__in=counted)
        .select_related("course")
        .order_by("-course__year", "course__title", "id")
    )


def learner_of(active: ActiveRole | None) -> Professional | None:
    return professional_of(active)


def attempts_of(professional: Professional, exam: Exam | None = None) -> QuerySet[Attempt]:
    attempts = Attempt.objects.filter(professional=professional).select_related(
        "exam", "exam__course"
    )
    return attempts.filter(exam=exam) if exam is not None else attempts


def attempt_of(professional: Professional, attempt_id: int) -> Attempt | None:
    return attempts_of(professional).filter(pk=attempt_id).first()


def transcripts_of(professional: Professional) -> QuerySet[Transcript]:
    return Transcript.objects.filter(attempt__professional=professional).select_related(
        "attempt", "attempt__exam", "attempt__exam__course"
    )
