"""Journey: a Shantou bureau drafts its 2025 notice by the form — its 2014 notice's three
categories and figures (public 20, professional 42, elective 12) with the total raised from
72 to 90 hours, where 2025 is otherwise judged by the national rules —
previews its impact in the background (the job page shows it queued and its progress, then
the result beside the policy in force), publishes it, and sees the dashboard follow once the
worker has rebuilt the ledger — in a real browser, with the database task backend and the
worker run by the test (``db_worker --batch``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from tests.policies.conftest import approved
from tests.support.factories import EmployerFactory, ProfessionalFactory, UserFactory, grant
from tests.support.factories import regions as mirror_regions
from xueshi.accounts.models import Role
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.policies.models import PolicyPublication
from xueshi.policy_store import current_policy

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATABASE_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
CLAUSE = "当年度参加继续教育累计不少于90学时。"
FIGURES = (
    ("hours_public", "20", "二(一)", "公需科目培训时间为20学时。"),
    ("hours_professional", "42", "二(二)", "专业科目培训时间应不少于42学时。"),
    ("hours_elective", "12", "二(三)", "选修科目培训时间应不少于12学时。"),
)


@pytest.fixture
def shantou_2025(settings: Any) -> None:
    """Four Shantou engineers with their 2025 hours — two with 20 + 58 + 12 (short under the
    national rules, met by the notice), one with 30 + 60 and no elective (the reverse), one
    with 10 — the 2025 ledger open, and jobs queued in the database for a worker."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    mirror_regions()
    grant(UserFactory(username="st-bureau-staff"), Role.BUREAU_STAFF, region_id="440500")
    design = EmployerFactory(name="汕头市建筑设计院")
    people = (
        ("林伟", (20, 58, 12)),
        ("郑宇", (20, 58, 12)),
        ("陈静", (30, 60, 0)),
        ("吴昊", (10, 0, 0)),
    )
    for name, hours in people:
        person = ProfessionalFactory(full_name=name, employer=design)
        for category, amount in zip(("public", "professional", "elective"), hours, strict=True):
            if amount:
                approved(person, category, amount)
    ledger_rebuild(year=2025)


def _worker() -> None:
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def _summary(page: Any) -> str:
    page.goto("/reporting/bureau/?year=2025")
    return " ".join(page.inner_text("#summary").split())


def test_a_bureau_drafts_previews_and_publishes_its_2025_notice(
    browser: Any, shantou_2025: None
) -> None:
    page = browser.login("bureau", "st-bureau-staff", "pass-1234")
    assert _summary(page) == "人员 4 有要求 4 已达标 1 未达标 3 达标率 25.0%"

    # 1. The notice by the form: each figure with its section and clause.
    page.locator("nav.site-nav").get_by_role("link", name="政策发布").click()
    page.get_by_role("link", name="起草新通知").click()
    form = page.locator("#notice-form")
    form.get_by_label("适用年度").fill("2025")
    form.get_by_label("文件标题").fill("关于做好2025年度汕头市专业技术人员继续教育工作的通知")
    form.get_by_label("发文日期").fill("2024-12-20")
    form.locator("#id_hours_total_value").fill("90")
    form.locator("#id_hours_total_section").fill("二")
    form.locator("#id_hours_total_clause").fill(CLAUSE)
    for value in ("public", "professional", "elective"):
        form.locator(f"#categories-row input[value={value}]").check()
    form.locator("#id_categories_section").fill("二")
    form.locator("#id_categories_clause").fill("分为公需科目、专业科目和选修科目等三类。")
    for key, hours, section, clause in FIGURES:
        form.locator(f"#id_{key}_value").fill(hours)
        form.locator(f"#id_{key}_section").fill(section)
        form.locator(f"#id_{key}_clause").fill(clause)
    form.get_by_role("button", name="保存草稿").click()
    page.locator("#draft-years").wait_for()
    assert page.inner_text("#draft-years") == "2025"

    # 2. The preview runs in the background: queued, with its progress bar, until a worker
    # takes it; then the page turns to the result.
    page.get_by_role("button", name="预估影响（后台任务）").click()
    assert page.inner_text("#job-status") == "排队中"
    assert page.locator("#job-progress").count() == 1
    _worker()
    preview = Job.objects.get(kind=JobKind.POLICY_PREVIEW)
    assert (preview.status, preview.done, preview.total) == (JobStatus.DONE, 4, 4)
    page.wait_for_url("**/policies/drafts/*/preview/*/")
    assert page.inner_text("#compliant-before") == "1"
    assert page.inner_text("#compliant-after") == "2"
    assert page.inner_text("#impact-changed") == "结论改变 3 人次：转为达标 2，转为未达标 1。"
    sample = page.locator("#impact-sample")
    lin = sample.locator("tr", has_text="林伟").inner_text()
    assert "未达标 → 已达标" in lin
    assert "专业科目：现行不少于 60（尚缺 2），草稿不少于 42（尚缺 0）" in lin
    chen = sample.locator("tr", has_text="陈静").inner_text()
    assert "已达标 → 未达标" in chen
    assert "选修科目：现行不少于 —（尚缺 0），草稿不少于 12（尚缺 12）" in chen
    assert "汕头市建筑设计院" in page.inner_text("#by-employer")

    # 3. Publish (the page asks to confirm).
    page.get_by_role("link", name="返回草稿").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="发布").click()
    page.locator("#policy-version").wait_for()
    assert "（即现行版本）" in page.inner_text("#policy-version")
    publication = PolicyPublication.objects.get()
    assert publication.policy_version == current_policy().version

    # 4. Until the worker has rebuilt the ledger the dashboard says so; then it follows.
    _summary(page)
    assert "已排队重建" in page.inner_text("#ledger-stale")
    _worker()
    assert LedgerYear.objects.get(year=2025).policy_version == publication.policy_version
    assert _summary(page) == "人员 4 有要求 4 已达标 2 未达标 2 达标率 50.0%"
    assert page.locator("#ledger-stale").count() == 0
