"""The audit chain (docs/adr/0009-audit-chain.md): rows sealed with HMAC-SM3 after their
transaction commits; ``xueshi audit verify`` finds an edited, deleted or forged row."""

from __future__ import annotations

import threading
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from tests.support.factories import UserFactory
from xueshi.audit.chain import (
    GENESIS,
    _seal_after_commit,
    audit_seal,
    audit_verify,
    chain_key,
    event_mac,
)
from xueshi.audit.models import AuditChainHead, AuditEvent
from xueshi.audit.services import audit_event_write, audit_events_write_many

pytestmark = pytest.mark.django_db


def _write(count: int, **extra: Any) -> list[AuditEvent]:
    return [
        audit_event_write(
            actor=None,
            role="bureau_staff",
            action="approve",
            target=("records.hourrecord", str(n)),
            comment=f"第 {n} 条",
            data={"hours": 1.5, "列表": (1, 2), "n": n},
            **extra,
        )
        for n in range(count)
    ]


def _verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit", "verify", stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = int(exit.code or 0)
    return code, out.getvalue(), err.getvalue()


def test_rows_are_sealed_in_a_chain_that_verifies() -> None:
    _write(5)
    audit_events_write_many(
        actor=None, role="", action="enter", target_type="records.hourrecord", target_ids=[7, 8]
    )
    assert AuditEvent.objects.filter(seq__isnull=True).count() == 7
    assert audit_seal() == 7
    rows = list(AuditEvent.objects.order_by("seq"))
    assert [r.seq for r in rows] == list(range(1, 8))
    previous = GENESIS
    for row in rows:  # each MAC covers the one before it
        values = {f: getattr(row, f) for f in ("created_at", "actor_id", "role", "action")}
        values |= {
            f: getattr(row, f)
            for f in (
                "target_type",
                "target_id",
                "from_status",
                "to_status",
                "comment",
                "policy_version",
                "data",
                "client_address",
                "result",
            )
        }
        assert event_mac(chain_key(), row.seq or 0, previous, values) == row.mac
        previous = row.mac
    head = AuditChainHead.objects.get()
    assert (head.seq, head.mac) == (7, previous)
    code, out, _ = _verify()
    assert code == 0
    assert "审计链完整：已校验 7 条记录" in out


def test_an_edited_row_is_found() -> None:
    rows = _write(5)
    audit_seal()
    AuditEvent.objects.filter(pk=rows[2].pk).update(comment="改过的意见")
    code, _, err = _verify()
    assert code == 1
    assert f"审计记录 #{rows[2].pk}（序号 3）已被改动" in err


@pytest.mark.parametrize("field", ["actor", "created_at", "data", "result", "client_address"])
def test_any_column_changed_is_found(field: str) -> None:
    rows = _write(3)
    audit_seal()
    changes: dict[str, Any] = {
        "actor": {"actor": UserFactory()},
        "created_at": {"created_at": rows[1].created_at.replace(year=2013)},
        "data": {"data": {"hours": 15, "列表": [1, 2], "n": 1}},
        "result": {"result": "failure"},
        "client_address": {"client_address": "10.0.0.1"},
    }
    AuditEvent.objects.filter(pk=rows[1].pk).update(**changes[field])
    assert not audit_verify().intact


def test_a_deleted_row_in_the_middle_is_found() -> None:
    rows = _write(5)
    audit_seal()
    AuditEvent.objects.filter(pk=rows[1].pk).delete()
    code, _, err = _verify()
    assert code == 1
    assert "第 2 至 2 条审计记录缺失" in err


def test_a_deleted_last_row_is_found_and_so_is_moving_the_head_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    rows = _write(4)
    with django_capture_on_commit_callbacks(execute=True):
        audit_seal()  # the anchor file is written when the seal commits
    AuditEvent.objects.filter(pk=rows[3].pk).delete()
    assert "审计链末端不符" in _verify()[2]
    # moving the head back to the row before in the database: the anchor outside finds it
    AuditChainHead.objects.update(seq=3, mac=AuditEvent.objects.get(seq=3).mac)
    code, _, err = _verify()
    assert code == 1
    assert "数据库外的锚点记到第 4 条" in err


def test_a_row_renumbered_or_forged_without_the_key_is_found() -> None:
    rows = _write(3)
    audit_seal()
    forged = AuditEvent.objects.get(pk=rows[2].pk)
    forged.pk, forged.seq, forged.comment = None, 4, "伪造"
    forged.mac = "ab" * 32
    forged.save()
    AuditChainHead.objects.update(seq=4, mac=forged.mac)
    assert "已被改动" in _verify()[2]


def test_a_row_left_unsealed_by_a_dead_process_is_reported_then_sealed() -> None:
    _write(2)
    first = AuditEvent.objects.first()
    assert first is not None
    AuditEvent.objects.update(created_at=first.created_at.replace(year=2020))
    code, _, err = _verify()
    assert code == 1
    assert "2 条审计记录超过一分钟仍未入链" in err
    out = StringIO()
    call_command("audit", "seal", stdout=out)
    assert "已封链 2 条" in out.getvalue()
    assert _verify()[0] == 0


def test_rows_are_sealed_when_their_transaction_commits(
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _write(3)
    # one seal for the transaction, not one per row
    assert sum(callback is _seal_after_commit for callback in callbacks) == 1
    assert not AuditEvent.objects.filter(seq__isnull=True).exists()
    assert audit_verify().intact


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_make_one_unbroken_chain() -> None:
    """Real threads on PostgreSQL, each committing audit rows: every row is sealed once,
    positions 1..N without gap or repeat."""
    if connection.vendor != "postgresql":
        pytest.skip("races can only be shown on PostgreSQL (DATABASE_URL=postgres://…)")
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                _write(3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    audit_seal()
    assert AuditEvent.objects.count() == 240
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 241))
    assert audit_verify().intact
