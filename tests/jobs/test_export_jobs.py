"""Exports as background jobs that stream (issue 15, item 3): a new sheet past the row cap,
CSV, the file for its owner only, a failure that says why, and no half file left behind."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from python_calamine import CalamineWorkbook

from tests.support.factories import UserFactory, grant, regions
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.jobs import exports
from xueshi.jobs.exports import Export, Sheet, export_dir, export_register, export_start
from xueshi.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db

HEADER = ["序号", "姓名", "学时"]


def _rows(n: int) -> list[list[Any]]:
    return [[i, f"人员{i}", i * 1.5] for i in range(1, n + 1)]


def _numbers(job: Job, active: ActiveRole) -> Export:
    """A test source: as many rows as the page's ``n`` asks, and a second small sheet."""
    n = int(job.params["query"].get("n", ["0"])[0])
    return Export(
        filename="测试导出",
        sheets=[
            Sheet("名单", HEADER, iter(_rows(n)), total=n),
            Sheet("汇总", ["合计"], [[n]], total=1),
        ],
    )


def _formulas(job: Job, active: ActiveRole) -> Export:
    rows = [['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "张三", -3]]
    return Export(filename="公式", sheets=[Sheet("名单", ["a", "b", "c", "d", "e", "f"], rows)])


def _broken(job: Job, active: ActiveRole) -> Export:
    def rows() -> Iterator[list[Any]]:
        yield [1, "一"]
        raise RuntimeError("数据库连接中断")

    return Export(filename="坏", sheets=[Sheet("名单", ["a", "b"], rows())])


def _refused(job: Job, active: ActiveRole) -> Export:
    raise ServiceError("本导出只对地区的人社局开放。")


@pytest.fixture(autouse=True)
def _sources() -> Iterator[None]:
    for name, builder in (
        ("test_numbers", _numbers),
        ("test_formulas", _formulas),
        ("test_broken", _broken),
        ("test_refused", _refused),
    ):
        export_register(name, builder)
    yield
    for name in ("test_numbers", "test_formulas", "test_broken", "test_refused"):
        exports._sources.pop(name, None)


@pytest.fixture
def owner() -> tuple[User, RoleAssignment]:
    regions()
    user = UserFactory(username="bureau-owner")
    return user, grant(user, Role.BUREAU_STAFF, region_id="440500").assignment


def _start(owner: tuple[User, RoleAssignment], source: str, fmt: str = "xlsx", **query: Any) -> Job:
    user, assignment = owner
    return export_start(
        source=source,
        title="测试",
        query={k: [str(v)] for k, v in query.items()},
        requested_by=user,
        active=ActiveRole(assignment),
        file_format=fmt,
    )


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _file(owner: tuple[User, RoleAssignment], job: Job) -> bytes:
    response = _client(owner[0]).get(reverse("jobs:download", args=[job.pk]))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_rows_past_the_cap_go_on_in_a_new_sheet_with_the_header(
    owner: tuple[User, RoleAssignment], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "ROW_CAP", 3)
    job = _start(owner, "test_numbers", n=8)
    assert job.status == JobStatus.DONE, job.error
    assert (job.result["rows"], job.result["sheets"]) == (9, 4)
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(owner, job)))
    assert book.sheet_names == ["名单", "名单（2）", "名单（3）", "汇总"]
    parts = [book.get_sheet_by_name(n).to_python() for n in book.sheet_names[:3]]
    assert all(part[0] == HEADER for part in parts)
    assert [len(part) - 1 for part in parts] == [3, 3, 2]
    assert [row for part in parts for row in part[1:]] == _rows(8)
    assert book.get_sheet_by_name("汇总").to_python() == [["合计"], [8]]


