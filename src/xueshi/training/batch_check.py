"""``xueshi batch check FILE``: a provider's Excel batch checked offline, before uploading.

The same structure checks (``xlsx_guard``), the same sandboxed reader and row parsing
(``excel.read_rows``) and the same field checks (``batch.check_fields``) as the upload; what
needs the register and the class (is the person registered, enrolled, the name theirs) is
checked on upload. Exit status: 0 every row valid, 1 some rows invalid (each listed with its
reasons), 2 the file cannot be read or is refused as a whole.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from xueshi.errors import ServiceError
from xueshi.training.batch import ERROR, check_fields
from xueshi.training.excel import read_rows

VALID, INVALID, UNREADABLE = 0, 1, 2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="xueshi batch check",
        description="离线校验施教机构的批量登记学时文件（.xlsx），不连接系统、不登记。",
    )
    parser.add_argument("file", type=Path, help="批量登记学时的 Excel 文件（.xlsx）")
    args = parser.parse_args(argv)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"无法读取：{args.file}（{exc.strerror or exc}）", file=sys.stderr)
        return UNREADABLE
    try:
        rows = read_rows(data)
    except ServiceError as exc:
        print(f"无法读取：{exc.message}", file=sys.stderr)
        return UNREADABLE
    checked = check_fields(rows)
    errors = [row for row in checked if row.result == ERROR]
    for row in errors:
        who = f"{row.name or '—'}，{row.masked_id or '—'}"
        print(f"第 {row.number} 行（{who}）：{'；'.join(row.errors)}")
    if errors:
        print(f"共 {len(checked):,} 行，{len(errors):,} 行有错误：请修改后再上传。")
        return INVALID
    print(
        f"共 {len(checked):,} 行，格式均正确。上传后还将核对：是否已注册、姓名是否相符、"
        "是否报名本班。"
    )
    return VALID
