"""A policy figure changes and the policy is reloaded (issue 9, "done when"): no bureau page
shows the ledger's old figures without saying so, the system check warns, ``xueshi policy
sync`` queues one rebuild per year (a second run queues nothing), and once a task worker has
run it the pages show the new figures and say nothing more."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.exports import export_download
from tests.support.factories import EmployerFactory, UserFactory, grant
from tests.support.policy import PolicyCopy
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance.checks import ledger_policy_current
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.compliance.tasks import year_end_start
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.policy_store import current_policy

BUREAU_URL = reverse("reporting:bureau_compliance")
BUREAU_XLSX = reverse("reporting:bureau_compliance_xlsx")
EMPLOYER_URL = reverse("reporting:employer_compliance")
DATABASE_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
IMMEDIATE_BACKEND = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
STALE = 'id="ledger-stale"'


def _summary(content: str) -> dict[str, str]:
    """The page's summary figures by their label (人员, 已达标, 未达标…)."""
    block = content[content.index('id="summary"') :]
    block = block[: block.index("</div>\n</div>") + 6]
    return dict(re.findall(r"<div>([^<]+)<strong>([^<]+)</strong></div>", block))


def _names(content: str) -> set[str]:
    """The people listed in the page's drill-down."""
    return set(
        re.findall(r"<tr[^>]*data-person[^>]*>\s*<td>(?:<a [^>]*>)?([^<]+)(?:</a>)?</td>", content)
    )


def _get(client: Client, url: str, **params: Any) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _pages(client: Client, bureau: Any, employer_admin: Any) -> dict[str, str]:
    """Every page that shows 2014's ledger figures: the bureau's report, its drill-downs
    (by series, by status, a unit) and the employer's report."""
    client.force_login(bureau)
    pages = {
        "bureau": _get(client, BUREAU_URL, year=2014),
        "series": _get(client, BUREAU_URL, year=2014, series="engineering"),
        "status": _get(client, BUREAU_URL, year=2014, status="not_compliant"),
        "region": _get(client, BUREAU_URL, year=2014, region="440500"),
    }
    client.force_login(employer_admin)
    pages["employer"] = _get(client, EMPLOYER_URL, year=2014)
    return pages


def _export_notice(client: Client, bureau: Any) -> list[list[Any]] | None:
    client.force_login(bureau)
    data = export_download(client, BUREAU_XLSX, {"year": 2014})
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    if "注意" not in book.sheet_names:
        return None
    return book.get_sheet_by_name("注意").to_python()


@pytest.fixture
def shantou(make_person: Any, make_record: Any) -> dict[str, Any]:
    """Two engineers in Shantou for 2014: one with 20/42/12 hours (complete under the policy
    as written), one short; the year's ledger opened under that policy."""
    employer = EmployerFactory(region_id="440500", name="汕头市测试设计院")
    complete = make_person(employer=employer, full_name="张合格")
    for category, hours in (("public", 20), ("professional", 42), ("elective", 12)):
        make_record(complete, category, hours)
    short = make_person(employer=employer, full_name="李欠缺")
    make_record(short, "public", 20)
    ledger_rebuild(year=2014)
    bureau, employer_admin = UserFactory(), UserFactory()
    grant(bureau, Role.BUREAU_STAFF, region_id="440500")
    grant(employer_admin, Role.EMPLOYER_ADMIN, employer=employer)
    return {"bureau": bureau, "employer_admin": employer_admin}


