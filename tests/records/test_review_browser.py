"""In a real headless Chromium: the review queue updates a row in place (htmx), rejection asks
for confirmation, and the declaration form shows the chain of the year the dates name."""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client

from tests.records.conftest import World
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture
def browser(live_server: Any) -> Iterator[Any]:
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    threads_before = threading.active_count()
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield instance
        instance.close()
        # Playwright's greenlets give the test body its own context, hence its own database
        # connection (Django keeps them per context): close it, or it outlives the test DB.
        connections.close_all()
    # The live server answers each kept-alive browser connection in a thread that holds a
    # database connection until the socket closes; let those threads finish first.
    deadline = time.monotonic() + 10
    while threading.active_count() > threads_before and time.monotonic() < deadline:
        time.sleep(0.05)


def _page_as(browser: Any, live_server: Any, user: Any) -> Any:
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="zh-CN")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return context.new_page()


def test_a_reviewer_approves_and_rejects_rows_in_place(
    browser: Any, live_server: Any, world: World
) -> None:
    first = world.declare(content="第一次培训")
    second = world.declare(
        content="第二次培训",
        salt=b"2",
        start_date=dt.date(2014, 7, 7),
        end_date=dt.date(2014, 7, 13),
    )
    page = _page_as(browser, live_server, world.boss.assignment.user)
    page.goto(f"{live_server.url}/records/review/")
    queue_url = page.url

    row = page.locator(f"#record-{first.pk}")
    row.get_by_role("button", name="通过").click()
    row.get_by_text("已审核通过，待人社部门复核").wait_for()
    assert page.url == queue_url  # the row changed, the page did not
    assert HourRecord.objects.get(pk=first.pk).step == 1

    other = page.locator(f"#record-{second.pk}")
    page.once("dialog", lambda dialog: dialog.accept())
    other.get_by_role("textbox").fill("与专业无关")
    other.get_by_role("button", name="不予认定").click()
    other.get_by_text("已不予认定").wait_for()
    record = HourRecord.objects.get(pk=second.pk)
    assert (record.status, record.last_comment) == (RecordState.REJECTED, "与专业无关")


def test_the_declaration_form_follows_the_year_of_the_dates(
    browser: Any, live_server: Any, world: World
) -> None:
    """Shantou hours of 2014 go employer → bureau; of 2019 to the employer alone."""
    page = _page_as(browser, live_server, world.person.user)
    page.goto(f"{live_server.url}/records/declare/")
    page.fill("#id_end_date", "2014-06-08")
    page.locator("#id_end_date").dispatch_event("change")
    page.get_by_text("2014 年度适用的登记与审核流程").wait_for()
    assert "审核：用人单位 → 人力资源和社会保障部门" in page.inner_text("#category-block")
    page.fill("#id_end_date", "2019-06-08")
    page.locator("#id_end_date").dispatch_event("change")
    page.get_by_text("2019 年度适用的登记与审核流程").wait_for()
    block = page.inner_text("#category-block")
    assert "选修科目：由专业技术人员登记，审核：用人单位 （依据" in block
    assert "人力资源和社会保障部门" not in block.split("选修科目")[1]
