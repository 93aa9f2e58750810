"""The demo as a newcomer meets it: each README role signs in, walks every page of its menu
under axe-core (no serious or critical violation), and does its main job; the professional's
pages fit a 360 px phone without sideways scrolling, their tables stacked into cards.

With ``XUESHI_SCREENSHOTS=DIR`` the walk also saves every page as each role sees it at
1280 px and at 360 px (``DIR/<role>/<page>-1280.png``, ``-360.png``) for a review by eye.

axe-core is vendored for the tests (tests/browser/vendor/axe.min.js, 4.14.1, MPL-2.0).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Browser
from xueshi.demo.load import demo_load
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "xueshi-demo-2026"
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
README = Path(__file__).resolve().parents[2] / "README.md"


def readme_roles() -> list[str]:
    """Every login of the README's demo table (its first column), in its order."""
    text = README.read_text(encoding="utf-8")
    table = text.split("### 演示账户")[1].split("\n### ")[0]
    names: list[str] = []
    for line in table.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and "`" in cells[1]:
            names += re.findall(r"`([a-z0-9-]+)`", cells[1])
    return names


PHONE = {"width": 360, "height": 780}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def demo(settings: Any) -> None:
    settings.XUESHI_DEMO = True
    demo_load()


def serious_violations(page: Any) -> list[str]:
    page.evaluate(AXE)
    found = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ' ' + v.nodes.map(n => n.target.join(' ')).join(', ')))"
    )
    return [f"{page.url}: {item}" for item in found]


def menu(page: Any) -> list[str]:
    return [
        str(href)
        for href in page.eval_on_selector_all(
            "nav.site-nav a", "links => links.map(a => a.getAttribute('href'))"
        )
    ]


def test_every_role_walks_its_menu_without_serious_accessibility_violations(
    browser: Browser, demo: None
) -> None:
    problems: list[str] = []
    visited = 0
    roles = readme_roles()
    assert {"st-linwei", "shantou-bureau", "shantou-academy", "guangde-bureau"} <= set(roles)
    shots = os.environ.get("XUESHI_SCREENSHOTS", "")
    for username in roles:
        page = browser.login(username, username, PASSWORD)
        assert "演示日期" in page.content()
        for href in menu(page):
            response = page.goto(href)
            assert response is not None
            assert response.status == 200, f"{username} {href}: {response.status}"
            problems += serious_violations(page)
            visited += 1
            if shots:
                screenshots(page, Path(shots) / username, href)
        page.context.close()
    assert visited > 40
    assert problems == []


def screenshots(page: Any, folder: Path, href: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^a-z0-9]+", "-", href.lower()).strip("-") or "home"
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{size['width']}.png"), full_page=True)
    page.set_viewport_size(DESKTOP)


def test_the_professionals_pages_fit_a_phone(browser: Browser, demo: None) -> None:
    page = browser.login("st-linwei", "st-linwei", PASSWORD)
    page.set_viewport_size(PHONE)
    for href in menu(page):
        page.goto(href)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{href} is {width} px wide on a 360 px phone"
    page.goto("/reporting/my-year/?year=2014")
    # The requirements table stacks: each cell names its column, the header is hidden.
    cell = page.locator("table.requirements tbody tr").first.locator("td").first
    assert cell.get_attribute("data-label") == "要求"
    head = page.locator("table.requirements thead").bounding_box()
    assert head is not None
    assert head["height"] <= 1
    # Dates stay on one line in every table.
    dates = page.locator("td.nowrap")
    assert dates.count() > 0
    box = dates.first.bounding_box()
    assert box is not None
    assert box["height"] < 40
    assert serious_violations(page) == []


def test_the_hospital_reviewer_approves_the_waiting_record_with_a_toast(
    browser: Browser, demo: None
) -> None:
    page = browser.login("reviewer", "shantou-hospital-reviewer", PASSWORD)
    page.locator("nav.site-nav").get_by_role("link", name="待我审核").click()
    row = page.locator("tr", has_text="基层卫生适宜技术推广培训班")
    row.get_by_role("button", name="通过").click()
    toast = page.locator("#toasts .toast")
    toast.wait_for()
    assert "黄敏" in toast.inner_text()
    record = HourRecord.objects.get(content="基层卫生适宜技术推广培训班")
    assert record.status == RecordState.IN_REVIEW  # on to the bureau, step 2 of 2
    assert record.step == 1


def test_the_academy_files_a_new_class_at_the_demo_date(browser: Browser, demo: None) -> None:
    page = browser.login("academy", "shantou-academy", PASSWORD)
    assert "2014-12-15" in page.locator(".demo-clock").inner_text()
    page.locator("nav.site-nav").get_by_role("link", name="培训班管理").click()
    page.goto("/training/provider/new/")
    page.fill("#id_title", "《新型城镇化实践与发展》公需科目培训班（2014年第四期）")
    page.select_option("#id_category", "public")
    page.select_option("#id_mode", "face_to_face")
    # 2014's notice: filed 10 days before it starts (its procedures end with 2014).
    page.fill("#id_start_date", "2014-12-29")
    page.fill("#id_end_date", "2014-12-31")
    page.fill("#id_hours", "20")
    page.fill("#id_capacity", "60")
    page.fill("#id_location", "汕头市行政学院")
    assert "form-control" in (page.get_attribute("#id_title", "class") or "")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    plan = ClassPlan.objects.get(title__contains="2014年第四期")
    page.get_by_role("button", name="提交备案").click()
    page.wait_for_load_state()
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED
    assert plan.filing_due == dt.date(2014, 12, 19)
