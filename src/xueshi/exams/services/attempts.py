"""A learner's attempts: the draw, the answers, the deadline, the score, the hours.

Nothing the browser says about time counts: the deadline is set from the server's clock
when the attempt starts, answers arriving after it are refused, and the first request (or the
sweep, ``attempts_expire``) after it closes the attempt with the answers the server holds
(超时自动交卷). The questions are drawn by the server and saved with the attempt; an answer
to any other question refuses the whole request. Each change locks the attempt's row, so a
double submit (two tabs, a repeated click, a replayed request) finds it closed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.exams.models import Attempt, AttemptStatus, Credit, Exam, Question, QuestionKind
from xueshi.exams.selectors import exams_open_to, learner_of
from xueshi.learning.models import Course, StudySession
from xueshi.learning.selectors import progress_of
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.services.online_entry import (
    OnlineEntry,
    hour_record_enter_online,
    online_review_day,
)
from xueshi.rules import Category

SALT = "xueshi.exams.attempt"
SYSTEM_ROLE = "system"
TAMPERED = "考试凭据无效或已被篡改，本次提交未被接受，答卷没有任何改动。请刷新页面后继续作答。"
CLOSED = "本次考试已经交卷，不能重复提交；成绩以第一次交卷为准。"
LATE = "考试时间已到，系统已按截止时服务器保存的答案自动交卷；截止后提交的答案不予接受。"
HUNDRED, TENTH = Decimal(100), Decimal("0.1")


# --- helpers -------------------------------------------------------------------------------


def attempt_token(attempt: Attempt) -> str:
    """The signed token the attempt's page carries: the attempt and its learner's account."""
    return signing.dumps({"a": attempt.pk, "u": attempt.professional.user_id}, salt=SALT)


def _learner(active: ActiveRole) -> Professional:
    professional = learner_of(active)
    if professional is None:
        raise ServiceError("只有专业技术人员本人可以参加在线考试。")
    return professional


def _attempt_locked(active: ActiveRole, attempt_id: int, token: str) -> Attempt:
    """The learner's own attempt, locked; a token that is not the page's refuses."""
    professional = _learner(active)
    try:
        signed = signing.loads(token or "", salt=SALT)
    except signing.BadSignature:
        raise ServiceError(TAMPERED) from None
    if signed != {"a": attempt_id, "u": professional.user_id}:
        raise ServiceError(TAMPERED)
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam", "exam__course", "professional")
        .filter(pk=attempt_id, professional=professional)
        .first()
    )
    if attempt is None:
        raise ServiceError("考试记录不存在。")
    return attempt


def pass_mark_of(exam: Exam, professional: Professional, day: dt.date) -> tuple[int, str]:
    """The pass mark the policy sets for the learner's region in the course's year (Guangde
    2020: 60, §三(一)), with its citation; the exam's own where the policy sets none."""
    course: Course = exam.course
    resolved = current_policy().resolve(
        "assessment.pass_mark",
        professional.region_id,
        online_review_day(course.year, day),
        person_of(professional),
    )
    if resolved is None or resolved.value is None:
        return exam.pass_mark, "课程考试设定（政策未规定考核合格分数）"
    return int(resolved.value), resolved.reference.citation


def _answer_valid(question: Question, answer: Any) -> str:
    """The answer as stored ("" for none, letters in order), or ServiceError."""
    if answer is None:
        return ""
    if not isinstance(answer, str | list):
        raise ServiceError("答案格式无效，未保存。")
    letters = "".join(answer) if isinstance(answer, list) else answer
    letters = "".join(sorted(set(letters.strip().upper())))
    valid = "ABCDEF"[: len(question.options)]
    if any(c not in valid for c in letters):
        raise ServiceError("答案中有不存在的选项，未保存。")
    if question.kind != QuestionKind.MULTIPLE and len(letters) > 1:
        raise ServiceError(f"{question.get_kind_display()}只能选一个答案，未保存。")
    return letters


def _answers_checked(attempt: Attempt, answers: dict[str, Any]) -> dict[str, str]:
    """The answers keyed by question id, every key a question drawn for this attempt."""
    if not isinstance(answers, dict):
        raise ServiceError("答案格式无效，未保存。")
    drawn = [str(pk) for pk in attempt.question_ids]
    foreign = [key for key in answers if str(key) not in drawn]
    if foreign:
        raise ServiceError(
            "提交的答案中有不属于本次考试抽到的试题，整份提交未被接受，答卷没有任何改动。"
        )
    questions = Question.objects.in_bulk([int(k) for k in answers])
    return {str(k): _answer_valid(questions[int(k)], v) for k, v in answers.items()}


