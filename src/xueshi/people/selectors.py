"""Reads of people and employment, scoped by the active role."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from stdnum.cn import ric, uscc

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role
from xueshi.accounts.scope import professional_scope
from xueshi.organisations.models import Employer, Region, RegionLevel
from xueshi.people.identity import id_index
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.rules import InstitutionLevel, Person, TitleLevel

# A person registers where they work: a city, a district or a county (a province is too
# broad to say whose rules apply, and the national level is no place of work).
REGISTRATION_LEVELS = (RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.COUNTY)


def registration_regions() -> QuerySet[Region]:
    return Region.objects.filter(level__in=REGISTRATION_LEVELS).order_by("path")


def employer_search(query: str) -> QuerySet[Employer]:
    """Employers whose name contains ``query``, or whose USCC is exactly it."""
    query = (query or "").strip()
    if not query:
        return Employer.objects.none()
    code = uscc.compact(query).upper()
    return (
        Employer.objects.filter(Q(name__icontains=query) | Q(uscc=code))
        .select_related("region")
        .order_by("name", "id")
    )


def professional_of(active: ActiveRole | None) -> Professional | None:
    """The professional the active role is, if it is a professional's role."""
    if active is None or active.role is not Role.PROFESSIONAL:
        return None
    return (
        Professional.objects.select_related("employer", "region")
        .filter(user_id=active.assignment.user_id)
        .first()
    )


def employment_history(professional: Professional) -> QuerySet[Employment]:
    return professional.employments.select_related("employer", "employer__region").order_by(
        "-requested_at", "-id"
    )


def employer_of(active: ActiveRole | None) -> Employer | None:
    if active is None or active.role not in EMPLOYER_ROLES:
        return None
    return active.assignment.employer


def employer_staff(active: ActiveRole, query: str = "") -> QuerySet[Professional]:
    """The active employer's current staff; ``query`` matches a name or a whole ID number."""
    employer = employer_of(active)
    if employer is None:
        return Professional.objects.none()
    staff = Professional.objects.filter(employer=employer)
    query = (query or "").strip()
    if query:
        staff = staff.filter(
            Q(full_name__icontains=query) | Q(id_number_index=id_index(ric.compact(query)))
        )
    return staff.order_by("full_name", "id")


def employer_pending_requests(active: ActiveRole) -> QuerySet[Employment]:
    employer = employer_of(active)
    if employer is None:
        return Employment.objects.none()
    return (
        Employment.objects.filter(employer=employer, status=EmploymentStatus.REQUESTED)
        .select_related("professional")
        .order_by("requested_at", "id")
    )


def employer_request(active: ActiveRole, employment_id: int) -> Employment | None:
    """One pending request to the active employer, or None if it is not theirs."""
    return employer_pending_requests(active).filter(pk=employment_id).first()


def person_of(professional: object) -> Person:
    """The rules core's view of a professional (title level, series, institution level)."""
    title = getattr(professional, "title_level", "") or None
    institution = getattr(professional, "institution_level", "") or None
    return Person(
        title_level=TitleLevel(title) if title else None,
        series=getattr(professional, "series", None) or None,
        institution_level=InstitutionLevel(institution) if institution else None,
    )


def professionals_visible(active: ActiveRole) -> QuerySet[Professional]:
    return Professional.objects.filter(professional_scope(active)).distinct()
