"""Writes of the ledger: refresh one person's rows inside the transaction of the change that
moved them, and rebuild whole years set-based (the year-end job, or after a policy change).

Concurrency: a refresh locks the person's row first and reads the records after, so two
approvals of the same person's records queue up and the second sees the first (a refresh
that read before the other committed would write a stale row over a fresh one). On
PostgreSQL a refresh also takes a shared lock on the open year's row, which a rebuild takes
exclusively: a rebuild waits for the refreshes under way and those that start during it wait
for the rebuild, so neither overwrites the other with older figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice

from django.db import connection, transaction
from django.utils import timezone

from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.compliance.bridge import LOOKBACK_YEARS
from xueshi.compliance.compute import PEOPLE_CHUNK, ROW_FIELDS, Row, period, person_rows, year_rows
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.profiles import profile_of
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules.counting import PENDING_STATES, UNREAD_STATES
from xueshi.rules.workflow import RecordState
from xueshi.standing import RecordFacts

WRITE_BATCH = 5_000


def _open_years(years: Iterable[int] | None, *, share_lock: bool) -> list[int]:
    """The open years among ``years`` (all open years if None), share-locked on PostgreSQL
    until the transaction ends (see the module docstring)."""
    table = LedgerYear._meta.db_table
    wanted = None if years is None else sorted(set(years))
    if wanted == []:
        return []
    where, params = "", []
    if wanted is not None:
        where = f" WHERE year IN ({', '.join(['%s'] * len(wanted))})"
        params = wanted
    lock = " FOR SHARE" if share_lock and connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT year FROM {table}{where} ORDER BY year{lock}", params)  # nosec B608
        return [int(row[0]) for row in cursor.fetchall()]


def _upsert(rows: Sequence[Row]) -> None:
    fields = _field_names()
    objects = [PersonYear(**dict(zip(ROW_FIELDS, row, strict=True))) for row in rows]
    PersonYear.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["professional", "year"],
        update_fields=[f for f in fields if f not in ("professional", "year")],
    )


def ledger_refresh(*, professional_id: int, years: Iterable[int] | None = None) -> int:
    """Recompute the person's rows for ``years`` (every open year if None) with the single
    evaluation and write them; years the ledger has not opened are skipped. Call it inside
    the transaction of the change. Returns the number of rows written."""
    with transaction.atomic():
        open_years = _open_years(years, share_lock=True)
        if not open_years:
            return 0
        professional = (
            Professional.objects.select_for_update(of=("self",)).filter(pk=professional_id).first()
        )
        if professional is None:
            return 0
        rows = person_rows(current_policy(), professional, open_years, timezone.now())
        _upsert(rows)
        return len(rows)


def _lock_people(ids: Sequence[int]) -> None:
    """Lock the people's rows, as ``ledger_refresh`` does (PostgreSQL; a SQLite write
    transaction already holds the database's one write lock)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM {Professional._meta.db_table} WHERE id = ANY(%s) "  # nosec B608
            "ORDER BY id FOR UPDATE",
            [list(ids)],
        )


def _upsert_sql() -> str:
    """INSERT a row, or replace the figures of the person's row of that year."""
    column_of = {f.name: f.column for f in PersonYear._meta.concrete_fields}
    key = {column_of["professional"], column_of["year"]}
    columns = [column_of[name] for name in _field_names()]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return (
        f"{_insert_sql()} ON CONFLICT ({column_of['professional']}, {column_of['year']}) "  # nosec B608
        f"DO UPDATE SET {updates}"
    )


@contextmanager
def _people_in_open_years(
    professional_ids: Iterable[int], years: Iterable[int] | None
) -> Iterator[tuple[list[int], list[int]]]:
    """In one transaction: the people (sorted, each once) and the open years among ``years``
    (share-locked), the people locked as ``ledger_refresh`` locks them. Either list may be
    empty: then there is nothing to write."""
    ids = sorted(set(professional_ids))
    with transaction.atomic():
        open_years = _open_years(years, share_lock=True) if ids else []
        if ids and open_years:
            _lock_people(ids)
        yield ids, open_years


