"""Password reset by an organisation's administrator or the bureau (issue 14 item 2; 等保
8.1.4.1 a, 8.1.4.2 d).

A person who forgot their password asks the administrator of their employer or the bureau
of their region, who sets a temporary password that the page shows once; the account must
set a new password at its next login (``User.must_change_password``, enforced for every
request by ``accounts.middleware``). Who may reset whom:

- an employer's administrator: the employer's current staff and its reviewers;
- a bureau: accounts whose every role is held in its region or below (professionals working
  there, employers' and providers' staff);
- never one's own account, never an account that holds a role as high as the actor's or
  higher (a bureau does not reset a bureau or an authority, an administrator of one
  employer not another administrator), never Django's own staff or superusers, never an
  account with any role outside the actor's scope (a professional who is also another
  unit's reviewer is reset by whoever holds both scopes, or by the bureau).

Every reset is one transaction with one audit row (without the password); a refusal changes
nothing. The temporary password passes the same validators as any password."""

from __future__ import annotations

import secrets

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError

# Who may reset, and how high each role stands: one resets only roles strictly below one's own.
RESETTERS = (Role.EMPLOYER_ADMIN, Role.BUREAU_STAFF)
RANK: dict[str, int] = {
    Role.PROFESSIONAL: 0,
    Role.EMPLOYER_REVIEWER: 1,
    Role.PROVIDER_STAFF: 1,
    Role.EMPLOYER_ADMIN: 2,
    Role.AUTHORITY_REVIEWER: 3,
    Role.BUREAU_STAFF: 3,
    Role.SYSADMIN: 4,
    Role.SECURITY_ADMIN: 4,
    Role.AUDIT_ADMIN: 4,
}
OUT_OF_SCOPE = "该账户不在您的管理范围内，不能重置其密码。"
# No 0/O, 1/l/I: read aloud or copied from a screen without doubt.
_LOWER = "abcdefghijkmnpqrstuvwxyz"
_UPPER = "ABCDEFGHJKLMNPQRSTUVWXYZ"
_DIGITS = "23456789"
_SYMBOLS = "-_.!@#"
TEMPORARY_LENGTH = 12


def _higher_roles(active: ActiveRole) -> list[str]:
    return [role for role, rank in RANK.items() if rank >= RANK[active.role]]


def reset_candidates(active: ActiveRole, query: str = "") -> QuerySet[User]:
    """Accounts the active role may find on the reset page (``password_reset_refusal``
    decides each one); ``query`` matches a username or a name."""
    a = active.assignment
    if active.role == Role.EMPLOYER_ADMIN:
        scope = Q(professional__employer_id=a.employer_id) | Q(
            role_assignments__role=Role.EMPLOYER_REVIEWER,
            role_assignments__employer_id=a.employer_id,
        )
    elif active.role == Role.BUREAU_STAFF and a.region is not None:
        path = a.region.path
        scope = (
            Q(professional__region__path__startswith=path)
            | Q(role_assignments__employer__region__path__startswith=path)
            | Q(role_assignments__provider__region__path__startswith=path)
        )
    else:
        return User.objects.none()
    higher = RoleAssignment.objects.filter(role__in=_higher_roles(active)).values("user_id")
    users = (
        User.objects.filter(scope)
        .exclude(pk=a.user_id)
        .exclude(pk__in=higher)
        .filter(is_staff=False, is_superuser=False)
    )
    query = (query or "").strip()[:64]
    if query:
        users = users.filter(Q(username__iexact=query) | Q(full_name__icontains=query))
    return User.objects.filter(pk__in=users.values("pk")).order_by("full_name", "username", "id")


def _in_scope(active: ActiveRole, assignment: RoleAssignment, target: User) -> bool:
    a = active.assignment
    role = assignment.role
    if active.role == Role.EMPLOYER_ADMIN:
        if role == Role.PROFESSIONAL:
            professional = getattr(target, "professional", None)
            return professional is not None and professional.employer_id == a.employer_id
        return role == Role.EMPLOYER_REVIEWER and assignment.employer_id == a.employer_id
    if active.role == Role.BUREAU_STAFF and a.region is not None:
        path = a.region.path
        if role == Role.PROFESSIONAL:
            professional = getattr(target, "professional", None)
            return professional is not None and professional.region.path.startswith(path)
        held_in = assignment.employer or assignment.provider
        return held_in is not None and held_in.region.path.startswith(path)
    return False


def password_reset_refusal(active: ActiveRole | None, target: User) -> str:
    """Why the active role may not reset ``target``'s password ("" if it may)."""
    if active is None or active.role not in RESETTERS:
        return "只有用人单位管理员和人社部门可以重置他人的密码。"
    if target.pk == active.assignment.user_id:
        return "不能重置自己的密码，请在“修改密码”中修改。"
    if target.is_staff or target.is_superuser:
        return OUT_OF_SCOPE
    if not target.is_active:
        return "该账户已停用。"
    assignments = list(
        target.role_assignments.select_related("employer__region", "provider__region")
    )
    if not assignments:
        return OUT_OF_SCOPE
    if any(RANK[a.role] >= RANK[active.role] for a in assignments):
        return "不能重置与您同级或更高级别角色的账户的密码。"
    if not all(_in_scope(active, a, target) for a in assignments):
        return OUT_OF_SCOPE
    return ""


def temporary_password(user: User) -> str:
    """A random 12-character password with all four classes that the validators accept."""
    alphabet = _LOWER + _UPPER + _DIGITS + _SYMBOLS
    while True:
        chars = [secrets.choice(group) for group in (_LOWER, _UPPER, _DIGITS, _SYMBOLS)]
        chars += [secrets.choice(alphabet) for _ in range(TEMPORARY_LENGTH - len(chars))]
        secrets.SystemRandom().shuffle(chars)
        candidate = "".join(chars)
        try:
            validate_password(candidate, user=user)
        except ValidationError:
            continue
        return candidate


@transaction.atomic
def user_password_reset(
    *, actor: User, active: ActiveRole | None, user_id: int
) -> tuple[User, str]:
    """Give ``user_id`` a temporary password (returned, to be shown once) that must be changed
    at the next login; the account's other sessions end (Django's session hash). Audited."""
    target = User.objects.select_for_update(of=("self",)).filter(pk=user_id).first()
    if target is None:
        raise ServiceError(OUT_OF_SCOPE)
    refusal = password_reset_refusal(active, target)
    if refusal:
        raise ServiceError(refusal)
    assert active is not None
    temporary = temporary_password(target)
    target.set_password(temporary)
    target.must_change_password = True
    target.save(update_fields=["password", "password_changed_at", "must_change_password"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="password_reset",
        target=target,
        to_status="must_change_password",
        data={"scope": str(active.assignment), "username": target.username},
    )
    return target, temporary
