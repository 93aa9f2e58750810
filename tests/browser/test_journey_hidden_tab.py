"""A hidden page earns nothing (issue 11: credit "while the lesson is … visible"; ADR 0017).

The server cannot see the page: the browser reports whether it was visible. The player
reports the visible stretch when the page is hidden, sends nothing while it stays hidden,
and its first heartbeat once shown again says the stretch was hidden, so the server credits
nothing for it. Here a learner reads a document lesson, switches away for a while (the
page's visibility set as a browser sets it on switching tabs), comes back and reads on."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.exams.conftest import GUANGDONG_DAY, World, document_lesson, world_of
from xueshi import clock
from xueshi.learning.models import Heartbeat, LessonProgress
from xueshi.rules.study import CreditReason

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HIDDEN_SECONDS = 12

SET_VISIBILITY = """state => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
  Object.defineProperty(document, "hidden", {configurable: true, get: () => state === "hidden"});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def reading(settings: Any) -> World:
    settings.XUESHI_DEMO_DATE = GUANGDONG_DAY
    settings.XUESHI_STUDY_HEARTBEAT_SECONDS = 5
    with clock.at(GUANGDONG_DAY):
        world = world_of("440000", 2019, GUANGDONG_DAY)
    document_lesson(world.course, title="长篇导读", seconds=600)
    return world


def _beats(username: str) -> list[Heartbeat]:
    return list(
        Heartbeat.objects.filter(session__user__username=username).order_by("received_at", "id")
    )


def test_the_time_a_page_is_hidden_earns_nothing(browser: Any, reading: World) -> None:
    person, _ = reading.learner(region="440500", studied_days=0)
    user = person.user
    page = browser.login("learner", user.username, "pass-1234")
    page.goto(f"/learning/courses/{reading.course.pk}/")
    page.get_by_role("link", name="1. 长篇导读").click()
    page.get_by_role("button", name="开始阅读计时").click()
    page.locator("#study-status", has_text="正常播放").wait_for(timeout=20_000)
    seen_before = len(_beats(user.username))
    assert seen_before >= 1

    started_hidden = time.monotonic()
    page.evaluate(SET_VISIBILITY, "hidden")
    page.wait_for_timeout(HIDDEN_SECONDS * 1000)
    hidden_for = time.monotonic() - started_hidden
    while_hidden = _beats(user.username)[seen_before:]
    # One heartbeat on hiding (the stretch before it was seen), none while hidden.
    assert len(while_hidden) == 1
    assert while_hidden[0].visible is True

    page.evaluate(SET_VISIBILITY, "visible")
    page.locator("#study-status", has_text="页面不可见").wait_for(timeout=20_000)
    after = _beats(user.username)[seen_before + 1 :]
    gap = after[0]
    assert gap.visible is False
    assert gap.reason == CreditReason.HIDDEN.value
    assert gap.credited_seconds == 0
    assert gap.elapsed_seconds >= HIDDEN_SECONDS - 1  # the whole hidden stretch, earning 0
    # Reading on earns again; nothing of the hidden stretch was ever credited.
    page.locator("#study-status", has_text="正常播放").wait_for(timeout=20_000)
    progress = LessonProgress.objects.get(user=user)
    beats = _beats(user.username)
    credited = sum(b.credited_seconds for b in beats)
    assert credited == pytest.approx(progress.credited_seconds)
    visible_time = sum(b.elapsed_seconds for b in beats if b.visible)
    assert credited <= visible_time
    assert sum(b.elapsed_seconds for b in beats) - credited >= hidden_for - 1
