"""Exports as background jobs that stream (issue 15, item 3): the one home of every file a
page exports.

A page asks ``export_start`` for an export of a registered *source* (its rows, by the
page's own filters); the job runs in a worker (``xueshi worker``; at once in tests and with
``XUESHI_JOBS_INLINE``), where the source's builder reads its rows in chunks (a server-side
cursor or keyset chunks: ``QuerySet.iterator(chunk_size=…)``) and this module writes them
as they come:

- **xlsx** with XlsxWriter's ``constant_memory`` mode (each row goes to a temporary file as
  soon as the next one starts: memory stays flat whatever the length); a sheet holds at most
  ``ROW_CAP`` data rows under its header (Excel's 1,048,576 rows), past which the rows go on
  in a new sheet of the same name numbered (2), (3)…, the header repeated;
- **csv** (UTF-8 with a BOM, so that Excel reads the Chinese): one file for one sheet, a
  zip of one file a sheet for several. A text cell that Excel would read as a formula
  (``=``, ``+``, ``-``, ``@``, tab, carriage return first) is written with a leading ``'``.

The file is kept under ``var/exports`` (``XUESHI_EXPORTS_DIR``), named by the job and a
random token, written beside its final name and renamed when complete (a run that dies
leaves no half file under the final name). It is served by ``jobs:download`` to the user
who asked for it and to nobody else (404 for anyone else, the system administrator too);
the request (``job_start``), the outcome (``job_done``/``job_fail``) and every download
(``export``, by the access middleware) are audit rows.
"""

from __future__ import annotations

import csv
import io
import os
import secrets
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import xlsxwriter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponseRedirect, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tasks import task

from xueshi.accounts.access import ActiveRole, allow
from xueshi.accounts.models import Role, User
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.jobs.services import Outcome, Progress, job_run, job_start

ROW_CAP = 1_048_575  # data rows a sheet holds under its header: Excel's 1,048,576 rows
PROGRESS_EVERY = 5_000  # rows between two progress reports
SHEET_NAME_MAX = 31  # Excel's limit
FORMATS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}
FORMAT_LABELS = {"xlsx": "Excel", "csv": "CSV"}
WORKBOOK_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# Text Excel would take for a formula when it opens a CSV (OWASP: CSV injection).
_CSV_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Sheet:
    """One table of an export: its name, its header and its rows (any iterable, read once,
    as the file is written). ``total``: how many rows, if known cheaply (for the progress)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]
    total: int | None = None


@dataclass(frozen=True)
class Export:
    """What a source's builder returns: the file's name (without its extension) and its
    sheets, read as they are written."""

    filename: str
    sheets: Sequence[Sheet]


# builder(job, active) → Export: in the worker, under the role the export was asked in.
Builder = Callable[[Job, ActiveRole], Export]
_sources: dict[str, Builder] = {}


def export_register(source: str, builder: Builder) -> None:
    """A domain app's export (in its ``AppConfig.ready``)."""
    _sources[source] = builder


def export_start(
    *,
    source: str,
    title: str,
    query: dict[str, list[str]],
    requested_by: User,
    active: ActiveRole,
    file_format: str = "xlsx",
    back: str = "",
    inline: bool | None = None,
) -> Job:
    """Ask for an export of ``source`` with the page's ``query`` (its filters), as the job of
    ``requested_by`` in the role ``active``; the job as it stands afterwards."""
    if source not in _sources:
        raise ServiceError("未知的导出类型。")
    if file_format not in FORMAT_LABELS:
        raise ServiceError("导出格式只能是 Excel 或 CSV。")
    return job_start(
        kind=JobKind.EXPORT,
        title=f"{title}（{FORMAT_LABELS[file_format]}）",
        requested_by=requested_by,
        role=active.assignment,
        region_id=active.assignment.region_id,
        params={"source": source, "format": file_format, "query": query, "back": back[:300]},
        inline=inline,
    )


QUERY_KEYS_MAX = 30
QUERY_VALUE_MAX = 200


def _query_of(data: QueryDict) -> dict[str, list[str]]:
    """A page's filters as the job keeps them (JSON): no NUL (PostgreSQL refuses it in
    text), bounded in size, never the page number (the file holds every page)."""
    kept: dict[str, list[str]] = {}
    for key, values in list(data.lists())[:QUERY_KEYS_MAX]:
        if key == "page" or not key.isidentifier():
            continue
        kept[key] = [v.replace("\x00", "")[:QUERY_VALUE_MAX] for v in values[:10]]
    return kept


def export_query(job: Job) -> QueryDict:
    """The filters of the page the export was asked from, as the page's forms read them."""
    query = QueryDict(mutable=True)
    stored = job.params.get("query", {}) if isinstance(job.params, dict) else {}
    for key, values in stored.items() if isinstance(stored, dict) else ():
        if isinstance(values, list):
            query.setlist(str(key), [str(v) for v in values])
    return query


