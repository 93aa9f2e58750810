"""Rotating the audit chain's key (docs/adr/0009-audit-chain.md): the old key seals the rows
before the rotation and the row recording it, the new key those after; both verify, an edit
on either side is found, and a lost old key is reported, not passed over."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from xueshi.audit.chain import audit_key_rotate, audit_seal, audit_verify, chain_key, key_id
from xueshi.audit.models import AuditChainHead, AuditEvent
from xueshi.audit.services import audit_event_write

pytestmark = pytest.mark.django_db


def _write(count: int, start: int = 0) -> list[AuditEvent]:
    return [
        audit_event_write(
            actor=None,
            role="bureau_staff",
            action="approve",
            target=("records.hourrecord", str(n)),
            data={"n": n},
        )
        for n in range(start, start + count)
    ]


def _rotated(capture: Any) -> tuple[list[AuditEvent], list[AuditEvent], str, str]:
    before = _write(3)
    audit_seal()
    with capture(execute=True):  # the new key file is written when the rotation commits
        old, new = audit_key_rotate()
    after = _write(2, start=10)
    audit_seal()
    return before, after, old, new


def test_the_chain_goes_on_with_the_new_key_and_verifies_whole(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    _, after, old, new = _rotated(django_capture_on_commit_callbacks)
    assert old != new
    assert key_id(chain_key()) == new
    rotation = AuditEvent.objects.get(action="audit_key_rotate")
    assert rotation.seq == 4  # the last row of the old key's segment
    assert rotation.data == {"from_key": old, "to_key": new}
    head = AuditChainHead.objects.get()
    assert head.segments == [[1, old], [5, new]]
    assert head.key_id == new
    assert [AuditEvent.objects.get(pk=r.pk).seq for r in after] == [5, 6]
    assert (Path(settings.XUESHI_KEYS_DIR) / f"audit-chain.{old}.key").exists()
    verdict = audit_verify()
    assert verdict.intact, verdict.problems
    assert verdict.checked == 6


@pytest.mark.parametrize("side", ["before", "after"])
def test_an_edit_on_either_side_of_a_rotation_is_found(
    django_capture_on_commit_callbacks: Any, side: str
) -> None:
    before, after, _, _ = _rotated(django_capture_on_commit_callbacks)
    row = before[1] if side == "before" else after[0]
    AuditEvent.objects.filter(pk=row.pk).update(comment="改过")
    verdict = audit_verify()
    seq = AuditEvent.objects.get(pk=row.pk).seq
    assert verdict.problems == [f"审计记录 #{row.pk}（序号 {seq}）已被改动。"]


def test_a_moved_segment_boundary_is_found(django_capture_on_commit_callbacks: Any) -> None:
    _, _, old, new = _rotated(django_capture_on_commit_callbacks)
    AuditChainHead.objects.update(segments=[[1, old], [4, new]])
    assert not audit_verify().intact


def test_a_lost_old_key_is_reported(django_capture_on_commit_callbacks: Any, settings: Any) -> None:
    _, _, old, _ = _rotated(django_capture_on_commit_callbacks)
    (Path(settings.XUESHI_KEYS_DIR) / f"audit-chain.{old}.key").unlink()
    verdict = audit_verify()
    assert verdict.problems == [f"缺少审计链密钥 {old}，无法校验其所封的记录。"]


def test_the_command_rotates_and_refuses_a_key_from_the_environment(
    django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(1)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("audit", "rotate-key", stdout=out)
    assert "审计链密钥已由" in out.getvalue()
    monkeypatch.setenv("XUESHI_AUDIT_KEY", "ab" * 32)
    with pytest.raises(CommandError, match="XUESHI_AUDIT_OLD_KEYS"):
        call_command("audit", "rotate-key", stdout=StringIO())
    assert AuditEvent.objects.filter(action="audit_key_rotate").count() == 1
