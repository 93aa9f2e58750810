"""Residual information (等保 8.1.4.10): expired sessions and the uploads of long-finished jobs
are deleted by ``xueshi cleanup``; what is still needed is kept; each run is audited."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone

from xueshi.audit.models import AuditEvent
from xueshi.jobs.models import Job, JobKind, JobStatus

pytestmark = pytest.mark.django_db


def _job(days_ago: float | None, name: str) -> Job:
    job = Job.objects.create(kind=JobKind.YEAR_END, title=name)
    job.input.save(f"{name}.xlsx", ContentFile(b"PK\x03\x04 batch"), save=True)
    finished = None if days_ago is None else timezone.now() - dt.timedelta(days=days_ago)
    status = JobStatus.RUNNING if finished is None else JobStatus.DONE
    Job.objects.filter(pk=job.pk).update(finished_at=finished, status=status)
    job.refresh_from_db()
    return job


def test_cleanup_deletes_expired_sessions_and_old_job_uploads_only(settings) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    live, expired = SessionStore(), SessionStore()
    live["x"] = expired["x"] = 1
    live.create()
    expired.create()
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - dt.timedelta(minutes=1)
    )
    old, recent, running = _job(31, "old"), _job(29, "recent"), _job(None, "running")
    old_path = Path(old.input.path)
    assert old_path.exists()

    out = StringIO()
    call_command("cleanup", stdout=out)

    assert "过期会话 1 个" in out.getvalue()
    assert "上传文件 1 个" in out.getvalue()
    assert set(Session.objects.values_list("session_key", flat=True)) == {live.session_key}
    old.refresh_from_db()
    assert not old.input
    assert not old_path.exists()
    for kept in (recent, running):
        kept.refresh_from_db()
        assert kept.input
        assert Path(kept.input.path).exists()
    event = AuditEvent.objects.get(action="residual_clear")
    assert event.data == {"sessions": 1, "job_files": 1, "export_files": 0, "days": 30}


def test_cleanup_deletes_the_files_of_old_exports(settings, tmp_path: Path) -> None:
    settings.XUESHI_EXPORTS_DIR = tmp_path / "exports"
    settings.XUESHI_EXPORTS_DIR.mkdir()
    files = {}
    for name, days in (("old", 31), ("recent", 2)):
        files[name] = settings.XUESHI_EXPORTS_DIR / f"{name}.xlsx"
        files[name].write_bytes(b"PK")
        job = Job.objects.create(kind=JobKind.EXPORT, title=name, result={"file": f"{name}.xlsx"})
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.DONE, finished_at=timezone.now() - dt.timedelta(days=days)
        )
    out = StringIO()
    call_command("cleanup", stdout=out)
    assert "导出文件 1 个" in out.getvalue()
    assert not files["old"].exists()
    assert files["recent"].exists()


def test_a_job_whose_file_is_already_gone_is_cleared_without_error() -> None:
    job = _job(40, "gone")
    Path(job.input.path).unlink()
    call_command("cleanup", "--days", "30", stdout=StringIO())
    job.refresh_from_db()
    assert not job.input
