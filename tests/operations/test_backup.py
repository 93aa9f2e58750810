"""The backup and restore drill (issue 14 item 8): ``xueshi backup`` copies the database and
the uploads while the system runs; ``xueshi restore`` puts them into a fresh database, where
every row of every table is found again — hour records, certificates, audit rows included —
on SQLite (online backup API) and PostgreSQL (pg_dump of an exported snapshot)."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from tests.certificates.test_verify_page import issued_to, revoke
from xueshi.audit.models import AuditEvent
from xueshi.certificates.models import Certificate
from xueshi.operations.backup import BackupError, backup_create, backup_restore
from xueshi.records.models import HourRecord

pytestmark = pytest.mark.django_db(transaction=True)  # a backup sees committed data only


def _tables() -> list[str]:
    return sorted(connection.introspection.table_names())


def _rows(cursor: Any, table: str) -> list[tuple[Any, ...]]:
    """A table's rows, sorted; on PostgreSQL each row as its text (the drivers' type
    adapters differ between Django's connection and a plain one)."""
    if connection.vendor == "postgresql":
        cursor.execute(f'SELECT row_.*::text FROM "{table}" AS row_')
    else:
        cursor.execute(f'SELECT * FROM "{table}"')
    return sorted((tuple(_plain(value) for value in row) for row in cursor.fetchall()), key=repr)


def _plain(value: Any) -> Any:
    """A value as SQLite stores it (Django's connection converts dates and booleans)."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float | str | bytes) or value is None:
        return value
    return str(value)


def _live_rows() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the live database, read through the driver as the restored one is."""
    connection.ensure_connection()
    cursor = connection.connection.cursor()
    try:
        return {table: _rows(cursor, table) for table in _tables()}
    finally:
        cursor.close()


@pytest.fixture
def data(settings: Any) -> dict[str, Any]:
    """Certificates (one revoked), their hour records and audit rows, and an evidence file."""
    first = issued_to("陈一")
    second = issued_to("陈二", "汕头市第二中学")
    revoke(second, "错发")
    evidence = Path(settings.MEDIA_ROOT) / "evidence" / "2014" / "证明.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 evidence")
    assert HourRecord.objects.count() >= 6
    assert AuditEvent.objects.count() >= 3
    return {"certificates": [first.number, second.number], "evidence": evidence}


def _assert_restored(restored: dict[str, list[tuple[Any, ...]]], live: dict[str, Any]) -> None:
    assert set(restored) == set(live)
    for table, rows in live.items():
        assert restored[table] == rows, table
    for table in ("certificates_certificate", "records_hourrecord", "audit_auditevent"):
        assert live[table], f"{table} is empty: the drill would prove nothing"


def test_sqlite_backup_restores_every_row_into_a_fresh_database(
    data: dict[str, Any], tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill")
    live = _live_rows()
    call_command("backup", "--out", str(tmp_path / "backup"))
    assert "备份完成" in capsys.readouterr().out
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["engine"] == "sqlite"
    assert manifest["tables"]["certificates_certificate"] == 2
    assert manifest["uploads"]["files"] == 1
    assert AuditEvent.objects.filter(action="backup_create").count() == 1

    target = tmp_path / "restored" / "xueshi.sqlite3"
    uploads = tmp_path / "restored" / "uploads"
    call_command(
        "restore",
        str(tmp_path / "backup"),
        "--database",
        f"sqlite:///{target}",
        "--uploads",
        str(uploads),
    )
    assert "与备份清单一致" in capsys.readouterr().out
    with sqlite3.connect(target) as restored:
        cursor = restored.cursor()
        _assert_restored({t: _rows(cursor, t) for t in _tables()}, live)
        numbers = {row[0] for row in cursor.execute("SELECT number FROM certificates_certificate")}
    assert numbers == set(data["certificates"])
    assert (uploads / "evidence" / "2014" / "证明.pdf").read_bytes() == b"%PDF-1.4 evidence"


def test_a_restore_refuses_a_database_that_is_not_fresh_or_an_altered_backup(
    data: dict[str, Any], tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite drill")
    backup = backup_create(out=tmp_path / "backup")
    with pytest.raises(BackupError, match="不为空"):
        backup_create(out=tmp_path / "backup")
    existing = tmp_path / "in-use.sqlite3"
    existing.write_bytes(b"something")
    with pytest.raises(BackupError, match="只能恢复到新的数据库"):
        backup_restore(folder=backup.folder, database_url=f"sqlite:///{existing}")
    with pytest.raises(BackupError, match="不能恢复到"):
        backup_restore(folder=backup.folder, database_url="postgres://u@localhost/x")
    with (backup.folder / "database.sqlite3").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\x00altered")
    with pytest.raises(CommandError, match="已被改动"):
        call_command(
            "restore", str(backup.folder), "--database", f"sqlite:///{tmp_path / 'new.sqlite3'}"
        )


@pytest.fixture
def fresh_pg_database() -> Iterator[str]:
    """An empty PostgreSQL database beside the test database, dropped afterwards."""
    import psycopg

    params = connection.settings_dict
    name = f"{params['NAME']}_restore"
    admin = {
        "dbname": "postgres",
        "user": params.get("USER") or None,
        "host": params.get("HOST") or None,
        "port": params.get("PORT") or None,
        "password": params.get("PASSWORD") or None,
    }
    admin = {k: v for k, v in admin.items() if v}

    def run(sql: str) -> None:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(sql)

    run(f'DROP DATABASE IF EXISTS "{name}"')
    run(f'CREATE DATABASE "{name}"')
    user, host = params.get("USER") or "", params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or 5432
    try:
        yield f"postgres://{user}@{host}:{port}/{name}"
    finally:
        run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgresql_backup_restores_every_row_into_a_fresh_database(
    data: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the PostgreSQL drill")
    if shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    url = request.getfixturevalue("fresh_pg_database")
    live = _live_rows()
    backup = backup_create(out=tmp_path / "backup")
    assert backup.manifest["engine"] == "postgresql"
    assert (tmp_path / "backup" / "database.pgdump").stat().st_size > 0
    counts = backup_restore(folder=backup.folder, database_url=url)
    assert counts["certificates_certificate"] == 2
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        cursor = conn.cursor()
        _assert_restored({t: _rows(cursor, t) for t in _tables()}, live)
    with pytest.raises(BackupError, match="不是空的"):
        backup_restore(folder=backup.folder, database_url=url)
    assert Certificate.objects.count() == 2
