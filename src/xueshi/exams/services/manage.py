"""The course's publisher (its bureau or its provider) sets up the exam and its bank."""

from __future__ import annotations

import hashlib

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.exams.excel import read_questions
from xueshi.exams.models import Exam, Question, QuestionImport
from xueshi.exams.selectors import courses_managed, exams_managed


def _exam_locked(active: ActiveRole, exam_id: int) -> Exam:
    exam = exams_managed(active).select_for_update(of=("self",)).filter(pk=exam_id).first()
    if exam is None:
        raise ServiceError("考试不存在，或不是本单位发布的课程的考试。")
    return exam


@transaction.atomic
def exam_create(
    *,
    course_id: int,
    actor: User,
    active: ActiveRole,
    title: str = "",
    question_count: int = 20,
    duration_minutes: int = 60,
    max_attempts: int = 3,
    retry_delay_minutes: int = 0,
    pass_mark: int = 60,
    shows_explanations: bool = True,
) -> Exam:
    """The exam of a course the active role publishes (one per course)."""
    course = courses_managed(active).select_for_update(of=("self",)).filter(pk=course_id).first()
    if course is None:
        raise ServiceError("课程不存在，或不是本单位发布的课程。")
    if Exam.objects.filter(course=course).exists():
        raise ServiceError("该课程已有考试。")
    if not 1 <= question_count <= 200:
        raise ServiceError("每次抽题数量应为 1–200 道。", field="question_count")
    if not 1 <= duration_minutes <= 600:
        raise ServiceError("考试时长应为 1–600 分钟。", field="duration_minutes")
    if not 1 <= max_attempts <= 20:
        raise ServiceError("最多考试次数应为 1–20 次。", field="max_attempts")
    if retry_delay_minutes < 0:
        raise ServiceError("两次考试间隔不能为负数。", field="retry_delay_minutes")
    if not 0 <= pass_mark <= 100:
        raise ServiceError("合格分数应在 0 到 100 之间。", field="pass_mark")
    exam = Exam.objects.create(
        course=course,
        title=(title.strip() or f"{course.title} 在线考试")[:200],
        question_count=question_count,
        duration_minutes=duration_minutes,
        max_attempts=max_attempts,
        retry_delay_minutes=retry_delay_minutes,
        pass_mark=pass_mark,
        shows_explanations=shows_explanations,
        created_by=actor,
    )
    audit_event_write(
        actor=actor, role=active.role, action="exam_create", target=exam, to_status="draft"
    )
    return exam


@transaction.atomic
def exam_publish(*, exam_id: int, actor: User, active: ActiveRole) -> Exam:
    """Open the exam to learners: only with enough questions for one draw."""
    exam = _exam_locked(active, exam_id)
    available = exam.questions.filter(active=True).count()
    if available < exam.question_count:
        raise ServiceError(
            f"题库只有 {available} 道试题，少于每次抽题数量 {exam.question_count} 道，不能开放。"
        )
    if not exam.published:
        exam.published = True
        exam.save(update_fields=["published"])
        audit_event_write(
            actor=actor, role=active.role, action="exam_publish", target=exam, to_status="open"
        )
    return exam


@transaction.atomic
def question_import(
    *, exam_id: int, upload: UploadedFile, actor: User, active: ActiveRole
) -> QuestionImport:
    """试题导入: every row checked and reported; a file with any error imports nothing and
    is kept with its report. Otherwise every new question is added (a question already in
    the bank, same kind, text and options, is reported unchanged: importing the same file
    twice adds nothing). The file's own refusals (not an .xlsx, hostile, empty, no header)
    save nothing."""
    exam = _exam_locked(active, exam_id)
    data = upload.read()
    rows = read_questions(data)
    have = set(exam.questions.values_list("digest", flat=True))
    report = []
    errors = 0
    for row in rows:
        if row.errors:
            errors += 1
            result, message = "error", "；".join(row.errors)
        elif row.digest in have:
            result, message = "unchanged", "题库中已有该题"
        else:
            result, message = "created", "新增"
        report.append(
            {"row": row.number, "text": row.text[:60], "result": result, "message": message}
        )
    batch = QuestionImport(
        exam=exam,
        uploaded_by=actor,
        file_name=(upload.name or "未命名.xlsx")[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(rows),
        report=report,
    )
    if not errors:
        new = [row for row in rows if row.digest not in have]
        Question.objects.bulk_create(
            Question(
                exam=exam,
                kind=row.kind,
                text=row.text,
                options=row.options,
                answer=row.answer,
                explanation=row.explanation,
                digest=row.digest,
            )
            for row in new
        )
        batch.created, batch.unchanged, batch.accepted = len(new), len(rows) - len(new), True
    batch.save()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="question_import",
        target=batch,
        to_status="accepted" if batch.accepted else "refused",
        data={"exam": exam.pk, "rows": batch.rows, "errors": errors, "created": batch.created},
    )
    return batch