def test_exactly_the_cap_fills_one_sheet(
    owner: tuple[User, RoleAssignment], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "ROW_CAP", 4)
    job = _start(owner, "test_numbers", n=4)
    book = CalamineWorkbook.from_filelike(io.BytesIO(_file(owner, job)))
    assert book.sheet_names == ["名单", "汇总"]
    assert book.get_sheet_by_name("名单").to_python()[1:] == _rows(4)


def test_csv_of_several_sheets_is_a_zip_of_utf8_files_with_a_bom(
    owner: tuple[User, RoleAssignment],
) -> None:
    job = _start(owner, "test_numbers", "csv", n=5)
    assert job.status == JobStatus.DONE, job.error
    assert job.result["filename"] == "测试导出.zip"
    with zipfile.ZipFile(io.BytesIO(_file(owner, job))) as archive:
        assert archive.namelist() == ["名单.csv", "汇总.csv"]
        raw = archive.read("名单.csv")
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == HEADER
    assert rows[1:] == [[str(i), f"人员{i}", str(i * 1.5)] for i in range(1, 6)]


def test_csv_of_one_sheet_is_the_file_and_formulas_stay_text(
    owner: tuple[User, RoleAssignment],
) -> None:
    job = _start(owner, "test_formulas", "csv")
    assert job.result["filename"] == "公式.csv"
    response = _client(owner[0]).get(reverse("jobs:download", args=[job.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    data = b"".join(response.streaming_content)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ['\'=HYPERLINK("http://x")', "'+1", "'-2", "'@SUM(A1)", "张三", "-3"]


def test_the_file_is_for_the_person_who_asked_only(owner: tuple[User, RoleAssignment]) -> None:
    job = _start(owner, "test_numbers", n=2)
    url = reverse("jobs:download", args=[job.pk])
    assert _client(owner[0]).get(url).status_code == 200
    colleague = UserFactory()
    grant(colleague, Role.BUREAU_STAFF, region_id="440500")
    assert _client(colleague).get(url).status_code == 404
    admin = UserFactory()
    grant(admin, Role.SYSADMIN)
    assert _client(admin).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the sign-in page
    downloads = AuditEvent.objects.filter(action="export", target_id=url)
    assert [e.actor for e in downloads] == [owner[0]]


def test_the_job_page_shows_progress_then_the_link(owner: tuple[User, RoleAssignment]) -> None:
    job = _start(owner, "test_numbers", n=3)
    page = _client(owner[0]).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert 'id="job-result-link"' in page
    assert reverse("jobs:download", args=[job.pk]) in page
    assert "已导出 4 行" in page  # three people and the total


def test_a_source_that_refuses_fails_the_job_with_its_reason(
    owner: tuple[User, RoleAssignment],
) -> None:
    job = _start(owner, "test_refused")
    assert job.status == JobStatus.FAILED
    assert job.error == "本导出只对地区的人社局开放。"
    page = _client(owner[0]).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "本导出只对地区的人社局开放。" in page
    assert _client(owner[0]).get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_a_role_withdrawn_before_the_run_fails_the_job_saying_so(
    owner: tuple[User, RoleAssignment], settings: Any
) -> None:
    settings.TASKS = {
        **settings.TASKS,
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]},
    }
    job = _start(owner, "test_numbers", n=2)
    assert job.status == JobStatus.QUEUED
    owner[1].delete()
    exports.export_task.call(job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "角色已不存在" in job.error


def test_a_failure_while_writing_says_why_and_leaves_no_file(
    owner: tuple[User, RoleAssignment],
) -> None:
    job = _start(owner, "test_broken")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "RuntimeError" in job.error
    assert "数据库连接中断" in job.error
    assert list(export_dir().iterdir()) == []


def test_an_unknown_format_or_source_is_refused(owner: tuple[User, RoleAssignment]) -> None:
    with pytest.raises(ServiceError, match="Excel 或 CSV"):
        _start(owner, "test_numbers", "pdf")
    with pytest.raises(ServiceError, match="未知的导出类型"):
        _start(owner, "no_such_source")
    assert not Job.objects.exists()
