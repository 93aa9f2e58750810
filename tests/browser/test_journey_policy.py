"""Journey: a Shantou bureau drafts its 2025 notice raising the total to 90 hours by the form,
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


@pytest.fixture
def shantou_2025(settings: Any) -> None:
    """Three Shantou engineers with their 2025 hours (74, 90 and 10), the 2025 ledger open,
    and jobs queued in the database for a worker."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    mirror_regions()
    grant(UserFactory(username="st-bureau-staff"), Role.BUREAU_STAFF, region_id="440500")
    design = EmployerFactory(name="汕头市建筑设计院")
    for name, hours in (("林伟", (20, 42, 12)), ("陈静", (20, 50, 20)), ("吴昊", (10, 0, 0))):
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
    assert _summary(page) == "人员 3 有要求 3 已达标 2 未达标 1 达标率 66.7%"

    # 1. The notice by the form: the total raised to 90, with its section and clause.
    page.locator("nav.site-nav").get_by_role("link", name="政策发布").click()
    page.get_by_role("link", name="起草新通知").click()
    form = page.locator("#notice-form")
    form.get_by_label("适用年度").fill("2025")
    form.get_by_label("文件标题").fill("关于做好2025年度汕头市专业技术人员继续教育工作的通知")
    form.get_by_label("发文日期").fill("2024-12-20")
    form.locator("#id_hours_total_value").fill("90")
    form.locator("#id_hours_total_section").fill("二")
    form.locator("#id_hours_total_clause").fill(CLAUSE)
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
    assert (preview.status, preview.done, preview.total) == (JobStatus.DONE, 3, 3)
    page.wait_for_url("**/policies/drafts/*/preview/*/")
    assert page.inner_text("#compliant-before") == "2"
    assert page.inner_text("#compliant-after") == "1"
    assert page.inner_text("#impact-changed") == "结论改变 1 人次：转为达标 0，转为未达标 1。"
    sample = page.inner_text("#impact-sample")
    assert "林伟" in sample
    assert "已达标 → 未达标" in sample
    assert "总学时：现行不少于 72（尚缺 0），草稿不少于 90（尚缺 16）" in sample
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
    assert _summary(page) == "人员 3 有要求 3 已达标 1 未达标 2 达标率 33.3%"
    assert page.locator("#ledger-stale").count() == 0
