"""Journey: a Guangdong learner (2019, the province's public course) studies its lesson on a
phone (a short document, read until the server's heartbeats judge it complete), takes the
online exam, answers as the page saves each choice, submits, passes, and sees the course's
hours in 我的年度学时 — registered by the system at once, as Guangdong 2018 §三(一) says."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.exams.conftest import GUANGDONG_DAY, World, document_lesson, world_of
from tests.support.factories import UserFactory
from xueshi import clock
from xueshi.exams.models import Attempt, Question
from xueshi.learning.models import LessonProgress
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


READING_SECONDS = 8


def answer_every_question_right(page: Any, attempt: Attempt) -> dict[int, Question]:
    """Check the right options of each drawn question, each choice saved by the server."""
    questions = Question.objects.in_bulk(attempt.question_ids)
    for pk in attempt.question_ids:
        for letter in questions[pk].answer:
            with page.expect_response(lambda r: r.url.endswith("/save")) as reply:
                page.locator(f'input[name="q{pk}"][value="{letter}"]').check()
            assert reply.value.ok
    return questions


@pytest.fixture
def guangdong(settings: Any) -> World:
    settings.XUESHI_DEMO_DATE = GUANGDONG_DAY  # the live server's thread reads the settings
    settings.XUESHI_STUDY_HEARTBEAT_SECONDS = 5  # the player's shortest interval
    with clock.at(GUANGDONG_DAY):
        world = world_of("440000", 2019, GUANGDONG_DAY)
    document_lesson(world.course, title="新理念素养提升导读", seconds=READING_SECONDS)
    return world


def test_a_learner_passes_the_exam_on_a_phone_and_sees_the_hours(
    browser: Any, guangdong: World
) -> None:
    person, _ = guangdong.learner(region="440500", studied_days=0)
    user = person.user
    user.username = "wang-fang"
    user.save()
    assert UserFactory._meta.model.objects.filter(username="wang-fang").exists()
    page = browser.login("learner", "wang-fang", "pass-1234")
    page.set_viewport_size({"width": 375, "height": 800})
    page.on("dialog", lambda dialog: dialog.accept())

    # The lesson first: the exam is closed until the server judges it complete.
    page.goto(f"/learning/courses/{guangdong.course.pk}/")
    page.get_by_role("link", name="1. 新理念素养提升导读").click()
    page.get_by_role("button", name="开始阅读计时").click()
    page.wait_for_selector("#study-status:has-text('本课时已学完')", timeout=40_000)
    assert LessonProgress.objects.get(user=user).completed_at is not None

    page.goto("/exams/")
    page.get_by_role("link", name=guangdong.exam.title).click()
    assert "合格分数：60 分" in page.inner_text("main")
    assert "已学完 1/1 个课时" in page.inner_text("main")
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url("**/exams/attempts/*/")
    attempt = Attempt.objects.get(professional=person)
    questions = answer_every_question_right(page, attempt)
    assert page.inner_text("#save-status") == "已保存"
    saved = Attempt.objects.get(pk=attempt.pk).answers
    assert saved == {str(pk): questions[pk].answer for pk in attempt.question_ids}
    # The page fits a phone: nothing wider than the screen.
    box = page.locator("form[data-attempt]").bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= 375
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#score")
    assert "100.0 分" in page.inner_text("#score")
    assert "已登记" in page.inner_text("#credit")

    page.get_by_role("link", name="查看我的年度学时").click()
    page.wait_for_url("**/my-year/**")
    text = page.inner_text("main")
    assert "30" in text
    record = HourRecord.objects.get(professional=person)
    assert record.status == RecordState.APPROVED
    assert record.credited_year == 2019
    assert record.end_date == dt.date(2019, 6, 3)
