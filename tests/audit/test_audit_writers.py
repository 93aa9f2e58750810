"""Audit rows are written only through the audit service (``xueshi.audit.services``): one
place decides what an event holds (the actor, or None for the system; the target's label),
and a bulk writer keeps the batch entry's fast path there too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.support.factories import UserFactory
from xueshi.audit.models import AuditEvent
from xueshi.audit.services import audit_events_write_many
from xueshi.records.models import HourRecord

SRC = Path(__file__).resolve().parents[2] / "src" / "xueshi"
AUDIT = SRC / "audit"
MODEL = "xueshi.audit.models.AuditEvent"
# Manager and queryset methods that write (a read such as .filter() is anyone's).
WRITES = {
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "bulk_update",
    "delete",
    "save",
}


def _names_of_the_model(tree: ast.Module) -> set[str]:
    """The names a module gives AuditEvent (``from xueshi.audit.models import … as …``)."""
    names = {"AuditEvent"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "xueshi.audit.models":
            names |= {a.asname or a.name for a in node.names if a.name == "AuditEvent"}
    return names


def _starts_at_the_model(node: ast.expr, names: set[str]) -> bool:
    """Whether a chain such as ``AuditEvent.objects.filter(…)`` (or ``models.AuditEvent…``)
    starts at the model."""
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr == "AuditEvent":
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return isinstance(node, ast.Name) and node.id in names


def audit_writes(source: str, name: str) -> list[str]:
    """Where a module writes audit rows itself: constructs an AuditEvent, calls a writing
    method on a chain that starts at the model, or names the table in SQL."""
    tree = ast.parse(source, filename=name)
    names = _names_of_the_model(tree)
    found = []
    for node in ast.walk(tree):
        where = f"{name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in names:
                found.append(f"{where}: builds an AuditEvent")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in WRITES
                and _starts_at_the_model(func.value, names)
            ):
                found.append(f"{where}: AuditEvent….{func.attr}()")
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and "audit_auditevent" in node.value.lower()
        ):
            found.append(f"{where}: names the audit table in SQL")
    return found


def test_no_module_outside_the_audit_app_writes_audit_rows() -> None:
    """Every audit row goes through xueshi.audit.services (audit_event_write, or
    audit_events_write_many for a batch)."""
    offenders = [
        hit
        for path in sorted(SRC.rglob("*.py"))
        if AUDIT not in path.parents and "migrations" not in path.parts
        for hit in audit_writes(path.read_text(encoding="utf-8"), str(path.relative_to(SRC)))
    ]
    assert offenders == [], "write audit rows through xueshi.audit.services:\n" + "\n".join(
        offenders
    )


def test_the_check_sees_each_way_of_writing() -> None:
    """The check is not vacuous: each way of writing a row is caught, reading is not."""
    probe = (
        "from xueshi.audit.models import AuditEvent as Event\n"
        "from xueshi.audit import models\n"
        "Event(action='x')\n"
        "Event.objects.create(action='x')\n"
        "Event.objects.filter(action='x').delete()\n"
        "models.AuditEvent.objects.bulk_create([])\n"
        "cursor.execute('INSERT INTO audit_auditevent VALUES (1)')\n"
        "Event.objects.filter(action='x').count()\n"
    )
    hits = audit_writes(probe, "probe.py")
    assert [hit.split(": ", 1)[1] for hit in hits] == [
        "builds an AuditEvent",
        "AuditEvent….create()",
        "AuditEvent….delete()",
        "AuditEvent….bulk_create()",
        "names the audit table in SQL",
    ]


@pytest.mark.django_db
def test_many_events_are_written_alike_one_per_target() -> None:
    """The bulk writer gives every target the same event, as audit_event_write would, and
    keeps text that COPY must escape (a tab, a backslash, a line break) as it is."""
    actor = UserFactory()
    written = audit_events_write_many(
        actor=actor,
        role="provider_staff",
        action="enter",
        target_type=HourRecord,
        target_ids=[11, 12, "13"],
        from_status="",
        to_status="draft",
        comment="批量\t登记\\N\n第二行",
        policy_version="2026.1",
        data={"batch": 7},
    )
    assert written == 3
    events = AuditEvent.objects.order_by("target_id")
    assert [e.target_id for e in events] == ["11", "12", "13"]
    for event in events:
        assert (event.actor_id, event.role, event.action) == (actor.pk, "provider_staff", "enter")
        assert (event.target_type, event.to_status) == ("records.hourrecord", "draft")
        assert event.comment == "批量\t登记\\N\n第二行"
        assert (event.policy_version, event.data) == ("2026.1", {"batch": 7})
        assert event.created_at is not None
    assert (
        audit_events_write_many(
            actor=None, role="", action="x", target_type="certificates.signingkey", target_ids=[]
        )
        == 0
    )
