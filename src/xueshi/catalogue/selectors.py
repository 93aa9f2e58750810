"""Reads of the catalogue: public subjects, professional-subject guides and providers.

The catalogue is published information: every signed-in role may read it. What a role may
*change* is decided here too (``may_…``), so views and services ask the same question.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.organisations.models import IndustryAuthority, Provider, Region, RegionLevel
from xueshi.people.models import Professional

# Public subjects are set by the province, and in practice announced by cities too
# (Shantou 2014 lists its own two subjects): province and city bureaus publish them.
PUBLISHING_LEVELS = (RegionLevel.PROVINCE, RegionLevel.CITY)


def home_region(active: ActiveRole | None) -> Region | None:
    """The region a role works in, to open the catalogue where it applies to them."""
    if active is None:
        return None
    a = active.assignment
    match active.role:
        case Role.PROFESSIONAL:
            person = Professional.objects.filter(user_id=a.user_id).select_related("region")
            found = person.first()
            return found.region if found else None
        case Role.EMPLOYER_ADMIN | Role.EMPLOYER_REVIEWER:
            return a.employer.region if a.employer else None
        case Role.PROVIDER_STAFF:
            return a.provider.region if a.provider else None
        case Role.AUTHORITY_REVIEWER:
            return a.authority.region if a.authority else None
        case Role.BUREAU_STAFF:
            return a.region
    return None


def all_regions() -> QuerySet[Region]:
    return Region.objects.order_by("path")


def public_subjects_list(
    *,
    region: Region | None = None,
    year: int | None = None,
    makeup: bool | None = None,
    query: str = "",
) -> QuerySet[PublicSubject]:
    """Public subjects that apply in ``region``: its own and those of the regions above it
    (a province's subjects apply in its cities)."""
    subjects = PublicSubject.objects.select_related("region")
    if region is not None:
        subjects = subjects.filter(region_id__in=[c for c in region.path.split("/") if c])
    if year is not None:
        subjects = subjects.filter(for_year=year)
    if makeup is not None:
        subjects = subjects.filter(makeup=makeup)
    if query:
        subjects = subjects.filter(title__icontains=query)
    return subjects.order_by("-for_year", "region__path", "title", "id")


def may_publish_public_subjects(active: ActiveRole | None) -> bool:
    return (
        active is not None
        and active.role is Role.BUREAU_STAFF
        and active.assignment.region is not None
        and active.assignment.region.level in PUBLISHING_LEVELS
    )


def guides_list(
    *, year: int | None = None, series: str = "", query: str = ""
) -> QuerySet[SubjectGuide]:
    guides = SubjectGuide.objects.select_related("authority", "authority__region")
    if year is not None:
        guides = guides.filter(year=year)
    if series:
        guides = guides.filter(series=series)
    if query:
        guides = guides.filter(Q(title__icontains=query) | Q(content__icontains=query))
    return guides.order_by("-year", "series", "title", "id")


def authority_of(active: ActiveRole | None) -> IndustryAuthority | None:
    if active is None or active.role is not Role.AUTHORITY_REVIEWER:
        return None
    return active.assignment.authority


def providers_list(
    *,
    region: Region | None = None,
    status: str = "",
    sector: str = "",
    query: str = "",
) -> QuerySet[Provider]:
    """Providers in ``region`` and the regions below it."""
    providers = Provider.objects.select_related("region")
    if region is not None:
        providers = providers.filter(region__path__startswith=region.path)
    if status:
        providers = providers.filter(filing_status=status)
    if query:
        providers = providers.filter(Q(name__icontains=query) | Q(uscc=query.upper()))
    providers = providers.order_by("region__path", "name", "id")
    if sector:
        # sectors is a JSON list; filtering in Python keeps this the same on SQLite and
        # PostgreSQL (JSON containment is not supported on SQLite).
        ids = [p.pk for p in providers if sector in (p.sectors or [])]
        providers = providers.filter(pk__in=ids)
    return providers


def provider_regions_of(active: ActiveRole | None) -> Region | None:
    """The region whose providers (and those below) the active bureau may file or suspend."""
    if active is None or active.role is not Role.BUREAU_STAFF:
        return None
    return active.assignment.region


def provider_for_bureau(active: ActiveRole | None, provider_id: int) -> Provider | None:
    region = provider_regions_of(active)
    if region is None:
        return None
    return (
        Provider.objects.select_related("region")
        .filter(pk=provider_id, region__path__startswith=region.path)
        .first()
    )
