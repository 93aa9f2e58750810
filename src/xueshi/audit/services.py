"""Writing audit events. Call inside the transaction of the change it records.

These are the only writers of ``AuditEvent`` rows (tests/audit/test_audit_writers.py holds
every other module to it)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeAlias, TypedDict, Unpack, cast

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

from xueshi.audit.chain import normalised_data, seal_after_commit
from xueshi.audit.context import current_client_address
from xueshi.audit.models import AuditEvent
from xueshi.db import insert_like

Actor: TypeAlias = AbstractBaseUser | AnonymousUser | None
"""Whoever acted, as the audit trail takes it: a user, or None for the system (a command, a
worker); an anonymous user is recorded as no actor. (The services above take
``accounts.models.User``; this layer sits below accounts.)"""


class EventDetails(TypedDict, total=False):
    """What an event says besides who did what to what (each blank if not given)."""

    from_status: str
    to_status: str
    comment: str
    policy_version: str
    data: dict[str, Any] | None
    client_address: str
    result: str


def _event(
    actor: Actor, role: str, action: str, target_type: str, target_id: str, details: EventDetails
) -> AuditEvent:
    """The event, not saved: the actor is the user, or None for the system (an actor that
    is not a saved user)."""
    return AuditEvent(
        actor=cast(Any, actor) if isinstance(actor, AbstractBaseUser) and actor.pk else None,
        role=role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        **{
            **details,
            "data": normalised_data(details.get("data")),
            "client_address": details.get("client_address") or current_client_address(),
            "result": details.get("result") or "success",
        },
    )


def audit_event_write(
    *,
    actor: Actor,
    role: str,
    action: str,
    target: models.Model | tuple[str, str],
    **details: Unpack[EventDetails],
) -> AuditEvent:
    """One audit row. ``target``: the model instance acted on, or (type, id) for something
    that is not a row (a signing key: ``("certificates.signingkey", kid)``)."""
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target._meta.label_lower, str(target.pk)
    event = _event(actor, role, action, target_type, target_id, details)
    event.save(force_insert=True)
    seal_after_commit()
    return event


def audit_events_write_many(
    *,
    actor: Actor,
    role: str,
    action: str,
    target_type: type[models.Model] | str,
    target_ids: Sequence[int | str],
    **details: Unpack[EventDetails],
) -> int:
    """One audit row per id of ``target_ids``, alike in everything else: the same action by
    the same actor on many rows of one model (a provider's batch entering 100,000 records).

    Written from one prototype row (``xueshi.db.insert_like``: COPY on PostgreSQL), not one
    INSERT each; every row gets the same time. ``target_type``: the model, or its label.
    Returns the number of rows written."""
    if not target_ids:
        return 0
    if not isinstance(target_type, str):
        target_type = target_type._meta.label_lower
    prototype = _event(actor, role, action, target_type, "", details)
    insert_like(prototype, "target_id", [str(pk) for pk in target_ids])
    seal_after_commit()
    return len(target_ids)