def ledger_refresh_many(
    *, professional_ids: Iterable[int], years: Iterable[int] | None = None
) -> int:
    """``ledger_refresh`` for many people at once (a batch entry of a class), set-based: the
    rows come from ``year_rows`` for those people — the same figures the rebuild writes, a
    few statements per two thousand people instead of a query and a verdict per person.
    Locks the people as ``ledger_refresh`` does. Returns the number of rows written."""
    with _people_in_open_years(professional_ids, years) as (ids, open_years):
        if not ids or not open_years:
            return 0
        policy = current_policy()
        now = timezone.now()
        written = 0
        sql = _upsert_sql()
        with connection.cursor() as cursor:
            for year in open_years:
                for batch in _batches(year_rows(policy, year, now, ids), WRITE_BATCH):
                    cursor.executemany(sql, batch)
                    written += len(batch)
        return written


def ledger_pending_added(*, professional_ids: Iterable[int], years: Iterable[int]) -> int:
    """One record each just entered *pending* for these people (a provider's batch that a
    reviewer will decide on), credited to a year that the verdicts of ``years`` read: a
    verdict counts a pending record and nothing more, so each of their rows of those years
    gains one in ``pending`` — an UPDATE, not a re-evaluation (the workflow test checks that
    the ledger still equals fresh verdicts). A person without a row in an open year (none
    should be: registration writes them) has every row written in full. Returns the rows
    changed."""
    with _people_in_open_years(professional_ids, years) as (ids, open_years):
        if not ids or not open_years:
            return 0
        meta = PersonYear._meta
        pending, updated_at = meta.get_field("pending").column, meta.get_field("updated_at").column
        person, year = meta.get_field("professional").column, meta.get_field("year").column
        years_in = ", ".join(["%s"] * len(open_years))
        changed = 0
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # One statement, the people as an array joined in (a long IN list is
                # planned as a scan of the whole table, once per chunk).
                cursor.execute(
                    f"UPDATE {meta.db_table} AS l SET {pending} = l.{pending} + 1, "  # nosec B608
                    f"{updated_at} = %s FROM unnest(%s::bigint[]) AS p(id) "
                    f"WHERE l.{person} = p.id AND l.{year} = ANY(%s)",
                    [timezone.now(), ids, open_years],
                )
                changed = cursor.rowcount
            else:
                for start in range(0, len(ids), PEOPLE_CHUNK):
                    chunk = ids[start : start + PEOPLE_CHUNK]
                    cursor.execute(
                        f"UPDATE {meta.db_table} SET {pending} = {pending} + 1, "  # nosec B608
                        f"{updated_at} = %s WHERE {year} IN ({years_in}) "
                        f"AND {person} IN ({', '.join(['%s'] * len(chunk))})",
                        [timezone.now(), *open_years, *chunk],
                    )
                    changed += cursor.rowcount
        if changed != len(ids) * len(open_years):
            return ledger_refresh_many(professional_ids=ids, years=open_years)
        return changed


def years_reading(professional: Professional, credited_year: int) -> list[int]:
    """The open years whose verdict reads records credited to ``credited_year``: that year,
    and for a teacher every cycle-end year whose five years include it."""
    policy = current_policy()
    candidates = range(credited_year, credited_year + LOOKBACK_YEARS)
    years = _open_years(candidates, share_lock=False)
    return [
        year
        for year in years
        if credited_year
        in period(
            policy,
            profile_of(
                professional.region_id,
                year,
                professional.series,
                professional.title_level,
                professional.institution_level,
            ),
        )
    ]


def ledger_record_changed(*, record: RecordFacts) -> int:
    """A record changed state (or was entered): refresh the rows that read it."""
    if record.status == RecordState.DRAFT:
        return 0
    professional = record.professional
    years = years_reading(professional, record.credited_year)
    if not years:
        return 0
    return ledger_refresh(professional_id=professional.pk, years=years)


