"""What the active role may see: selectors take it and return only its scope.

A bureau sees its region and every region below; an employer its own staff; a provider its
classes and their learners; an industry authority the series it governs in its region and
below; a professional only themself. Anything else sees nothing.
"""

from __future__ import annotations

from django.db.models import Q

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.rules.terms import Role as ChainRole

# The chain role (policy's vocabulary) each account role acts as.
CHAIN_ROLE: dict[Role, ChainRole] = {
    Role.PROFESSIONAL: ChainRole.PROFESSIONAL,
    Role.EMPLOYER_ADMIN: ChainRole.EMPLOYER,
    Role.EMPLOYER_REVIEWER: ChainRole.EMPLOYER,
    Role.PROVIDER_STAFF: ChainRole.PROVIDER,
    Role.AUTHORITY_REVIEWER: ChainRole.INDUSTRY_AUTHORITY,
    Role.BUREAU_STAFF: ChainRole.BUREAU,
}


def professional_scope(active: ActiveRole, prefix: str = "") -> Q:
    """A Q over Professional (or over a model reaching it through ``prefix``)."""
    a = active.assignment
    p = prefix
    match active.role:
        case Role.PROFESSIONAL:
            return Q(**{f"{p}user_id": a.user_id})
        case Role.EMPLOYER_ADMIN | Role.EMPLOYER_REVIEWER:
            return Q(**{f"{p}employer_id": a.employer_id})
        case Role.BUREAU_STAFF:
            return Q(**{f"{p}region__path__startswith": a.region.path})  # type: ignore[union-attr]
        case Role.AUTHORITY_REVIEWER:
            authority = a.authority
            assert authority is not None
            return Q(
                **{
                    f"{p}region__path__startswith": authority.region.path,
                    f"{p}series__in": list(authority.series),
                }
            )
        case Role.PROVIDER_STAFF:
            return Q(**{f"{p}enrollments__class_plan__provider_id": a.provider_id})
        case Role.SYSADMIN:
            return Q()
    return Q(pk__in=[])