@pytest.mark.django_db(transaction=True)  # the task worker runs the rebuild in its own transactions
def test_a_changed_policy_figure_is_never_shown_as_the_ledgers_current_figure(
    client: Client, shantou: dict[str, Any], settings: Any, tmp_path: Path
) -> None:
    policy = PolicyCopy(settings, tmp_path / "policy")
    bureau, employer_admin = shantou["bureau"], shantou["employer_admin"]
    before = current_policy().version
    year_end = year_end_start(region_code="440500", year=2014, requested_by=bureau)
    assert year_end.result["policy_version"] == before

    pages = _pages(client, bureau, employer_admin)
    assert not any(STALE in page for page in pages.values())
    assert _summary(pages["bureau"])["已达标"] == "1"
    assert _export_notice(client, bureau) is None
    assert ledger_policy_current(databases=["default"]) == []

    # Shantou's elective hours from 2014: 12 → 20. 张合格's 12 elective hours fall short.
    policy.set("440500", "hours.elective", "2014-01-01", "12", "20")
    after = current_policy().version
    assert after != before

    # Before anything is rebuilt, every page says its figures are the old policy's.
    notice = f"本年度台账按旧版政策（版本 {before}）计算，尚未重建"
    pages = _pages(client, bureau, employer_admin)
    for name, page in pages.items():
        assert STALE in page, name
        assert notice in page, name
        assert f"现行政策（版本 {after}）" in page, name
    # … the old figures, with the notice.
    assert _summary(pages["bureau"])["已达标"] == "1"
    assert _names(pages["status"]) == {"李欠缺"}
    export = _export_notice(client, bureau)
    assert export is not None
    assert notice in export[1][0]
    job_page = _get(client, reverse("jobs:detail", args=[year_end.pk]))
    assert 'id="job-policy-outdated"' in job_page
    assert f"旧版政策（版本 {before}）" in job_page

    [warning] = ledger_policy_current(databases=["default"])
    assert warning.id == "xueshi.C002"
    assert f"2014 under {before}" in warning.msg
    assert f"in force ({after})" in warning.msg
    assert "xueshi policy sync" in (warning.hint or "")

    # Loading the policy queues a rebuild, once: for the task workers.
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    call_command("policy", "sync", stdout=io.StringIO())
    [job] = Job.objects.filter(kind=JobKind.LEDGER_REBUILD)
    assert (job.status, job.year, job.params) == (
        JobStatus.QUEUED,
        2014,
        {"policy_version": after},
    )
    call_command("policy", "sync", stdout=io.StringIO())
    assert Job.objects.filter(kind=JobKind.LEDGER_REBUILD).count() == 1
    for name, page in _pages(client, bureau, employer_admin).items():
        assert f"已排队重建（任务 {job.pk}）" in page, name
    [warning] = ledger_policy_current(databases=["default"])
    assert f"job {job.pk}" in warning.msg

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert set(
        AuditEvent.objects.filter(target_id=str(job.pk)).values_list("action", flat=True)
    ) == {"job_start", "job_run", "job_done"}
    assert AuditEvent.objects.filter(action="ledger_rebuild", policy_version=after).exists()
    assert LedgerYear.objects.get(year=2014).policy_version == after
    assert not PersonYear.objects.exclude(policy_version=after).exists()

    # The new figures, and nothing more to say.
    pages = _pages(client, bureau, employer_admin)
    assert not any(STALE in page for page in pages.values())
    assert _summary(pages["bureau"])["已达标"] == "0"
    assert _summary(pages["bureau"])["未达标"] == "2"
    assert _names(pages["status"]) == {"张合格", "李欠缺"}
    assert _export_notice(client, bureau) is None
    assert ledger_policy_current(databases=["default"]) == []
    call_command("policy", "sync", stdout=io.StringIO())
    assert Job.objects.filter(kind=JobKind.LEDGER_REBUILD).count() == 1

    # The year-end result of before stays what it was, and says so; a new one is current.
    client.force_login(bureau)
    assert 'id="job-policy-outdated"' in _get(client, reverse("jobs:detail", args=[year_end.pk]))
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    }
    again = year_end_start(region_code="440500", year=2014, requested_by=bureau)
    assert again.result["compliant"] == 0
    assert 'id="job-policy-outdated"' not in _get(client, reverse("jobs:detail", args=[again.pk]))
