"""Backups and their restore drill (issue 14 item 8).

A backup is a folder:

    database.sqlite3   SQLite: a consistent copy made with SQLite's online backup API while
                       the system runs (WAL readers and writers go on), journal mode DELETE
    database.pgdump    PostgreSQL: ``pg_dump --format=custom`` of an exported snapshot
    uploads.tar        the evidence files (``MEDIA_ROOT``)
    manifest.json      when, which engine, the migrations applied, every table's row count
                       as of the copied snapshot, each file's SHA-256

The keys are *not* in it: the certificate signing keys (``XUESHI_KEYS_DIR``) and the ID
number keys (``XUESHI_ID_KEYS``) are kept apart from the data, so a stolen backup reads no
ID number and signs nothing; back them up separately, under other custody (docs/deploy.md).

A restore goes into a *fresh* database (refused if it holds any table) and checks every
table's row count against the manifest; ``tests/operations/test_backup.py`` drills it row by
row on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess  # nosec B404: pg_dump and pg_restore, fixed argv, no shell
import tarfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.db import connections

DATABASE_SQLITE = "database.sqlite3"
DATABASE_PG = "database.pgdump"
UPLOADS = "uploads.tar"
MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that could not be made (the message is in Chinese)."""


@dataclass(frozen=True)
class Backup:
    folder: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _counts(cursor: Any, tables: Iterable[str]) -> dict[str, int]:
    counts = {}
    for table in sorted(tables):
        # Table names come from the database's own catalogue, quoted.
        cursor.execute(f"SELECT count(*) FROM {_quote(table)}")  # nosec B608
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
    ).fetchall()
    return [row[0] for row in rows]


_PG_TABLES = "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()"


def _pg_tools(name: str) -> str:
    """``pg_dump`` / ``pg_restore``: from ``XUESHI_PG_BIN`` if set, else the PATH."""
    folder = getattr(settings, "XUESHI_PG_BIN", "")
    found = str(Path(folder) / name) if folder else shutil.which(name)
    if not found or not Path(found).exists():
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端，或设置 XUESHI_PG_BIN。")
    return found


def _pg_env_and_dsn(params: Mapping[str, Any]) -> tuple[dict[str, str], str]:
    """The environment (password) and connection string of a database's settings."""
    env = {**os.environ}
    if params.get("PASSWORD"):
        env["PGPASSWORD"] = str(params["PASSWORD"])
    from psycopg.conninfo import make_conninfo

    parts = {
        "dbname": params.get("NAME") or "",
        "user": params.get("USER") or "",
        "host": params.get("HOST") or "",
        "port": str(params.get("PORT") or ""),
    }
    return env, make_conninfo(**{key: value for key, value in parts.items() if value})


def _migrations(cursor: Any) -> list[str]:
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
    return [f"{app}.{name}" for app, name in cursor.fetchall()]


# --- making one -------------------------------------------------------------------------------