def _grade(attempt: Attempt, *, status: str, now: dt.datetime, actor: User) -> Attempt:
    """Close the attempt with the answers it holds: score, pass mark, and the hours if it
    passed (in a savepoint: a refusal to enter them keeps the score and says why)."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    correct = sum(
        1 for pk in attempt.question_ids if attempt.answers.get(str(pk), "") == questions[pk].answer
    )
    total = len(attempt.question_ids)
    score = (HUNDRED * correct / total).quantize(TENTH, rounding=ROUND_HALF_UP)
    day = clock.today()
    mark, reference = pass_mark_of(attempt.exam, attempt.professional, day)
    attempt.status = status
    attempt.submitted_at = now
    attempt.correct = correct
    attempt.score = score
    attempt.pass_mark = mark
    attempt.pass_mark_reference = reference[:300]
    attempt.passed = score >= mark
    attempt.policy_version = current_policy().version
    attempt.save()
    audit_event_write(
        actor=actor,
        role=SYSTEM_ROLE if status == AttemptStatus.TIMED_OUT else "professional",
        action="attempt_submit" if status == AttemptStatus.SUBMITTED else "attempt_time_out",
        target=attempt,
        from_status=AttemptStatus.IN_PROGRESS.value,
        to_status=status,
        policy_version=attempt.policy_version,
        data={"score": str(score), "correct": correct, "of": total, "pass_mark": mark},
    )
    if attempt.passed:
        _credit(attempt, actor=actor, day=day)
    return attempt


def _credit(attempt: Attempt, *, actor: User, day: dt.date) -> None:
    """Enter the course's hours for a passed attempt, once per exam and learner: the
    learner's row is locked first, so of two passes racing the second finds the credit."""
    professional = attempt.professional
    Professional.objects.select_for_update().filter(pk=professional.pk).values("pk").first()
    if Credit.objects.filter(exam_id=attempt.exam_id, professional=professional).exists():
        return
    course: Course = attempt.exam.course
    publisher = course.publisher_provider or course.publisher_region
    entry = OnlineEntry(
        title=f"{course.title}（网络课程，在线考试合格）",
        category=Category(course.category),
        hours=course.hours,
        year=course.year,
        start=_learning_start(attempt, day),
        day=day,
        publisher=str(publisher or ""),
    )
    try:
        with transaction.atomic():
            record = hour_record_enter_online(professional=professional, entry=entry, actor=actor)
            Credit.objects.create(
                exam_id=attempt.exam_id, professional=professional, attempt=attempt, record=record
            )
    except ServiceError as exc:
        attempt.credit_note = exc.message[:300]
        attempt.save(update_fields=["credit_note"])


def _learning_start(attempt: Attempt, day: dt.date) -> dt.date:
    """The day the learner's learning of the course began: their first lesson session (the
    server's record of study), else their first attempt; never before the course's year.
    The record spans it to the pass, so the integrity checks read hours over real days."""
    first = StudySession.objects.filter(
        user_id=attempt.professional.user_id, lesson__course_id=attempt.exam.course_id
    ).aggregate(first=Min("started_at"))["first"]
    first_attempt = Attempt.objects.filter(
        exam_id=attempt.exam_id, professional_id=attempt.professional_id
    ).aggregate(first=Min("started_at"))["first"]
    starts = [timezone.localtime(t).date() for t in (first, first_attempt) if t is not None]
    start = min([*starts, day])
    return max(start, dt.date(attempt.exam.course.year, 1, 1))


def _close_if_due(attempt: Attempt, now: dt.datetime) -> bool:
    """Close an open attempt past its deadline (超时自动交卷); True if it was."""
    if attempt.is_open and now >= attempt.deadline_at:
        _grade(attempt, status=AttemptStatus.TIMED_OUT, now=now, actor=attempt.professional.user)
        return True
    return False


# --- services ------------------------------------------------------------------------------


