"""A ledger that knows it is stale: which open years were built under another policy version
(``stale_years``), the system check that says so (``xueshi.C002``) without failing where the
database cannot answer, the rebuild job queued once per year and version, and the commands
that run after a deploy (``xueshi policy status|sync``)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection

from tests.support.factories import ProfessionalFactory, regions
from tests.support.policy import PolicyCopy
from xueshi.compliance import checks
from xueshi.compliance.ledger_selectors import stale_years, year_stale
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.services import ledger_rebuild, ledger_refresh
from xueshi.compliance.tasks import ledger_rebuild_stale, ledger_rebuild_start, ledger_rebuild_task
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.policy_store import current_policy

DATABASE_BACKEND = {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}


@pytest.fixture
def policy(settings: Any, tmp_path: Path) -> PolicyCopy:
    return PolicyCopy(settings, tmp_path / "policy")


@pytest.fixture
def opened(db: None, policy: PolicyCopy) -> list[int]:
    """Two Shantou engineers, 2014 and 2015 opened under the policy as written."""
    regions()
    ProfessionalFactory.create_batch(2, region_id="440500")
    ledger_rebuild(year=2014)
    ledger_rebuild(year=2015)
    return [2014, 2015]


def _change(policy: PolicyCopy, new: str = "20") -> str:
    """Shantou's elective hours from 2014 become ``new``; the new version."""
    policy.set("440500", "hours.elective", "2014-01-01", "12", new)
    return current_policy().version


def _queued() -> list[Job]:
    return list(Job.objects.filter(kind=JobKind.LEDGER_REBUILD).order_by("pk"))


def test_years_built_under_the_policy_in_force_are_not_stale(opened: list[int]) -> None:
    assert stale_years() == []
    assert stale_years(rows=True) == []
    assert year_stale(2014) is None
    assert year_stale(2013) is None  # never opened: the pages evaluate it live


def test_after_a_policy_change_every_open_year_is_stale(
    opened: list[int], policy: PolicyCopy
) -> None:
    before = current_policy().version
    after = _change(policy)
    found = stale_years()
    assert [(s.year, s.built_under, s.in_force, s.rebuild_job) for s in found] == [
        (2014, before, after, None),
        (2015, before, after, None),
    ]
    assert found[0].notice == (
        f"本年度台账按旧版政策（版本 {before}）计算，尚未重建（请系统管理员运行 xueshi policy "
        f"sync）；当前数字可能与现行政策（版本 {after}）不符。"
    )
    # With the rows: the regions whose rows were computed under the old version.
    assert [s.rows for s in stale_years(rows=True)] == [(("440500", 2),), (("440500", 2),)]


def test_rows_written_under_another_version_make_a_rebuilt_year_stale(
    opened: list[int], policy: PolicyCopy
) -> None:
    """A process still on the old policy during a rolling restart refreshes a row after the
    rebuild: the year's own version is current, one of its rows is not."""
    _change(policy)
    ledger_rebuild(year=2014)
    person = PersonYear.objects.filter(year=2014).first()
    assert person is not None
    PersonYear.objects.filter(pk=person.pk).update(policy_version="sha256:old")
    assert [s.year for s in stale_years()] == [2015]  # what a page reads: cheap
    [stale_2014, _] = stale_years(rows=True)
    assert (stale_2014.year, stale_2014.rows) == (2014, (("440500", 1),))
    assert "本年度台账有 1 行按旧版政策计算" in stale_2014.notice
    ledger_refresh(professional_id=person.professional_id)  # the new code writes the new version
    assert [s.year for s in stale_years(rows=True)] == [2015]


def test_the_check_names_the_stale_years_and_the_fix(opened: list[int], policy: PolicyCopy) -> None:
    before = current_policy().version
    assert checks.ledger_policy_current(databases=["default"]) == []
    after = _change(policy)
    [warning] = checks.ledger_policy_current(databases=["default"])
    assert warning.id == "xueshi.C002"
    assert f"2014, 2015 under {before}" in warning.msg
    assert f"in force ({after})" in warning.msg
    assert "xueshi policy sync" in (warning.hint or "")


def test_the_check_reads_no_database_unless_asked(
    opened: list[int], policy: PolicyCopy, django_assert_num_queries: Any
) -> None:
    """Django passes databases to the checks of ``migrate`` and ``check --database``; the
    other commands (``runserver``, ``collectstatic`` on a build machine) touch none."""
    _change(policy)
    with django_assert_num_queries(0):
        assert checks.ledger_policy_current() == []
        assert checks.ledger_policy_current(databases=["other"]) == []


