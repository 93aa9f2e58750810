"""The three notices' online routes, each walked end to end in the demo by its roles (issue 11),
in headless Chromium. The route is the region's policy (``online_exam.review``, with its
clause), never a branch in code:

- Guangdong 2018 §三(一): a Shantou engineer plays the province's lessons, passes the exam,
  and the system registers the hours at once;
- Kaifeng 2016 §二1(2): a Kaifeng engineer studies the network base's course and passes; the
  learning record and the pass certificate (成绩单) go to the bureau, which checks the
  certificate from its queue and approves;
- Guangde 2020 §二(一), §三(一): a nurse passes at ≥ 60, prints the 成绩单, and the bureau
  verifies it from its queue (核验成绩单) before the hours count.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.browser.conftest import Browser
from tests.browser.test_demo_roles import PASSWORD
from tests.browser.test_journey_exam import answer_every_question_right
from xueshi.demo.load import demo_load
from xueshi.exams.models import Attempt, Credit, Exam, Transcript
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GUANGDONG_COURSE = "《新发展理念与高质量发展》（网络课程）"
KAIFENG_COURSE = "《“十三五”规划与创新驱动发展》（网络培训）"
GUANGDE_COURSE = "《新时代专业技术人员新理念素养提升》（网络课程）"


@pytest.fixture
def demo(settings: Any) -> Any:
    settings.XUESHI_DEMO = True
    settings.XUESHI_STUDY_HEARTBEAT_SECONDS = 5
    demo_load()
    return settings


def study_and_pass(browser: Browser, username: str, course: str, year: int) -> Attempt:
    """The learner plays every lesson at normal speed until the server judges it complete,
    then takes the exam, answering each drawn question right, and submits."""
    page = browser.login(username, username, PASSWORD)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"/learning/?year={year}")
    page.get_by_text(course).first.click()
    lessons = page.locator("a[href*='/learning/lessons/']:not([href*='trail'])")
    hrefs = [lessons.nth(i).get_attribute("href") for i in range(lessons.count())]
    for href in dict.fromkeys(hrefs):
        page.goto(str(href))
        page.locator("#lesson-video").evaluate("v => { v.muted = true; return v.play(); }")
        page.locator("#study-status", has_text="本课时已学完").wait_for(timeout=45_000)
    exam = Exam.objects.get(course__title=course)
    page.goto("/exams/")
    page.get_by_role("link", name=exam.title).first.click()
    page.get_by_role("button", name="开始考试").click()
    page.wait_for_url("**/exams/attempts/*/")
    attempt = Attempt.objects.get(exam=exam, professional__user__username=username)
    answer_every_question_right(page, attempt)
    page.get_by_role("button", name="交卷").click()
    page.wait_for_selector("#score")
    assert "100.0 分" in page.inner_text("#score")
    attempt.refresh_from_db()
    assert attempt.passed
    return attempt


def print_transcript(browser: Browser, username: str, attempt: Attempt) -> Transcript:
    """打印成绩单: the result page's form, posted as the learner (the PDF comes back)."""
    page = browser.pages[username]
    csrf = page.locator("form[action$='/transcript/'] input[name=csrfmiddlewaretoken]")
    response = page.request.post(
        f"/exams/attempts/{attempt.pk}/transcript/",
        form={"csrfmiddlewaretoken": str(csrf.get_attribute("value"))},
        headers={"Referer": page.url},
    )
    assert response.ok
    assert response.body().startswith(b"%PDF")
    return Transcript.objects.get(attempt=attempt)


def bureau_verifies(
    browser: Browser, bureau: str, record: HourRecord, transcript: Transcript
) -> None:
    """The bureau finds the record in 待我审核, opens 核验成绩单 from its row, sees the
    transcript's result on the verification page, then approves the record on its page."""
    page = browser.login(bureau, bureau, PASSWORD)
    page.goto(f"/records/review/?year={record.credited_year}")
    row = page.locator(f"#record-{record.pk}")
    assert transcript.number in row.inner_text()
    row.get_by_role("link", name="核验成绩单").click()
    page.wait_for_url("**/certificates/verify/**")
    shown = page.inner_text("main")
    assert transcript.number in shown
    assert "考试合格" in shown
    assert "学时待人社部门验证登记" in shown
    # The record's page: the 成绩单 again, and any flag the integrity checks raised (a
    # 30-hour course learnt in a day) cleared with a comment before the record is approved.
    page.goto(f"/records/{record.pk}/")
    assert transcript.number in page.inner_text("#record-documents")
    for _ in range(page.locator("form.flag-clear").count()):
        form = page.locator("form.flag-clear").first
        form.locator("input[name=comment]").fill("已核对成绩单与网络学习记录，考试合格")
        form.get_by_role("button", name="核实排除").click()
        page.wait_for_load_state()
    page.locator("form.review-form").get_by_role("button", name="审核通过").click()
    page.wait_for_load_state()
    record.refresh_from_db()
    assert record.status == RecordState.APPROVED


def credited_record(attempt: Attempt) -> HourRecord:
    return HourRecord.objects.get(pk=Credit.objects.get(attempt=attempt).record_id)


def test_each_notices_online_route_end_to_end(browser: Browser, demo: Any) -> None:
    # The demo's own learner of each route has walked it already (README's table).
    assert credited_record(Attempt.objects.get(professional__user__username="st-huangli"))
    for username in ("kf-zhaolei", "gde-liqiang"):
        waiting = credited_record(Attempt.objects.get(professional__user__username=username))
        assert waiting.status == RecordState.IN_REVIEW
        assert waiting.next_reviewer_role == "bureau"

    # Guangdong 2018 §三(一): registered by the system when the learning is complete.
    demo.XUESHI_DEMO_DATE = dt.date(2020, 11, 16)
    attempt = study_and_pass(browser, "st-linwei", GUANGDONG_COURSE, 2020)
    page = browser.pages["st-linwei"]
    assert "已登记" in page.inner_text("#credit")
    record = credited_record(attempt)
    assert record.status == RecordState.APPROVED
    assert "三(一)" in record.chain["reference"]
    page.get_by_role("link", name="查看我的年度学时").click()
    page.wait_for_url("**/my-year/**")
    assert record.content in page.inner_text("main")

    # Kaifeng 2016 §二1(2): the platform's record and pass certificate, reviewed by the bureau.
    demo.XUESHI_DEMO_DATE = dt.date(2016, 8, 11)
    attempt = study_and_pass(browser, "kf-liuyang", KAIFENG_COURSE, 2016)
    assert "人社部门验证登记" in browser.pages["kf-liuyang"].inner_text("#credit")
    record = credited_record(attempt)
    assert record.status == RecordState.IN_REVIEW
    assert "二1(2)" in record.chain["reference"]
    transcript = print_transcript(browser, "kf-liuyang", attempt)
    bureau_verifies(browser, "kaifeng-bureau", record, transcript)

    # Guangde 2020 §三(一): pass at 60, print the 成绩单, the bureau verifies it.
    demo.XUESHI_DEMO_DATE = dt.date(2020, 11, 16)
    attempt = study_and_pass(browser, "gde-yangxue", GUANGDE_COURSE, 2020)
    assert attempt.pass_mark == 60
    record = credited_record(attempt)
    assert record.status == RecordState.IN_REVIEW
    assert "三(一)" in record.chain["reference"]
    transcript = print_transcript(browser, "gde-yangxue", attempt)
    bureau_verifies(browser, "guangde-bureau", record, transcript)
