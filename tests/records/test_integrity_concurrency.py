"""The same declaration sent twice at the same moment (a double click, two tabs, the web and
the API) is saved once: the entry's integrity check locks the person's row, so the second
waits for the first to commit and then finds it. PostgreSQL only (SQLite serialises
writers and cannot show a race)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from tests.records.conftest import World
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 8


def test_the_same_declaration_sent_at_once_by_8_threads_is_saved_once(world: World) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")
    start = threading.Barrier(THREADS)
    saved: list[int] = []
    refused: list[str] = []
    unexpected: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            start.wait()
            try:
                record = world.declare(salt=str(n).encode())
            except ServiceError as exc:
                with lock:
                    refused.append(exc.message)
            else:
                with lock:
                    saved.append(record.pk)
        except BaseException as exc:
            with lock:
                unexpected.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert unexpected == []
    assert len(saved) == 1
    assert len(refused) == THREADS - 1
    assert all(f"#{saved[0]}" in message for message in refused)
    assert HourRecord.objects.filter(professional=world.person).count() == 1