def test_the_check_says_nothing_before_the_tables_exist_or_when_the_database_is_down(
    opened: list[int], policy: PolicyCopy, monkeypatch: pytest.MonkeyPatch
) -> None:
    _change(policy)
    introspection = connection.introspection
    monkeypatch.setattr(introspection, "table_names", lambda *a, **k: ["django_migrations"])
    assert checks.ledger_policy_current(databases=["default"]) == []

    def unreachable(*args: Any, **kwargs: Any) -> list[str]:
        raise OperationalError('connection to server at "db" failed: Connection refused')

    monkeypatch.setattr(introspection, "table_names", unreachable)
    assert checks.ledger_policy_current(databases=["default"]) == []


def test_check_and_migrate_run_on_a_database_not_migrated_yet(tmp_path: Path) -> None:
    """``migrate`` runs the database checks before it creates a single table."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}"}
    env["XUESHI_VAR_DIR"] = str(tmp_path / "var")
    done = subprocess.run(
        [sys.executable, "-m", "xueshi", "check", "--database", "default"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "xueshi.C002" not in done.stdout + done.stderr


def test_a_rebuild_is_queued_once_per_year_and_version(
    opened: list[int], policy: PolicyCopy, settings: Any
) -> None:
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    assert ledger_rebuild_stale() == []
    first = _change(policy)
    queued = ledger_rebuild_stale()
    assert [(s.year, job.year, new) for s, job, new in queued] == [
        (2014, 2014, True),
        (2015, 2015, True),
    ]
    assert [(j.status, j.params) for j in _queued()] == [
        (JobStatus.QUEUED, {"policy_version": first}),
    ] * 2
    assert [s.rebuild_job for s in stale_years()] == [j.pk for j in _queued()]
    # Again: the same jobs, nothing new.
    again = ledger_rebuild_stale()
    assert [(job.pk, new) for _, job, new in again] == [(j.pk, False) for j in _queued()]
    # Another version while those wait: a job for it (the old ones rebuild under whatever
    # their worker runs, and a sync after them finds nothing left to do).
    second = _change_again(policy)
    assert second != first
    job, new = ledger_rebuild_start(year=2014)
    assert new
    assert job.params == {"policy_version": second}
    assert len(_queued()) == 3


def _change_again(policy: PolicyCopy) -> str:
    policy.set("440500", "hours.elective", "2014-01-01", "20", "24")
    return current_policy().version


def test_a_job_whose_worker_is_gone_is_queued_again_not_doubled(
    opened: list[int], policy: PolicyCopy, settings: Any
) -> None:
    """A rebuild whose worker died is retried once (jobs.recovery) and stays the year's
    job; lost a second time it is failed, and the next sync queues a new one."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    settings.XUESHI_JOB_STALE_SECONDS = 60
    _change(policy)
    job, _ = ledger_rebuild_start(year=2014)
    lost = {"status": JobStatus.RUNNING, "started_at": "2020-01-01T00:00Z"}
    Job.objects.filter(pk=job.pk).update(**lost, heartbeat_at="2020-01-01T00:00Z")
    again, new = ledger_rebuild_start(year=2014)
    assert (again.pk, new, again.status, again.retried) == (job.pk, False, JobStatus.QUEUED, True)
    Job.objects.filter(pk=job.pk).update(**lost, heartbeat_at="2020-01-01T00:00Z")
    again, new = ledger_rebuild_start(year=2014)
    assert new
    assert again.pk != job.pk
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED


def test_the_rebuild_job_rebuilds_under_the_policy_of_its_process(
    opened: list[int], policy: PolicyCopy, settings: Any
) -> None:
    """Queued for one version, run by a worker that has another: the ledger records the one
    it used, and the job says so."""
    settings.TASKS = {**settings.TASKS, "default": DATABASE_BACKEND}
    queued_for = _change(policy)
    job, _ = ledger_rebuild_start(year=2014)
    ran_under = _change_again(policy)
    ledger_rebuild_task.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.error
    assert job.result == {"year": 2014, "ledger_rows": 2, "policy_version": ran_under}
    assert f"已按政策版本 {ran_under} 重建" in job.message
    assert f"排队时的政策版本为 {queued_for}" in job.message
    assert LedgerYear.objects.get(year=2014).policy_version == ran_under


def test_policy_sync_here_rebuilds_at_once_and_status_tells_each_year(
    opened: list[int], policy: PolicyCopy
) -> None:
    before = current_policy().version
    after = _change(policy)
    out = io.StringIO()
    call_command("policy", "status", stdout=out)
    assert before in out.getvalue()
    assert "2 个年度需要重建" in out.getvalue()
    out = io.StringIO()
    call_command("policy", "sync", "--here", stdout=out)
    assert "已重建" in out.getvalue()
    assert set(LedgerYear.objects.values_list("policy_version", flat=True)) == {after}
    assert [j.status for j in _queued()] == [JobStatus.DONE, JobStatus.DONE]
    out = io.StringIO()
    call_command("policy", "sync", "--here", stdout=out)
    assert "无需重建" in out.getvalue()
    assert len(_queued()) == 2