def backup_create(*, out: Path, alias: str = "default") -> Backup:
    """A backup of the database ``alias`` and the uploads into the new folder ``out``."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} 已存在且不为空：请指定新的备份目录。")
    out.mkdir(parents=True, exist_ok=True)
    connection = connections[alias]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "engine": connection.vendor,
        "files": {},
    }
    if connection.vendor == "sqlite":
        database = out / DATABASE_SQLITE
        _sqlite_backup(connection, database, manifest)
    elif connection.vendor == "postgresql":
        database = out / DATABASE_PG
        _pg_backup(connection, database, manifest)
    else:
        raise BackupError(f"不支持的数据库：{connection.vendor}")
    manifest["files"][database.name] = _sha256(database)
    uploads = out / UPLOADS
    manifest["uploads"] = _uploads_pack(Path(settings.MEDIA_ROOT), uploads)
    manifest["files"][UPLOADS] = _sha256(uploads)
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
    return Backup(out, manifest)


def _sqlite_backup(connection: Any, database: Path, manifest: dict[str, Any]) -> None:
    connection.ensure_connection()
    target = sqlite3.connect(database)
    try:
        # SQLite's online backup: a consistent copy while others read and write.
        connection.connection.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        check = target.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"备份文件校验失败：{check}")
        cursor = target.cursor()
        manifest["tables"] = _counts(cursor, _sqlite_tables(target))
        manifest["migrations"] = _migrations(cursor)
    finally:
        target.close()


def _pg_backup(connection: Any, database: Path, manifest: dict[str, Any]) -> None:
    """pg_dump of a snapshot this function exports, the counts read in that same snapshot:
    the manifest describes exactly what the dump holds, however busy the database is."""
    params = connection.settings_dict
    conn = connection.get_new_connection(connection.get_connection_params())
    try:
        conn.autocommit = False
        with conn.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            cursor.execute(_PG_TABLES)
            manifest["tables"] = _counts(cursor, [row[0] for row in cursor.fetchall()])
            manifest["migrations"] = _migrations(cursor)
            env, dsn = _pg_env_and_dsn(params)
            argv = [_pg_tools("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            argv += [f"--snapshot={snapshot}", f"--file={database}", f"--dbname={dsn}"]
            done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # nosec B603
            if done.returncode != 0:
                raise BackupError(f"pg_dump 失败：{done.stderr.strip()[:500]}")
        conn.rollback()
    finally:
        conn.close()


def _uploads_pack(folder: Path, tar_path: Path) -> dict[str, int]:
    files = 0
    size = 0
    with tarfile.open(tar_path, "w") as tar:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    tar.add(path, arcname=str(path.relative_to(folder)), recursive=False)
                    files += 1
                    size += path.stat().st_size
    return {"files": files, "bytes": size}


# --- restoring one ----------------------------------------------------------------------------


def backup_read(folder: Path) -> Backup:
    """The backup in ``folder``, each file checked against the manifest's SHA-256."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise BackupError(f"{folder} 不是本系统的备份（清单无法读取：{exc}）。") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"备份格式 {manifest.get('format')} 不受支持。")
    for name, digest in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file() or _sha256(path) != digest:
            raise BackupError(f"备份文件 {name} 缺失或已被改动（SHA-256 不符）。")
    return Backup(folder, manifest)


def backup_restore(
    *, folder: Path, database_url: str, uploads: Path | None = None
) -> dict[str, int]:
    """Restore the backup in ``folder`` into the fresh database ``database_url`` (and the
    uploads into ``uploads``, an empty or new folder); return the restored row counts, each
    checked against the manifest."""
    backup = backup_read(folder)
    target = dj_database_url.parse(database_url)
    engine = target["ENGINE"]
    if backup.manifest["engine"] == "sqlite" and engine.endswith("sqlite3"):
        counts = _sqlite_restore(folder / DATABASE_SQLITE, Path(target["NAME"]))
    elif backup.manifest["engine"] == "postgresql" and engine.endswith("postgresql"):
        counts = _pg_restore(folder / DATABASE_PG, target)
    else:
        raise BackupError(
            f"备份来自 {backup.manifest['engine']}，不能恢复到 {engine.rsplit('.', 1)[-1]}"
            "（跨数据库迁移请用 dumpdata/loaddata）。"
        )
    expected = backup.manifest["tables"]
    differing = sorted(t for t in set(expected) | set(counts) if expected.get(t) != counts.get(t))
    if differing:
        raise BackupError(f"恢复后的行数与备份清单不符：{', '.join(differing[:10])}")
    if uploads is not None:
        _uploads_unpack(folder / UPLOADS, uploads)
    return counts


def _sqlite_restore(source: Path, target: Path) -> dict[str, int]:
    if target.exists() and target.stat().st_size > 0:
        raise BackupError(f"{target} 已存在：只能恢复到新的数据库。")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    conn = sqlite3.connect(target)
    try:
        if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise BackupError("恢复后的数据库校验失败。")
        return _counts(conn.cursor(), _sqlite_tables(conn))
    finally:
        conn.close()


def _pg_restore(source: Path, target: Mapping[str, Any]) -> dict[str, int]:
    import psycopg

    env, dsn = _pg_env_and_dsn(target)
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(_PG_TABLES)
        if cursor.fetchone() is not None:
            raise BackupError(f"数据库 {target.get('NAME')} 不是空的：只能恢复到新的数据库。")
    argv = [_pg_tools("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    argv += [f"--dbname={dsn}", str(source)]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)  # nosec B603
    if done.returncode != 0:
        raise BackupError(f"pg_restore 失败：{done.stderr.strip()[:500]}")
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        cursor.execute(_PG_TABLES)
        return _counts(cursor, [row[0] for row in cursor.fetchall()])


def _uploads_unpack(tar_path: Path, folder: Path) -> None:
    if folder.exists() and any(folder.iterdir()):
        raise BackupError(f"{folder} 不为空：上传文件只能恢复到空目录。")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(tar_path) as tar:
        tar.extractall(folder, filter="data")  # nosec B202: the data filter refuses escapes
