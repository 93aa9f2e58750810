"""Writing audit events. Call inside the transaction of the change it records."""

from __future__ import annotations

from typing import Any

from django.db import models

from xueshi.audit.models import AuditEvent


def audit_event_write(
    *,
    actor: Any,
    role: str,
    action: str,
    target: models.Model | tuple[str, str],
    from_status: str = "",
    to_status: str = "",
    comment: str = "",
    policy_version: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit row. ``target``: the model instance acted on, or (type, id) for something
    that is not a row (a signing key: ``("certificates.signingkey", kid)``)."""
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target._meta.label_lower, str(target.pk)
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        role=role,
        action=action,
        target_type=target_type,
        target_id=target_id,
        from_status=from_status,
        to_status=to_status,
        comment=comment,
        policy_version=policy_version,
        data=data or {},
    )
