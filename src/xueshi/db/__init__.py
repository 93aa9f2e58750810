"""Database helpers the ORM does not offer, for the few hot paths that need them.

- ``insert_like``: many rows that differ in one column, from one prototype instance
  (a batch's records and audit events);
- ``fetchone_prepared``: a query run as a prepared statement on PostgreSQL (the public
  verification page).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from django.db import DEFAULT_DB_ALIAS, connection, connections, models

BULK_BATCH = 5_000


def insert_like(prototype: models.Model, column: str, values: Sequence[Any]) -> None:
    """INSERT one row per value: the prototype's fields, with ``column`` set to the value.

    The prototype's values are prepared for the database once; ``bulk_create`` prepares
    every value of every row, which cost 25 times the INSERT itself at 100,000 records.
    PostgreSQL takes the rows through COPY (~4x executemany); SQLite through executemany."""
    meta = prototype._meta
    # Not the primary key, nor a column the database computes (``GeneratedField``).
    fields = [f for f in meta.concrete_fields if not f.primary_key and not f.generated]
    prepared = [f.get_db_prep_save(f.pre_save(prototype, True), connection) for f in fields]
    index = next(i for i, f in enumerate(fields) if f.attname == column)
    q = connection.ops.quote_name
    table, columns = q(meta.db_table), ", ".join(q(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The prototype's row as COPY text once; per value only the one column changes
            # (psycopg's write_row formats every column of every row: most of the time).
            before, after = copy_text_around(cursor.cursor, prepared, index)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for start in range(0, len(values), BULK_BATCH):
                    copy.write(
                        b"".join(
                            before + copy_escape(str(value).encode()) + after
                            for value in values[start : start + BULK_BATCH]
                        )
                    )
            return
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # nosec B608
        for start in range(0, len(values), BULK_BATCH):
            rows = []
            for value in values[start : start + BULK_BATCH]:
                row = list(prepared)
                row[index] = value
                rows.append(row)
            cursor.executemany(sql, rows)


def copy_escape(data: bytes) -> bytes:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    if b"\\" in data or b"\t" in data or b"\n" in data or b"\r" in data:
        data = (
            data.replace(b"\\", b"\\\\")
            .replace(b"\t", b"\\t")
            .replace(b"\n", b"\\n")
            .replace(b"\r", b"\\r")
        )
    return data


def copy_text_around(cursor: Any, prepared: Sequence[Any], index: int) -> tuple[bytes, bytes]:
    """The COPY text of a row's columns before and after column ``index`` (with their tabs,
    and the line's end), each value written by psycopg's own text dumper for its type."""
    from psycopg.adapt import PyFormat, Transformer

    transformer = Transformer.from_context(cursor)

    def text(value: Any) -> bytes:
        if value is None:
            return b"\\N"
        dumped = transformer.get_dumper(value, PyFormat.TEXT).dump(value)
        if dumped is None:
            return b"\\N"
        return copy_escape(bytes(dumped))

    cells = [text(value) for value in prepared]
    before = b"".join(cell + b"\t" for cell in cells[:index])
    after = b"".join(b"\t" + cell for cell in cells[index + 1 :]) + b"\n"
    return before, after


def fetchone_prepared(
    sql: str, params: Sequence[Any], using: str = DEFAULT_DB_ALIAS
) -> tuple[Any, ...] | None:
    """The first row of ``sql`` on the database ``using`` (the primary unless a page that
    may read a replica asks for it: ``xueshi.db.replica``). On PostgreSQL as a prepared
    statement on the connection (psycopg prepares it on first use: parsed and planned once
    per connection, not on every call); Django's own cursors bind on the client side, which
    cannot be prepared. Where queries are being logged (DEBUG, tests that count them) it goes
    through Django's cursor, which logs it."""
    db = connections[using]
    if db.vendor == "postgresql" and not db.queries_logged:
        db.ensure_connection()
        with psycopg.Cursor(db.connection) as raw:
            raw.execute(sql, params, prepare=True)
            return raw.fetchone()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        row: tuple[Any, ...] | None = cursor.fetchone()
        return row