def export_requested(
    request: HttpRequest, *, source: str, title: str, back: str
) -> HttpResponseRedirect:
    """A page's 导出 button (a POST to the page's export URL with the page's query string and
    ``format``): start the export and send the person to its job page (progress, then the
    download link); a refusal goes back to the page with its message."""
    active = getattr(request, "active_role", None)
    assert active is not None, "an export is asked in a role"
    assert isinstance(request.user, User), "an export is asked by a signed-in user"
    query = _query_of(request.GET)
    back_url = f"{back}?{urlencode(query, doseq=True)}" if query else back
    try:
        job = export_start(
            source=source,
            title=title,
            query=query,
            requested_by=request.user,
            active=active,
            file_format=request.POST.get("format", "xlsx"),
            back=back_url,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect(back_url)
    return redirect("jobs:detail", job.pk)


def export_view(
    *roles: Role, source: str, title: str, page: str
) -> Callable[[HttpRequest], HttpResponseRedirect]:
    """The export URL of the page named ``page`` (a URL name), for ``roles``: POST only,
    ``export_requested`` of ``source``."""

    @allow(*roles)
    @require_POST
    def export(request: HttpRequest) -> HttpResponseRedirect:
        return export_requested(request, source=source, title=title, back=reverse(page))

    export.__doc__ = f"导出 {title}: the page's rows by its filters, as a background job."
    return export


def export_dir() -> Path:
    configured = getattr(settings, "XUESHI_EXPORTS_DIR", None)
    return Path(configured) if configured else Path(settings.MEDIA_ROOT).parent / "exports"


def export_path(result: object) -> Path | None:
    """Where a finished export's file is, from its job's result: a plain name inside the
    exports folder only (None for anything else)."""
    name = str(result.get("file", "")) if isinstance(result, dict) else ""
    if not name or Path(name).name != name or name.startswith("."):
        return None
    return export_dir() / name


@dataclass(frozen=True)
class ExportFile:
    path: Path
    filename: str
    content_type: str


def export_file(job: Job, user: Any) -> ExportFile | None:
    """The finished export ``job``'s file, for ``user`` only if they asked for it; else None
    (access denied by default: another user, an unfinished or failed job, a file gone)."""
    if (
        job.kind != JobKind.EXPORT
        or job.status != JobStatus.DONE
        or job.requested_by_id is None
        or job.requested_by_id != getattr(user, "pk", None)
        or not isinstance(job.result, dict)
    ):
        return None
    path = export_path(job.result)
    if path is None or not path.is_file():
        return None
    suffix = path.suffix.lstrip(".")
    return ExportFile(path, str(job.result.get("filename") or path.name), FORMATS.get(suffix, ""))


# --- writing ---------------------------------------------------------------------------------


class _Counter:
    """Counts the rows written and reports progress every ``PROGRESS_EVERY``."""

    def __init__(self, progress: Progress | None, total: int | None) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def tick(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % PROGRESS_EVERY == 0:
            self.progress(self.done, self.total, f"已写入 {self.done} 行")


def _sheet_name(name: str, part: int, used: set[str]) -> str:
    for bad in "[]:*?/\\":
        name = name.replace(bad, "_")
    base = name[:SHEET_NAME_MAX] or "Sheet"
    candidate, n = base, part
    while True:
        if n > 1:
            suffix = f"（{n}）"
            candidate = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        if candidate.lower() not in used:
            used.add(candidate.lower())
            return candidate
        n += 1


def xlsx_write(
    path: Path,
    sheets: Sequence[Sheet],
    *,
    row_cap: int = ROW_CAP,
    tick: Callable[[], None] | None = None,
    scratch: Path | None = None,
) -> int:
    """Write ``sheets`` to the .xlsx file ``path`` row by row (``constant_memory``: a row
    goes to a temporary file in ``scratch`` when the next begins), a sheet of at most
    ``row_cap`` data rows, the rest in the next one; the number of sheets."""
    book = xlsxwriter.Workbook(
        str(path), {**WORKBOOK_OPTIONS, "tmpdir": str(scratch or path.parent)}
    )
    bold = book.add_format({"bold": True})
    used: set[str] = set()
    made = 0

    def new_sheet(sheet: Sheet, part: int) -> Any:
        nonlocal made
        made += 1
        worksheet = book.add_worksheet(_sheet_name(sheet.name, part, used))
        worksheet.freeze_panes(1, 0)
        worksheet.set_column(0, max(len(sheet.header) - 1, 0), 14)
        for col, title in enumerate(sheet.header):
            worksheet.write_string(0, col, str(title), bold)
        return worksheet

    for sheet in sheets:
        part = 1
        worksheet = new_sheet(sheet, part)
        row_number = 0
        for row in sheet.rows:
            if row_number == row_cap:
                part += 1
                worksheet = new_sheet(sheet, part)
                row_number = 0
            row_number += 1
            for col, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, str):
                    worksheet.write_string(row_number, col, value)
                elif isinstance(value, bool):
                    worksheet.write_boolean(row_number, col, value)
                elif isinstance(value, int | float):
                    worksheet.write_number(row_number, col, value)
                elif isinstance(value, Decimal):
                    worksheet.write_number(row_number, col, float(value))
                else:
                    worksheet.write_string(row_number, col, str(value))
            if tick is not None:
                tick()
    book.close()
    return made


def _csv_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_CSV_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _csv_rows(sheet: Sheet, tick: Callable[[], None] | None) -> Iterator[list[Any]]:
    yield [_csv_cell(title) for title in sheet.header]
    for row in sheet.rows:
        yield [_csv_cell(value) for value in row]
        if tick is not None:
            tick()


def csv_write(
    path: Path, sheets: Sequence[Sheet], *, tick: Callable[[], None] | None = None
) -> str:
    """Write ``sheets`` as CSV (UTF-8 with a BOM): the file itself for one sheet, a zip of
    one file a sheet for several; the format written (``csv`` or ``zip``)."""
    if len(sheets) == 1:
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            csv.writer(out).writerows(_csv_rows(sheets[0], tick))
        return "csv"
    used: set[str] = set()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for sheet in sheets:
            name = _sheet_name(sheet.name, 1, used)
            with (
                archive.open(f"{name}.csv", "w", force_zip64=True) as member,
                io.TextIOWrapper(member, encoding="utf-8-sig", newline="") as out,
            ):
                csv.writer(out).writerows(_csv_rows(sheet, tick))
    return "zip"


def _total(sheets: Sequence[Sheet]) -> int | None:
    totals = [s.total for s in sheets]
    return sum(t for t in totals if t is not None) if all(t is not None for t in totals) else None


def _active(job: Job) -> ActiveRole:
    if job.role is None or job.requested_by_id is None or job.role.user_id != job.requested_by_id:
        raise ServiceError("申请导出时所用的角色已不存在，无法导出；请以现有角色重新导出。")
    return ActiveRole(job.role)


def export_write(
    job: Job, progress: Progress | None = None, *, row_cap: int | None = None
) -> tuple[Outcome, Path]:
    """Build the export ``job`` asks for and write its file under ``export_dir()``; the
    outcome and the file. Raises ServiceError (in Chinese) when it cannot be made."""
    source = str(job.params.get("source", ""))
    builder = _sources.get(source)
    if builder is None:
        raise ServiceError("未知的导出类型。")
    file_format = str(job.params.get("format", "xlsx"))
    if file_format not in FORMAT_LABELS:
        raise ServiceError("导出格式只能是 Excel 或 CSV。")
    export = builder(job, _active(job))
    counter = _Counter(progress, _total(export.sheets))
    if progress is not None:
        progress(0, counter.total, "正在读取并写入…")
    directory = export_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"{job.pk}-{secrets.token_hex(8)}"
    part = directory / f".{stem}.part"
    try:
        if file_format == "xlsx":
            # XlsxWriter's temporary files of an unfinished book are left where it put them.
            with tempfile.TemporaryDirectory(dir=directory, prefix=f".{stem}-") as scratch:
                sheets = xlsx_write(
                    part,
                    export.sheets,
                    row_cap=row_cap or ROW_CAP,
                    tick=counter.tick,
                    scratch=Path(scratch),
                )
            suffix = "xlsx"
        else:
            suffix = csv_write(part, export.sheets, tick=counter.tick)
            sheets = len(export.sheets)
        path = directory / f"{stem}.{suffix}"
        os.replace(part, path)
    finally:
        part.unlink(missing_ok=True)
    size = path.stat().st_size
    outcome = Outcome(
        message=f"已导出 {counter.done} 行（{sheets} 个工作表，{_size(size)}）。",
        result={
            "file": path.name,
            "filename": f"{export.filename}.{suffix}",
            "format": suffix,
            "rows": counter.done,
            "sheets": sheets,
            "bytes": size,
        },
        url=reverse("jobs:download", args=[job.pk]),
    )
    return outcome, path


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(size // 1024, 1)} KB"


def _export(job: Job, progress: Progress) -> Outcome:
    return export_write(job, progress)[0]


@task()
def export_task(job_id: int) -> dict[str, Any]:
    """Write the file of the export job ``job_id``."""
    return job_run(job_id, _export)


def export_back(job: Job) -> tuple[str, str] | None:
    """The job page's way back: the page the export was asked from."""
    back = str(job.params.get("back", "")) if isinstance(job.params, dict) else ""
    return (
        (back, "返回导出前的页面") if back.startswith("/") and not back.startswith("//") else None
    )