def ledger_records_entered(*, prototype: RecordFacts, professional_ids: Sequence[int]) -> int:
    """What ``ledger_record_changed`` does for each record entered like ``prototype``, with
    the years that read them found once for the profile rather than once per record."""
    if prototype.status == RecordState.DRAFT:
        return 0
    years = years_reading(prototype.professional, prototype.credited_year)
    if not years:
        return 0
    if prototype.status in PENDING_STATES:
        return ledger_pending_added(professional_ids=professional_ids, years=years)
    return ledger_refresh_many(professional_ids=professional_ids, years=years)


class LedgerKeeper:
    """The ledger's side of ``xueshi.standing``, registered by ``ComplianceConfig.ready``."""

    def person_changed(self, *, professional_id: int) -> int:
        return ledger_refresh(professional_id=professional_id)

    def record_changed(self, *, record: RecordFacts) -> int:
        return ledger_record_changed(record=record)

    def records_entered(self, *, prototype: RecordFacts, professional_ids: Sequence[int]) -> int:
        return ledger_records_entered(prototype=prototype, professional_ids=professional_ids)


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch


def _insert_sql() -> str:
    column_of = {f.name: f.column for f in PersonYear._meta.concrete_fields}
    columns = ", ".join(column_of[name] for name in _field_names())
    marks = ", ".join(["%s"] * len(ROW_FIELDS))
    return f"INSERT INTO {PersonYear._meta.db_table} ({columns}) VALUES ({marks})"  # nosec B608


def _field_names() -> list[str]:
    return [f.removesuffix("_id") for f in ROW_FIELDS]


def _rebuild_year(year: int, actor: User | None) -> int:
    policy = current_policy()
    now = timezone.now()
    # Open (or lock) the year first: refreshes under way finish, new ones wait (PostgreSQL).
    ledger_year, _ = LedgerYear.objects.get_or_create(
        year=year, defaults={"rebuilt_at": now, "policy_version": policy.version}
    )
    LedgerYear.objects.select_for_update().filter(year=year).first()
    PersonYear.objects.filter(year=year).delete()
    written = 0
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # COPY: ~10x executemany for a million rows
            column_of = {f.name: f.column for f in PersonYear._meta.concrete_fields}
            columns = ", ".join(column_of[name] for name in _field_names())
            rows = year_rows(policy, year, now)  # its queries first: COPY holds the connection
            with cursor.cursor.copy(
                f"COPY {PersonYear._meta.db_table} ({columns}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        else:
            sql = _insert_sql()
            for batch in _batches(year_rows(policy, year, now), WRITE_BATCH):
                cursor.executemany(sql, batch)
                written += len(batch)
    ledger_year.rebuilt_at = now
    ledger_year.policy_version = policy.version
    ledger_year.rows = written
    ledger_year.save(update_fields=["rebuilt_at", "policy_version", "rows"])
    audit_event_write(
        actor=actor,
        role="system",
        action="ledger_rebuild",
        target=ledger_year,
        policy_version=policy.version,
        data={"rows": written},
    )
    return written


def ledger_rebuild(*, year: int | None = None, actor: User | None = None) -> dict[int, int]:
    """Rebuild the ledger set-based: for ``year`` (opening it if new), or for every open year
    and every year records are credited to. Each year is one transaction. Returns the rows
    written by year."""
    if year is not None:
        years = [year]
    else:
        credited = (
            HourRecord.objects.exclude(status__in=UNREAD_STATES)
            .values_list("credited_year", flat=True)
            .distinct()
            .order_by()
        )
        years = sorted({*LedgerYear.objects.values_list("year", flat=True), *credited})
    written = {}
    for each in years:
        with transaction.atomic():
            written[each] = _rebuild_year(each, actor)
    ledger_vacuum()
    return written


def ledger_vacuum() -> None:
    """After a rebuild has committed (PostgreSQL, outside a transaction): a million new rows
    get their visibility map and statistics now, so that the dashboard's GROUP BY is an
    index-only scan at once (not after autovacuum's turn). Elsewhere, nothing."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM (ANALYZE) {PersonYear._meta.db_table}")


def ledger_analyze() -> None:
    """Inside the transaction of a rebuild (PostgreSQL): the statistics of the new rows, so
    that counting from them in the same transaction plans as it would after the commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PersonYear._meta.db_table}")
