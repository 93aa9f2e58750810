"""A certificate's verification path, walked: each step stamped by the role the policy names,
in order (rules.verification; Luojiang §二(一), §二(二)). The stamp — which step, who, which
body, when, the seal — is kept on the certificate, signed (bound to the certificate's payload
and the stamp before it), and shown on its public page; the last step's stamp puts the
certificate in effect (``stamped_at``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Certificate, CertificateStatus
from xueshi.certificates.paths import PATH_ROLE_OF, path_next, path_steps, waiting_text
from xueshi.certificates.signing import stamp_sign
from xueshi.errors import ServiceError
from xueshi.people.selectors import professionals_visible


def body_of(active: ActiveRole) -> str:
    """The body a stamp is given in the name of: the authority, or the region's bureau."""
    assignment = active.assignment
    if active.role is Role.AUTHORITY_REVIEWER and assignment.authority is not None:
        return assignment.authority.name
    region = assignment.region
    return f"{region.name}人力资源和社会保障局" if region is not None else str(active.role.label)


def stamp_refusal(certificate: Certificate, active: ActiveRole) -> str:
    """Why ``active`` may not stamp the certificate now ("" when it may)."""
    if certificate.status != CertificateStatus.VALID:
        return f"证书 {certificate.number} 已{certificate.get_status_display()}，不能验证。"
    if not certificate.path:
        return f"证书 {certificate.number} 没有规定的验证流程。"
    found = path_next(certificate)
    if found is None:
        return f"证书 {certificate.number} 已完成验证。"
    mine = PATH_ROLE_OF.get(active.role)
    if mine not in found.waiting:
        return (
            f"证书 {certificate.number} 当前{waiting_text(found)}，不能由{active.role.label}办理。"
            f"依据：{found.step.citation}"
        )
    return ""


def stamp_give(
    certificate: Certificate, *, actor: User, active: ActiveRole, now: dt.datetime
) -> dict[str, Any]:
    """Stamp the step ``active`` is awaited at (checked by the caller under a lock); the last
    stamp of the path puts the certificate in effect. One audit row."""
    found = path_next(certificate)
    assert found is not None
    role = PATH_ROLE_OF[active.role]
    stamp = {
        "step": found.index,
        "act": found.step.act,
        "role": str(role),
        "body": body_of(active),
        "by": str(actor),
        "user": actor.pk,
        "at": now.isoformat(),
        "seal": found.step.seal,
        "kind": found.step.kind,
    }
    # Signed with the certificate's payload and the stamp before it: not altered, moved,
    # reordered or added outside this service unnoticed (the public page checks it).
    given = list(certificate.stamps or [])
    stamp["sig"] = stamp_sign(
        stamp,
        keyring(),
        number=certificate.number,
        payload=certificate.payload,
        previous=str(given[-1].get("sig") or "") if given else "",
    )
    certificate.stamps = [*given, stamp]
    fields = ["stamps"]
    if path_next(certificate) is None:
        certificate.stamped_at = now
        certificate.stamped_by = actor
        certificate.stamp_rule = "；".join(
            dict.fromkeys(s.citation for s in path_steps(certificate))
        )
        fields += ["stamped_at", "stamped_by", "stamp_rule"]
    certificate.save(update_fields=fields)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="stamp",
        target=certificate,
        comment=f"{found.step.act}（{stamp['body']}）",
        policy_version=certificate.policy_version,
        data={"step": found.index, "act": found.step.act, "rule": found.step.citation},
    )
    return stamp


@transaction.atomic
def certificate_stamp(
    *, actor: User, active: ActiveRole, certificate_id: int, now: dt.datetime | None = None
) -> Certificate:
    """The step of the certificate's path that waits for ``active``'s role, stamped in the
    name of its body: the health authority's 初审, the education authority's 审核验印, the
    joint 统一验证 (each body its own stamp), the bureau's 验证. Refused, with the step and
    its clause, to any other role, out of scope, or out of order."""
    if active.role not in PATH_ROLE_OF:
        raise ServiceError("证书验证由行业主管部门或人社部门办理。")
    visible = professionals_visible(active).values("pk")
    try:
        certificate = Certificate.objects.select_for_update().get(
            pk=certificate_id, professional__in=visible
        )
    except Certificate.DoesNotExist:
        raise ServiceError("证书不存在，或不在您的管辖范围内。") from None
    refusal = stamp_refusal(certificate, active)
    if refusal:
        raise ServiceError(refusal)
    stamp_give(certificate, actor=actor, active=active, now=now or clock.now())
    return certificate
