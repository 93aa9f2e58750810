"""Worlds for online exams: Guangde 2020 (the bureau publishes the public course, a pass
at 60 points, the bureau verifies the 成绩单) and Guangdong 2019 (the province publishes, the
system registers the hours); a bank of questions; helpers to answer right or wrong."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import xlsxwriter
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.factories import ProfessionalFactory, UserFactory, grant, regions
from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.exams.models import Attempt, Exam, Question, QuestionKind
from xueshi.exams.services import attempt_start, attempt_token, exam_create, exam_publish
from xueshi.learning.models import Course, Lesson, LessonKind, LessonProgress, StudySession
from xueshi.people.models import Professional

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def document_lesson(course: Course, *, title: str, seconds: int) -> Lesson:
    """A short PDF lesson read for ``seconds`` (the browser journeys read it on a phone)."""
    return Lesson.objects.create(
        course=course,
        order=1,
        title=title,
        kind=LessonKind.DOCUMENT,
        file=ContentFile(PDF, name="guide.pdf"),
        original_name="guide.pdf",
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        duration_seconds=seconds,
    )


GUANGDE_DAY = dt.date(2020, 11, 16)
GUANGDONG_DAY = dt.date(2019, 6, 3)


@dataclass
class World:
    bureau: ActiveRole
    course: Course
    exam: Exam
    day: dt.date

    def learner(
        self, region: str = "", *, studied_days: int = 10
    ) -> tuple[Professional, ActiveRole]:
        """A professional of the region who began the course's lessons ``studied_days``
        before the world's day (the record of the pass spans them)."""
        person = ProfessionalFactory(region_id=region or self.course.region_id)
        if studied_days:
            lesson, _ = Lesson.objects.get_or_create(
                course=self.course,
                order=1,
                defaults={
                    "title": "第一讲",
                    "kind": LessonKind.VIDEO,
                    "file": "lessons/a.webm",
                    "original_name": "a.webm",
                    "content_type": "video/webm",
                    "size": 10,
                    "sha256": "0" * 64,
                    "duration_seconds": 60,
                },
            )
            began = dt.datetime.combine(
                self.day - dt.timedelta(days=studied_days), dt.time(9), tzinfo=dt.UTC
            )
            StudySession.objects.create(
                user=person.user, lesson=lesson, started_at=began, ended_at=began
            )
            LessonProgress.objects.create(
                user=person.user,
                lesson=lesson,
                credited_seconds=60,
                furthest_seconds=60,
                completed_at=began,
            )
        return person, grant(person.user, Role.PROFESSIONAL)


def course_of(region: str, year: int, **fields: Any) -> tuple[Course, ActiveRole]:
    regions()
    staff = grant(UserFactory(), Role.BUREAU_STAFF, region_id=region)
    values: dict[str, Any] = {
        "title": "新时代专业技术人员新理念素养提升",
        "year": year,
        "region_id": region,
        "hours": Decimal(30),
        "publisher_region_id": region,
        "created_by": staff.assignment.user,
        "published": True,
    }
    values.update(fields)
    return Course.objects.create(**values), staff


def bank(exam: Exam, size: int = 12) -> None:
    """``size`` questions: single, multiple and true/false in turn."""
    for n in range(size):
        kind = (QuestionKind.SINGLE, QuestionKind.MULTIPLE, QuestionKind.TRUE_FALSE)[n % 3]
        options = ["正确", "错误"] if kind == QuestionKind.TRUE_FALSE else ["甲", "乙", "丙", "丁"]
        answer = {"single": "B", "multiple": "ACD", "true_false": "A"}[kind.value]
        Question.objects.create(
            exam=exam,
            kind=kind,
            text=f"第{n + 1}题：关于继续教育的说法",
            options=options,
            answer=answer,
            explanation=f"解析{n + 1}",
            digest=f"{n:064d}",
        )


def world_of(region: str, year: int, day: dt.date, **exam: Any) -> World:
    course, staff = course_of(region, year)
    settings: dict[str, Any] = {"question_count": 5, "duration_minutes": 30, "max_attempts": 3}
    settings.update(exam)
    made = exam_create(course_id=course.pk, actor=staff.assignment.user, active=staff, **settings)
    bank(made)
    exam_publish(exam_id=made.pk, actor=staff.assignment.user, active=staff)
    made.refresh_from_db()
    return World(bureau=staff, course=course, exam=made, day=day)


@pytest.fixture
def guangde(db: None) -> Iterator[World]:
    with clock.at(GUANGDE_DAY):
        yield world_of("341882", 2020, GUANGDE_DAY)


@pytest.fixture
def guangdong(db: None) -> Iterator[World]:
    with clock.at(GUANGDONG_DAY):
        yield world_of("440000", 2019, GUANGDONG_DAY)


def answers(attempt: Attempt, right: int | None = None) -> dict[str, str]:
    """Answers to the drawn questions: the first ``right`` correct (all if None), the rest
    wrong."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    given = {}
    for n, pk in enumerate(attempt.question_ids):
        correct = questions[pk].answer
        wrong = "B" if correct == "A" else "A"
        given[str(pk)] = correct if right is None or n < right else wrong
    return given


def started(world: World, me: ActiveRole) -> tuple[Attempt, str]:
    attempt = attempt_start(exam_id=world.exam.pk, active=me)
    return attempt, attempt_token(attempt)


def xlsx(rows: list[list[Any]], header: list[str] | None = None) -> SimpleUploadedFile:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    head = header or ["题型", "题干", "选项A", "选项B", "选项C", "选项D", "答案", "解析"]
    sheet.write_row(0, 0, head)
    for n, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if value is not None:
                sheet.write(n, column, value)
    book.close()
    return SimpleUploadedFile("试题.xlsx", out.getvalue(), content_type=XLSX)
