"""Writes of accounts: a password change and an unlock. Each is one transaction with its
audit row (password resets by an organisation or a bureau are people.services', where the
scope of who may reset whom is known)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.accounts.network import client_address
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError

UNLOCKERS = (Role.SECURITY_ADMIN,)


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The user's own change: the old password checked, the new one validated."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password or ""):
        raise ServiceError("原密码不正确。", field="old_password")
    if new_password == old_password:
        raise ServiceError("新密码不能与原密码相同。", field="new_password1")
    try:
        validate_password(new_password or "", user=user)
    except ValidationError as error:
        raise ServiceError("".join(error.messages), field="new_password1") from None
    forced = user.must_change_password
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_event_write(
        actor=user,
        role="",
        action="password_change",
        target=user,
        data={"after_reset": forced},
    )
    return user


def temporary_password_expired(user: User) -> bool:
    """A password set by a reset (``must_change_password``) older than
    ``XUESHI_TEMPORARY_PASSWORD_HOURS``: it no longer signs in (the server's clock)."""
    if not user.must_change_password:
        return False
    age = timezone.now() - user.password_changed_at
    return age > timedelta(hours=settings.XUESHI_TEMPORARY_PASSWORD_HOURS)


@transaction.atomic
def login_refused(request: HttpRequest, user: User, reason: str) -> None:
    """A right password that does not sign in (an expired temporary password): audited."""
    audit_event_write(
        actor=user,
        role="",
        action="login_refused",
        target=user,
        result="refused",
        client_address=client_address(request),
        data={"username": user.username, "reason": reason},
    )


def locked_usernames() -> list[str]:
    """Usernames django-axes holds locked now."""
    from axes.models import AccessAttempt

    attempts = AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT)
    if settings.AXES_COOLOFF_TIME:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return sorted({a.username for a in attempts if a.username})


@transaction.atomic
def account_unlock(*, actor: User, active: ActiveRole, username: str) -> int:
    """Lift django-axes' lock on ``username`` (安全管理员 only). Returns the attempts removed."""
    from axes.utils import reset

    if active.role not in UNLOCKERS:
        raise ServiceError("只有安全管理员可以解除账户锁定。")
    username = (username or "").strip()[:150]
    if not username:
        raise ServiceError("请选择要解锁的账户。")
    removed = reset(username=username)
    if not removed:
        raise ServiceError("该账户当前未被锁定。")
    target = User.objects.filter(username__iexact=username).first()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="account_unlock",
        target=target if target is not None else ("accounts.user", ""),
        data={"username": username, "attempts_removed": removed},
    )
    return removed


def role_switch(*, user: User, role_id: int, previous: ActiveRole | None) -> RoleAssignment:
    """Check that ``role_id`` is one of the user's own roles and audit the switch (the
    caller puts it in the session)."""
    assignment = RoleAssignment.objects.filter(user=user, pk=role_id).first()
    if assignment is None:
        raise ServiceError("无效的角色。")
    audit_event_write(
        actor=user,
        role=assignment.role,
        action="role_switch",
        target=assignment,
        from_status=previous.role.value if previous is not None else "",
        to_status=assignment.role,
    )
    return assignment


def read_audited(
    *,
    actor: User,
    active: ActiveRole | None,
    action: str,
    target: tuple[str, str],
    data: dict[str, str] | None = None,
) -> None:
    """An audit row for a read that the baseline wants on record (an export, the audit log
    itself); written in its own transaction, sealed when it commits."""
    with transaction.atomic():
        audit_event_write(
            actor=actor,
            role=active.role.value if active is not None else "",
            action=action,
            target=target,
            data=data or {},
        )
