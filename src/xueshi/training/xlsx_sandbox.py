"""Reads a spreadsheet's first sheet in a child process with memory and time limits.

python-calamine is fast (../shared/STACK_NOTES.md) but its allocator aborts the whole process
when a sheet asks for more memory than there is (SIGABRT: no exception, no ``finally``): in a
web worker that is the server, in a task worker the worker and its job. ``xlsx_guard`` refuses
the files known to do that; this module makes sure that whatever it missed takes down only a
short-lived child: ``python -m xueshi.training.xlsx_sandbox`` limits its own address space
(RLIMIT_AS) and CPU time (RLIMIT_CPU) before it imports the reader, reads the file from its
standard input and writes the sheet's rows as JSON (text, numbers, booleans, null; anything
else, such as dates, as its text). The parent also bounds the wall-clock time and the output.

The child imports nothing of Django or of the project but this file, so it starts in ~0.1 s.
"""

from __future__ import annotations

import json
import os
import re

# bandit: runs this very module with the interpreter in use, no shell
import subprocess  # nosec B404
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

UNREADABLE_EXIT = 3
_SIGNALS = {6: "SIGABRT", 9: "SIGKILL", 11: "SIGSEGV", 24: "SIGXCPU"}


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    memory_bytes: int = 1024 * 1024 * 1024
    cpu_seconds: int = 60
    wall_seconds: int = 120
    max_output_bytes: int = 256 * 1024 * 1024


class SandboxRefused(Exception):
    """The child could not read the file: ``reason`` in Chinese, ``unreadable`` when the file
    is simply not a spreadsheet (rather than a reader stopped by a limit)."""

    def __init__(self, reason: str, *, unreadable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.unreadable = unreadable


def sheet_rows(data: bytes, limits: SandboxLimits | None = None) -> list[list[Any]] | None:
    """The first sheet's rows (None: the workbook has no sheet), read by python-calamine in a
    limited child process."""
    limits = limits or SandboxLimits()
    # -I (isolated: no user site, no PYTHON* variables, no current directory on the path)
    # drops PYTHONPATH too: the child is told where this package is.
    source_root = str(Path(__file__).resolve().parents[2])
    program = (
        f"import sys; sys.path.insert(0, {source_root!r}); "
        "from xueshi.training.xlsx_sandbox import child_main; child_main()"
    )
    command = [
        sys.executable,
        "-I",
        "-c",
        program,
        str(limits.memory_bytes),
        str(limits.cpu_seconds),
    ]
    env = {"PATH": os.environ.get("PATH", ""), "RUST_BACKTRACE": "0", "LC_ALL": "C.UTF-8"}
    try:
        # bandit: fixed argv, no shell, no user input in it
        done = subprocess.run(  # nosec B603
            command,
            input=data,
            capture_output=True,
            timeout=limits.wall_seconds,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise SandboxRefused(
            f"读取文件超过 {limits.wall_seconds} 秒，已中止：文件可能过大或结构异常。"
        ) from None
    if done.returncode == UNREADABLE_EXIT:
        raise SandboxRefused("无法读取该文件。", unreadable=True)
    if done.returncode != 0:
        signal = _SIGNALS.get(-done.returncode, f"退出码 {done.returncode}")
        raise SandboxRefused(
            "读取文件时超出内存或时间限制，读取进程已中止"
            f"（{signal}）：文件结构异常，请在 Excel 中另存为新的 .xlsx 后重新上传。"
        )
    if len(done.stdout) > limits.max_output_bytes:
        raise SandboxRefused("文件内容过多，请拆分后上传。")
    rows: list[list[Any]] | None = json.loads(done.stdout)
    return rows


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


# A cell holding a formula saved without its result (written by a program, never calculated)
# comes back as {FORMULA: its text}; the batch names it rather than "not filled in".
FORMULA = "formula"
_CELL = re.compile(rb"<c\b([^>]*?)(?<!/)>(.*?)</c>", re.S)
_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_F = re.compile(rb"<f\b[^>]*?(?:/>|>(.*?)</f>)", re.S)
_V = re.compile(rb"<v>[^<]")


def _first_sheet_path(archive: Any) -> str | None:
    """The first sheet's part in the package (workbook.xml's first sheet, via its rels)."""
    workbook = archive.read("xl/workbook.xml")
    first = re.search(rb"<sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
    if first is None:
        return None
    rels = archive.read("xl/_rels/workbook.xml.rels")
    for rel in re.finditer(rb"<Relationship\b[^>]*>", rels):
        tag = rel.group(0)
        if re.search(rb'\bId="' + re.escape(first.group(1)) + rb'"', tag):
            target = re.search(rb'\bTarget="([^"]+)"', tag)
            if target:
                name = target.group(1).decode()
                return name.lstrip("/") if name.startswith("/") else f"xl/{name}"
    return None


def formulas_without_values(data: bytes) -> list[tuple[int, int, str]]:
    """(row, column, formula) of the first sheet's formula cells that carry no saved value,
    0-based from A1."""
    import io
    import zipfile

    found: list[tuple[int, int, str]] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = _first_sheet_path(archive)
            if path is None:
                return found
            sheet = archive.read(path)
    except (KeyError, zipfile.BadZipFile):
        return found
    for cell in _CELL.finditer(sheet):
        body = cell.group(2)
        formula = _F.search(body)
        if formula is None or _V.search(body):
            continue
        ref = _REF.search(cell.group(1))
        if ref is None:
            continue
        column = 0
        for letter in ref.group(1):
            column = column * 26 + (letter - 64)
        text = (formula.group(1) or b"").decode("utf-8", "replace")
        found.append((int(ref.group(2)) - 1, column - 1, text))
    return found


def child_main() -> None:
    """In the child: limit, read stdin, write the first sheet's rows to stdout."""
    import resource

    memory, cpu = int(sys.argv[1]), int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    data = sys.stdin.buffer.read()

    import html
    import io

    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows: list[list[Any]] | None = None
        if workbook.sheet_names:
            # iter_rows starts at the sheet's first row (blank leading rows included).
            sheet = workbook.get_sheet_by_index(0)
            rows = [[_plain(cell) for cell in row] for row in sheet.iter_rows()]
            # iter_rows starts at row 1 but at the sheet's first used column.
            first_column = sheet.start[1] if sheet.start else 0
            for row, column, text in formulas_without_values(data):
                at = column - first_column
                if row < len(rows) and 0 <= at < len(rows[row]):
                    rows[row][at] = {FORMULA: html.unescape(text)}
    except Exception:  # calamine raises its own classes (CalamineError, ZipError, XmlError…)
        sys.exit(UNREADABLE_EXIT)
    out = sys.stdout.buffer
    out.write(json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode())
    out.flush()
