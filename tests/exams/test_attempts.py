"""A learner's attempt: the draw saved with it, the server's deadline, the cap and the wait,
the pass mark from the policy, and bad input refused with nothing changed."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.exams.conftest import World, answers, started
from xueshi import clock
from xueshi.errors import ServiceError
from xueshi.exams.models import Attempt, AttemptStatus, Credit, Question
from xueshi.exams.services import (
    attempt_answers_save,
    attempt_start,
    attempt_submit,
    attempt_token,
    attempts_expire,
)
from xueshi.exams.services.attempts import CLOSED, LATE, TAMPERED
from xueshi.learning.models import LessonProgress
from xueshi.records.models import HourRecord

pytestmark = pytest.mark.django_db


def _past_deadline(attempt: Attempt) -> None:
    """The server's clock passes the attempt's deadline."""
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=clock.now() - dt.timedelta(hours=2),
        deadline_at=clock.now() - dt.timedelta(seconds=1),
    )


def test_the_draw_is_saved_with_the_attempt_and_comes_from_the_bank(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, _ = started(guangde, me)
    bank = set(Question.objects.filter(exam=guangde.exam).values_list("pk", flat=True))
    assert len(attempt.question_ids) == 5 == len(set(attempt.question_ids))
    assert set(attempt.question_ids) <= bank
    assert attempt.deadline_at - attempt.started_at == dt.timedelta(minutes=30)
    # Starting again (a second tab) gives the same attempt and the same questions.
    again = attempt_start(exam_id=guangde.exam.pk, active=me)
    assert again.pk == attempt.pk
    assert again.question_ids == attempt.question_ids


def test_each_attempt_draws_its_own_questions(guangde: World) -> None:
    """Four learners' draws of 5 of 12 questions (in order): the same draw four times
    would be a one in 10^13 chance."""
    draws = {tuple(started(guangde, guangde.learner()[1])[0].question_ids) for _ in range(4)}
    assert len(draws) > 1


def test_guangde_pass_mark_is_the_policys_60_with_its_clause(guangde: World) -> None:
    _, me = guangde.learner()
    guangde.exam.pass_mark = 90  # the exam's own is used only where the policy sets none
    guangde.exam.save()
    attempt, token = started(guangde, me)
    done = attempt_submit(
        attempt_id=attempt.pk, token=token, answers=answers(attempt, right=3), active=me
    )
    assert done.score == 60
    assert done.pass_mark == 60
    assert done.passed
    assert done.pass_mark_reference == "《关于开展2020年度专业技术人员继续教育工作的通知》 三(一)"


def test_below_the_pass_mark_fails_and_enters_nothing(guangde: World) -> None:
    person, me = guangde.learner()
    attempt, token = started(guangde, me)
    done = attempt_submit(
        attempt_id=attempt.pk, token=token, answers=answers(attempt, right=2), active=me
    )
    assert done.score == 40
    assert done.passed is False
    assert not HourRecord.objects.filter(professional=person).exists()


def test_guangdong_without_a_policy_pass_mark_uses_the_exams(guangdong: World) -> None:
    _, me = guangdong.learner(region="440500")
    attempt, token = started(guangdong, me)
    done = attempt_submit(
        attempt_id=attempt.pk, token=token, answers=answers(attempt, right=3), active=me
    )
    assert done.pass_mark == 60
    assert "政策未规定" in done.pass_mark_reference


def test_an_answer_for_a_question_not_drawn_refuses_everything(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    other = Question.objects.filter(exam=guangde.exam).exclude(pk__in=attempt.question_ids)
    stranger = other.first()
    assert stranger is not None
    given = answers(attempt) | {str(stranger.pk): "A"}
    for service in (attempt_submit, attempt_answers_save):
        with pytest.raises(ServiceError) as refused:
            service(attempt_id=attempt.pk, token=token, answers=given, active=me)
        assert "不属于本次考试抽到的试题" in refused.value.message
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.IN_PROGRESS
    assert attempt.answers == {}


def test_an_answer_that_is_not_an_option_is_refused(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    first = str(attempt.question_ids[0])
    with pytest.raises(ServiceError, match="不存在的选项"):
        attempt_answers_save(attempt_id=attempt.pk, token=token, answers={first: "Z"}, active=me)
    attempt.refresh_from_db()
    assert attempt.answers == {}


def test_a_tampered_token_or_someone_elses_attempt_is_refused(guangde: World) -> None:
    _, me = guangde.learner()
    _, other = guangde.learner()
    attempt, token = started(guangde, me)
    theirs, their_token = started(guangde, other)
    for attempt_id, tok, active in (
        (attempt.pk, token[:-2] + "xx", me),  # signature altered
        (theirs.pk, token, me),  # my token, their attempt
        (theirs.pk, their_token, me),  # their token, used by me
    ):
        with pytest.raises(ServiceError) as refused:
            attempt_submit(attempt_id=attempt_id, token=tok, answers={}, active=active)
        assert refused.value.message == TAMPERED
    for row in Attempt.objects.all():
        assert row.status == AttemptStatus.IN_PROGRESS
        assert row.answers == {}


def test_a_double_submit_is_refused_and_changes_nothing(guangde: World) -> None:
    person, me = guangde.learner()
    attempt, token = started(guangde, me)
    first = attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt), active=me)
    with pytest.raises(ServiceError) as refused:
        attempt_submit(
            attempt_id=attempt.pk, token=token, answers=answers(attempt, right=0), active=me
        )
    assert refused.value.message == CLOSED
    again = Attempt.objects.get(pk=attempt.pk)
    assert again.score == first.score == 100
    assert again.answers == first.answers
    assert HourRecord.objects.filter(professional=person).count() == 1


def test_after_the_deadline_the_server_scores_what_it_held_and_refuses_the_rest(
    guangde: World,
) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    given = answers(attempt)
    saved = dict(list(given.items())[:3])  # three right answers saved before time ran out
    attempt_answers_save(attempt_id=attempt.pk, token=token, answers=saved, active=me)
    _past_deadline(attempt)
    with pytest.raises(ServiceError) as refused:
        attempt_submit(attempt_id=attempt.pk, token=token, answers=given, active=me)
    assert refused.value.message == LATE
    closed = Attempt.objects.get(pk=attempt.pk)
    assert closed.status == AttemptStatus.TIMED_OUT
    assert closed.answers == saved
    assert closed.score == 60
    assert closed.passed
    with pytest.raises(ServiceError) as again:
        attempt_answers_save(attempt_id=attempt.pk, token=token, answers=given, active=me)
    assert again.value.message == LATE


def test_the_sweep_closes_attempts_past_their_deadline_only(guangde: World) -> None:
    _, me = guangde.learner()
    _, other = guangde.learner()
    late, _ = started(guangde, me)
    running, _ = started(guangde, other)
    _past_deadline(late)
    assert attempts_expire() == 1
    assert Attempt.objects.get(pk=late.pk).status == AttemptStatus.TIMED_OUT
    assert Attempt.objects.get(pk=late.pk).score == 0
    assert Attempt.objects.get(pk=running.pk).status == AttemptStatus.IN_PROGRESS


def test_the_attempts_cap_and_the_wait_between_attempts(guangde: World) -> None:
    guangde.exam.max_attempts = 2
    guangde.exam.retry_delay_minutes = 30
    guangde.exam.save()
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt, 0), active=me)
    with pytest.raises(ServiceError, match="至少间隔 30 分钟"):
        attempt_start(exam_id=guangde.exam.pk, active=me)
    Attempt.objects.filter(pk=attempt.pk).update(
        submitted_at=clock.now() - dt.timedelta(minutes=31)
    )
    second = attempt_start(exam_id=guangde.exam.pk, active=me)
    assert second.number == 2
    attempt_submit(attempt_id=second.pk, token=attempt_token(second), answers={}, active=me)
    Attempt.objects.filter(pk=second.pk).update(submitted_at=clock.now() - dt.timedelta(minutes=31))
    with pytest.raises(ServiceError, match="最多可考 2 次"):
        attempt_start(exam_id=guangde.exam.pk, active=me)
    assert Attempt.objects.filter(professional__user=me.assignment.user).count() == 2


def test_after_a_pass_no_further_attempt(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    attempt_submit(attempt_id=attempt.pk, token=token, answers=answers(attempt), active=me)
    with pytest.raises(ServiceError, match="已通过"):
        attempt_start(exam_id=guangde.exam.pk, active=me)


def test_an_exam_of_another_region_or_unpublished_is_not_open(guangde: World) -> None:
    _, elsewhere = guangde.learner(region="440500")
    with pytest.raises(ServiceError, match="未对您开放"):
        attempt_start(exam_id=guangde.exam.pk, active=elsewhere)
    guangde.exam.published = False
    guangde.exam.save()
    _, me = guangde.learner()
    with pytest.raises(ServiceError, match="未对您开放"):
        attempt_start(exam_id=guangde.exam.pk, active=me)


def test_a_bureau_cannot_sit_an_exam(guangde: World) -> None:
    with pytest.raises(ServiceError, match="专业技术人员本人"):
        attempt_start(exam_id=guangde.exam.pk, active=guangde.bureau)
    assert not Credit.objects.exists()


def test_the_exam_waits_until_the_server_judged_every_lesson_complete(guangde: World) -> None:
    person, me = guangde.learner()
    LessonProgress.objects.filter(user=person.user).update(completed_at=None)
    with pytest.raises(ServiceError, match=r"请先学完本课程的全部课时.*已完成 0/1"):
        attempt_start(exam_id=guangde.exam.pk, active=me)
    assert not Attempt.objects.exists()


def test_the_sweep_command_closes_what_is_due(guangde: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    _, me = guangde.learner()
    attempt, _ = started(guangde, me)
    _past_deadline(attempt)
    out = StringIO()
    call_command("exams_expire", stdout=out)
    assert out.getvalue().strip() == "已自动交卷 1 份答卷。"
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.TIMED_OUT
