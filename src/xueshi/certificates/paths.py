"""Reading a certificate's verification path (rules.verification) and the stamps given on
it: what it waits for, and the stamps as the certificate's pages and its public page show
them — who verified, which body, when."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from xueshi.accounts.models import Role
from xueshi.rules.terms import Role as PathRole
from xueshi.rules.verification import Next, PathStep, Stamp, next_stamp

# The role of a path a user's role stands for.
PATH_ROLE_OF = {
    Role.AUTHORITY_REVIEWER: PathRole.INDUSTRY_AUTHORITY,
    Role.BUREAU_STAFF: PathRole.BUREAU,
}


def path_steps(certificate: Any) -> tuple[PathStep, ...]:
    return tuple(PathStep.from_dict(raw) for raw in certificate.path or [])


def path_next(certificate: Any) -> Next | None:
    """The step the certificate waits for, or None (no path, or its path is done)."""
    stamps = tuple(Stamp(int(s["step"]), PathRole(s["role"])) for s in certificate.stamps or [])
    return next_stamp(path_steps(certificate), stamps)


def waiting_text(found: Next) -> str:
    """待行业主管部门初审: the roles the step still waits for and what they do."""
    who = "、".join(r.label for r in found.waiting)
    joint = "（会同办理）" if found.step.joint else ""
    return f"待{who}{found.step.act}{joint}"


def stamp_line(stamp: dict[str, Any]) -> str:
    """初审：洛江区卫生和计划生育局（经办人 王敏），2018-01-10 — one stamp as shown."""
    at = dt.datetime.fromisoformat(str(stamp["at"]))
    day = f"{timezone.localtime(at):%Y-%m-%d}" if timezone.is_aware(at) else f"{at:%Y-%m-%d}"
    seal = f"，{stamp['seal']}" if stamp.get("seal") else ""
    return f"{stamp['act']}：{stamp['body']}（经办人 {stamp['by']}{seal}），{day}"


def stamp_lines(certificate: Any) -> tuple[str, ...]:
    """The stamps given, in order, then what the path still waits for."""
    lines = [stamp_line(s) for s in certificate.stamps or []]
    found = path_next(certificate) if certificate.path else None
    if found is not None:
        lines.append(waiting_text(found))
    return tuple(lines)
