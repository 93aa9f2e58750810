"""A learner on a 360 px phone plays the demo's generated video lesson at normal speed: the
page asks the server for heartbeat tokens, the server credits the time it saw pass and
decides that the lesson is complete; the trail explains each credited second."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Browser
from tests.browser.test_demo_roles import PASSWORD, serious_violations
from xueshi.demo.load import demo_load
from xueshi.learning.models import Heartbeat, LessonProgress

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}


@pytest.fixture
def demo(settings: Any) -> None:
    settings.XUESHI_DEMO = True
    settings.XUESHI_STUDY_HEARTBEAT_SECONDS = 5
    demo_load()


def test_a_learner_plays_a_lesson_on_a_phone_and_the_server_credits_it(
    browser: Browser, demo: None
) -> None:
    page = browser.login("st-linwei", "st-linwei", PASSWORD)
    page.set_viewport_size(PHONE)
    page.goto("/learning/?year=2020")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.get_by_text("《新发展理念与高质量发展》（网络课程）").click()
    page.get_by_text("第一讲 新发展理念").click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert serious_violations(page) == []
    page.locator("#lesson-video").evaluate("v => { v.muted = true; return v.play(); }")
    page.locator("#study-status", has_text="本课时已学完").wait_for(timeout=40_000)
    progress = LessonProgress.objects.get(user__username="st-linwei", lesson__order=1)
    assert progress.completed_at is not None
    assert 11.0 <= progress.credited_seconds <= 12.0
    beats = Heartbeat.objects.filter(session__user__username="st-linwei")
    assert sum(b.credited_seconds for b in beats) == pytest.approx(progress.credited_seconds)
    page.get_by_text("学习时长明细").click()
    assert "正常播放，按实际经过时间认定" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
