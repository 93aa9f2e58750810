"""统计图表 in headless Chromium: the vendored ECharts draws every chart (a canvas in each
box) under the content security policy, with no script error and nothing refused."""

from __future__ import annotations

from typing import Any

import pytest

from tests.records.test_review_browser import _page_as, browser  # noqa: F401
from tests.reporting.test_charts import ledger  # noqa: F401
from tests.support.factories import UserFactory, grant
from xueshi.accounts.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_every_chart_is_drawn(browser: Any, live_server: Any, ledger: dict[str, Any]) -> None:  # noqa: F811
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    page = _page_as(browser, live_server, bureau.assignment.user)
    errors: list[str] = []
    # Script errors and content-security-policy refusals (the favicon's 404 is no concern).
    page.on("console", lambda m: errors.append(m.text) if "Refused" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/reporting/bureau/charts/?year=2014")
    page.wait_for_selector('[data-chart="backlog"][data-drawn="true"]')
    for name in ("trend", "by_region", "by_series", "by_title", "backlog", "review_time", "online"):
        assert page.locator(f'[data-chart="{name}"] canvas').count() >= 1, name
    assert errors == []
