"""Hostile spreadsheets (issue 14, item 1): the 1.5 KB file with cells at A1 and XFD1048576
that aborts python-calamine, a zip bomb, a billion-laughs XML and a million rows are refused
with a Chinese reason by the upload page, the task worker and ``xueshi batch check``, and
the process that was asked to read them is still there afterwards."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.support import hostile
from tests.support.factories import id_number_of
from tests.training.conftest import World, enrol, learner, upload, valid_ric, xlsx
from tests.training.test_training_views import as_role, on
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.services import job_start
from xueshi.training import batch_check
from xueshi.training.excel import read_rows
from xueshi.training.models import ClassPlan, HourBatch
from xueshi.training.tasks import hour_batch_import_start, hour_batch_import_task
from xueshi.training.xlsx_sandbox import SandboxRefused, sheet_rows

# (the file, a fragment of the reason the provider reads)
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "far-corner": (hostile.far_corner, "第 1,048,576 行"),
    "declared-smaller": (hostile.declared_smaller_than_content, "声明的范围为 A1:C2"),
    "zip-bomb": (hostile.zip_bomb, "疑似压缩炸弹"),
    "billion-laughs": (hostile.billion_laughs, "XML 文档类型定义"),
    "million-rows": (hostile.million_rows, "超过 200,000 行数据"),
    "positional-wide": (lambda: hostile.positional(100), "延伸到第 65 列"),
}

_made: dict[str, bytes] = {}


def made(kind: str) -> bytes:
    if kind not in _made:
        _made[kind] = HOSTILE[kind][0]()
    return _made[kind]


def test_the_far_corner_file_is_tiny_and_really_aborts_the_reader() -> None:
    """The reader is not called on it in this process: the sandbox's child aborts (SIGABRT,
    the allocation of ~550 GB refused by its memory limit) and the parent gets a reason."""
    data = made("far-corner")
    assert len(data) < 2048
    with pytest.raises(SandboxRefused) as refused:
        sheet_rows(data)
    assert "SIGABRT" in refused.value.reason
    assert "读取进程已中止" in refused.value.reason
    assert not refused.value.unreadable


def test_the_sandbox_reads_an_ordinary_file() -> None:
    assert sheet_rows(xlsx([["张三", "x", 90.5]])) == [
        ["姓名", "公民身份号码", "考核成绩"],
        ["张三", "x", 90.5],
    ]


def test_cells_that_name_no_reference_are_placed_by_order_and_read() -> None:
    """Counted element by element (not by the fast byte counts), and read when in bounds."""
    rows = read_rows(hostile.positional(3))
    assert [(r.number, r.name, r.id_number) for r in rows] == [(2, "张三", "1")]


@pytest.mark.parametrize("kind", HOSTILE)
def test_read_rows_refuses_hostile_files_before_reading(kind: str) -> None:
    with pytest.raises(ServiceError) as refused:
        read_rows(made(kind))
    message = refused.value.message
    assert message.startswith("文件未通过安全检查，未读取：")
    assert HOSTILE[kind][1] in message


@pytest.fixture
def running(world: World) -> tuple[ClassPlan, Any]:
    plan = world.approved()
    person, me = learner(full_name="张三")
    return plan, enrol(plan, person, me)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", HOSTILE)
def test_the_upload_page_refuses_hostile_files_with_the_reason(
    client: Client, world: World, running: tuple[ClassPlan, Any], kind: str
) -> None:
    plan, seat = running
    as_role(client, world.staff)
    url = reverse("training:batch_upload", args=[plan.pk])
    with on(plan.end_date + dt.timedelta(days=1)):
        response = client.post(url, {"file": upload(made(kind))})
        assert response.status_code == 200
        assert HOSTILE[kind][1] in response.content.decode()
        assert not Job.objects.exists()  # refused before it was kept
        assert not HourBatch.objects.exists()
        # The server that was sent it still serves, and enters a good file.
        person = seat.professional
        good = xlsx([[person.full_name, id_number_of(person), 90]])
        response = client.post(url, {"file": upload(good)}, follow=True)
    assert "新登记 1 人" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["far-corner", "zip-bomb", "billion-laughs"])
def test_the_task_worker_fails_the_job_with_the_reason_and_keeps_working(
    world: World, running: tuple[ClassPlan, Any], settings: Any, kind: str
) -> None:
    """A file that reached the queue without the page's check (an older release, another
    client) is checked again by the worker: the job fails with the reason, and the same
    worker then runs the next job."""
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"},
    }
    plan, seat = running
    day = plan.end_date + dt.timedelta(days=1)

    def queued(data: bytes) -> Job:
        return job_start(
            kind=JobKind.HOUR_BATCH_IMPORT,
            title="批量登记学时",
            requested_by=world.staff.assignment.user,
            role=world.staff.assignment,
            subject_id=plan.pk,
            params={"file_name": "成绩.xlsx", "today": day.isoformat()},
            upload=upload(data),
        )

    bad = queued(made(kind))
    person = seat.professional
    good = queued(xlsx([[person.full_name, id_number_of(person), 90]]))
    hour_batch_import_task.call(bad.pk)
    hour_batch_import_task.call(good.pk)
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.status == JobStatus.FAILED
    assert HOSTILE[kind][1] in bad.error
    assert good.status == JobStatus.DONE
    assert good.result["created"] == 1


@pytest.mark.django_db
def test_the_start_of_an_import_refuses_before_keeping_the_file(
    world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, _ = running
    with pytest.raises(ServiceError, match="第 1,048,576 行"):
        hour_batch_import_start(
            plan=plan,
            upload=upload(made("far-corner")),
            actor=world.staff.assignment.user,
            active=world.staff,
        )
    assert not Job.objects.exists()


# --- xueshi batch check ----------------------------------------------------------------------


def _write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "成绩.xlsx"
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("kind", HOSTILE)
def test_batch_check_says_unreadable_with_the_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    assert batch_check.main([str(_write(tmp_path, made(kind)))]) == batch_check.UNREADABLE
    assert HOSTILE[kind][1] in capsys.readouterr().err


def test_batch_check_lists_the_invalid_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = valid_ric()
    data = xlsx([["张三", good, 90], ["", "110101199001011234", "满分"], ["李四", good, 101]])
    assert batch_check.main([str(_write(tmp_path, data))]) == batch_check.INVALID
    out = capsys.readouterr().out
    listed = [line.split("（")[0] for line in out.splitlines()]
    assert listed[:2] == ["第 3 行", "第 4 行"]  # the valid row is not listed
    assert "姓名为空" in out
    assert "考核成绩“满分”不是数字" in out
    assert "公民身份号码与第 2 行重复" in out
    assert "超出 0–100 的范围" in out
    assert "3 行，2 行有错误" in out


def test_batch_check_passes_a_valid_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = xlsx([["张三", valid_ric(), 90], ["李四", valid_ric(), "85.5"]])
    assert batch_check.main([str(_write(tmp_path, data))]) == batch_check.VALID
    assert "共 2 行，格式均正确" in capsys.readouterr().out


def test_the_batch_check_command_exits_2_on_the_far_corner_file(tmp_path: Path) -> None:
    """The installed command, in its own process: refused, reason on stderr, exit 2."""
    path = _write(tmp_path, made("far-corner"))
    done = subprocess.run(
        [sys.executable, "-m", "xueshi", "batch", "check", str(path)],
        capture_output=True,
        text=True,
        env={**os.environ, "XUESHI_VAR_DIR": str(tmp_path)},
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "文件未通过安全检查" in done.stderr