@transaction.atomic
def attempt_start(*, exam_id: int, active: ActiveRole) -> Attempt:
    """Start an attempt, or return the one still open. The learner's row is locked, so two
    tabs starting at once share one attempt. Refused: an exam not open to the learner, an
    exam passed already, no attempt left, the wait between attempts not over, lessons the
    server has not judged complete, a bank too small for the draw."""
    professional = _learner(active)
    Professional.objects.select_for_update().filter(pk=professional.pk).values("pk").first()
    exam = exams_open_to(professional).filter(pk=exam_id).first()
    if exam is None:
        raise ServiceError("考试不存在，或未对您开放。")
    now = clock.now()
    attempts = list(
        Attempt.objects.select_for_update().filter(exam=exam, professional=professional)
    )
    for attempt in attempts:
        if attempt.is_open and not _close_if_due(attempt, now):
            return attempt
    if any(a.passed for a in attempts):
        raise ServiceError("您已通过本课程考试，无需再考。")
    if len(attempts) >= exam.max_attempts:
        raise ServiceError(f"本考试最多可考 {exam.max_attempts} 次，您的考试次数已用完。")
    last = max((a.submitted_at for a in attempts if a.submitted_at), default=None)
    if last is not None and exam.retry_delay_minutes:
        allowed = last + dt.timedelta(minutes=exam.retry_delay_minutes)
        if now < allowed:
            local = timezone.localtime(allowed)
            raise ServiceError(
                f"两次考试至少间隔 {exam.retry_delay_minutes} 分钟，"
                f"请于 {local:%Y-%m-%d %H:%M} 后再考。"
            )
    progress = progress_of(professional.user, [exam.course])[0]
    if progress.lessons and not progress.complete:
        raise ServiceError(
            f"请先学完本课程的全部课时再参加考试（已完成 {progress.completed}/{progress.lessons}"
            "，以服务器认定的学习时间为准）。"
        )
    pool = list(exam.questions.filter(active=True).values_list("pk", flat=True))
    if len(pool) < exam.question_count:
        raise ServiceError("题库试题不足，暂不能考试，请联系课程发布单位。")
    drawn = secrets.SystemRandom().sample(pool, exam.question_count)
    attempt = Attempt.objects.create(
        exam=exam,
        professional=professional,
        number=len(attempts) + 1,
        question_ids=drawn,
        started_at=now,
        deadline_at=now + dt.timedelta(minutes=exam.duration_minutes),
    )
    audit_event_write(
        actor=professional.user,
        role=active.role,
        action="attempt_start",
        target=attempt,
        to_status=attempt.status,
        data={"exam": exam.pk, "number": attempt.number, "questions": len(drawn)},
    )
    return attempt


def _closed_at_deadline(attempt_id: int, token: str, active: ActiveRole) -> None:
    """Close the attempt if its deadline has passed (its own transaction, so the closing
    stands whatever the request that found it is told), then refuse a late request."""
    with transaction.atomic():
        attempt = _attempt_locked(active, attempt_id, token)
        now = clock.now()
        _close_if_due(attempt, now)
        late = attempt.status == AttemptStatus.TIMED_OUT
    if late:
        raise ServiceError(LATE)


def attempt_refresh(*, attempt_id: int, active: ActiveRole) -> Attempt:
    """The learner's own attempt as it stands now: closed first if its deadline has
    passed (a page load is one of the moments the server closes it)."""
    professional = _learner(active)
    attempt = Attempt.objects.filter(pk=attempt_id, professional=professional).first()
    if attempt is None:
        raise ServiceError("考试记录不存在。")
    if attempt.is_open and clock.now() >= attempt.deadline_at:
        with contextlib.suppress(ServiceError):  # closed now: the page shows the result
            _closed_at_deadline(attempt.pk, attempt_token(attempt), active)
        attempt.refresh_from_db()
    return attempt


def attempt_answers_save(
    *, attempt_id: int, token: str, answers: dict[str, Any], active: ActiveRole
) -> Attempt:
    """Keep the learner's answers so far (the page saves each change): the server's copy
    is what a timed-out attempt is scored on. Refused, changing nothing: a token not the
    page's, an answer to a question not drawn or not an option, an attempt closed."""
    _closed_at_deadline(attempt_id, token, active)
    with transaction.atomic():
        attempt = _attempt_locked(active, attempt_id, token)
        if not attempt.is_open:
            raise ServiceError(CLOSED)
        checked = _answers_checked(attempt, answers)
        attempt.answers = {**attempt.answers, **checked}
        attempt.save(update_fields=["answers"])
        return attempt


def attempt_submit(
    *, attempt_id: int, token: str, answers: dict[str, Any], active: ActiveRole
) -> Attempt:
    """交卷: the answers checked (every one a question drawn), kept, scored. A submit after
    the deadline is refused and the attempt closed on what the server held at the deadline
    (超时自动交卷); a second submit is refused. Either refusal changes nothing of the answers.
    A pass enters the course's hours (once)."""
    _closed_at_deadline(attempt_id, token, active)
    with transaction.atomic():
        attempt = _attempt_locked(active, attempt_id, token)
        if not attempt.is_open:
            raise ServiceError(CLOSED)
        checked = _answers_checked(attempt, answers)
        attempt.answers = {**attempt.answers, **checked}
        return _grade(
            attempt,
            status=AttemptStatus.SUBMITTED,
            now=clock.now(),
            actor=attempt.professional.user,
        )


@transaction.atomic
def attempts_expire(*, now: dt.datetime | None = None) -> int:
    """Close every open attempt past its deadline (the sweep; pages close their own)."""
    now = now or clock.now()
    due = (
        Attempt.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("exam", "exam__course", "professional", "professional__user")
        .filter(status=AttemptStatus.IN_PROGRESS, deadline_at__lte=now)
    )
    closed = 0
    for attempt in due:
        closed += _close_if_due(attempt, now)
    return closed
