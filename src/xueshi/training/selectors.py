"""Reads of classes, enrolments and attendance, scoped by the active role.

A provider sees its own classes; a bureau the classes filed in its region and below; an
industry authority those of its series in its region and below; a professional the approved
classes open for enrolment and their own enrolments. Anyone else sees nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.organisations.models import ProviderFilingStatus, Region
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.services import ClassEntry
from xueshi.rules import Category, Deadline, Mode, RuleNotSet, deadline
from xueshi.rules.terms import Role as ChainRole
from xueshi.training.models import Attendance, ClassPlan, ClassStatus, Enrollment, HourBatch

NOTHING = Q(pk__in=[])

# Ids per IN (…) query: well under every database's limit on parameters.
IN_CHUNK = 10_000


def class_scope(active: ActiveRole) -> Q:
    """A Q over ClassPlan: the classes the active role may read."""
    a = active.assignment
    match active.role:
        case Role.PROVIDER_STAFF:
            return Q(provider_id=a.provider_id)
        case Role.BUREAU_STAFF:
            assert a.region is not None
            return Q(region__path__startswith=a.region.path)
        case Role.AUTHORITY_REVIEWER:
            authority = a.authority
            assert authority is not None
            return Q(
                region__path__startswith=authority.region.path,
                series__in=list(authority.series),
            )
        case Role.SYSADMIN:
            return Q()
    return NOTHING


def classes_visible(active: ActiveRole) -> QuerySet[ClassPlan]:
    return ClassPlan.objects.filter(class_scope(active))


def awaiting_scope(active: ActiveRole) -> Q:
    """A Q over ClassPlan: filed classes the active role is the approver of.

    The policy names the approving body (``deadline.class_filing``'s ``approver``): the
    bureau of the class's region or above, or the industry authority of its series there.
    """
    a = active.assignment
    match active.role:
        case Role.BUREAU_STAFF:
            assert a.region is not None
            return Q(
                status=ClassStatus.FILED,
                approver_role=ChainRole.BUREAU.value,
                region__path__startswith=a.region.path,
            )
        case Role.AUTHORITY_REVIEWER:
            authority = a.authority
            assert authority is not None
            return Q(
                status=ClassStatus.FILED,
                approver_role=ChainRole.INDUSTRY_AUTHORITY.value,
                region__path__startswith=authority.region.path,
                series__in=list(authority.series),
            )
    return NOTHING


def approver_label(plan: ClassPlan) -> str:
    """The approving body in Chinese (人力资源和社会保障部门, 行业主管部门)."""
    try:
        return ChainRole(plan.approver_role).label
    except ValueError:
        return plan.approver_role


def provider_classes(active: ActiveRole, *, q: str = "", status: str = "") -> QuerySet[ClassPlan]:
    """培训班管理: the provider's classes, newest first, with their enrolment counts."""
    if active.role is not Role.PROVIDER_STAFF:
        return ClassPlan.objects.none()
    classes = classes_visible(active)
    if q:
        classes = classes.filter(Q(title__icontains=q) | Q(location__icontains=q))
    if status:
        classes = classes.filter(status=status)
    return classes.annotate(enrolled=Count("enrollments")).order_by("-start_date", "-id")


def filing_queue(active: ActiveRole, *, pending_only: bool = True) -> QuerySet[ClassPlan]:
    """办班备案审核: filed classes awaiting the active role, or every class in its scope."""
    if active.role not in (Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER):
        return ClassPlan.objects.none()
    scope = awaiting_scope(active) if pending_only else class_scope(active)
    return (
        ClassPlan.objects.filter(scope)
        .select_related("provider", "region")
        .order_by("start_date", "id")
    )


def class_catalogue(
    *, today: dt.date, category: str = "", region: str = "", q: str = ""
) -> QuerySet[ClassPlan]:
    """报名培训: approved classes not yet started, with places left."""
    classes = (
        ClassPlan.objects.filter(
            status=ClassStatus.APPROVED,
            start_date__gte=today,
            provider__filing_status=ProviderFilingStatus.FILED,
        )
        .annotate(enrolled=Count("enrollments"))
        .annotate(places_left=F("capacity") - F("enrolled"))
        .filter(places_left__gt=0)
        .select_related("provider", "region")
    )
    if category:
        classes = classes.filter(category=category)
    if region:
        path = Region.objects.filter(code=region).values_list("path", flat=True).first()
        classes = classes.filter(region__path__startswith=path) if path else classes.none()
    if q:
        classes = classes.filter(Q(title__icontains=q) | Q(provider__name__icontains=q))
    return classes.order_by("start_date", "id")


def professional_of(active: ActiveRole) -> Professional | None:
    if active.role is not Role.PROFESSIONAL:
        return None
    return Professional.objects.filter(user_id=active.assignment.user_id).first()


def my_enrollments(active: ActiveRole) -> QuerySet[Enrollment]:
    """The professional's own enrolments, newest class first."""
    me = professional_of(active)
    if me is None:
        return Enrollment.objects.none()
    return (
        Enrollment.objects.filter(professional=me)
        .select_related("class_plan", "class_plan__provider")
        .annotate(
            signed_in=Count("attendance", filter=Q(attendance__signed_in_at__isnull=False)),
        )
        .order_by("-class_plan__start_date", "-id")
    )


def class_for(active: ActiveRole, class_id: int) -> ClassPlan | None:
    return (
        classes_visible(active)
        .select_related("provider", "region", "decided_by")
        .filter(pk=class_id)
        .first()
    )


def class_days(plan: ClassPlan) -> list[dt.date]:
    days = (plan.end_date - plan.start_date).days + 1
    return [plan.start_date + dt.timedelta(days=n) for n in range(days)]


@dataclass(frozen=True)
class RosterRow:
    enrollment: Enrollment
    am: Attendance | None
    pm: Attendance | None


def class_roster(plan: ClassPlan, *, day: dt.date | None = None) -> list[RosterRow]:
    """The learners of a class with their attendance on ``day`` (morning and afternoon)."""
    enrollments = list(
        plan.enrollments.select_related("professional").order_by("professional__full_name", "id")
    )
    marks: dict[tuple[int, str], Attendance] = {}
    if day is not None:
        for mark in Attendance.objects.filter(enrollment__class_plan=plan, day=day):
            marks[(mark.enrollment_id, mark.half_day)] = mark
    return [RosterRow(e, marks.get((e.pk, "am")), marks.get((e.pk, "pm"))) for e in enrollments]


def class_entry(plan: ClassPlan) -> ClassEntry:
    """The class as its learners' hour records carry it (records takes these values, not
    the class)."""
    return ClassEntry(
        class_plan_id=plan.pk,
        title=plan.title,
        category=Category(plan.category),
        required=plan.required,
        hours=plan.hours,
        mode=Mode(plan.mode),
        start_date=plan.start_date,
        end_date=plan.end_date,
        provider_id=plan.provider_id,
        provider_name=plan.provider.name,
    )


def entered_learners(plan: ClassPlan, among: Collection[int] | None = None) -> set[int]:
    """Professionals whose hours for this class a batch has already entered (and whose
    sender has not voided them); ``among``: only of these professionals (a batch's rows,
    not the whole class: one indexed ``IN`` per chunk)."""
    records = plan.hour_records.filter(source="batch").exclude(status="voided")
    if among is None:
        return set(records.values_list("professional_id", flat=True))
    ids = list(among)
    entered: set[int] = set()
    for start in range(0, len(ids), IN_CHUNK):
        chunk = records.filter(professional_id__in=ids[start : start + IN_CHUNK])
        entered.update(chunk.values_list("professional_id", flat=True))
    return entered


def class_batches(plan: ClassPlan) -> QuerySet[HourBatch]:
    return plan.batches.select_related("uploaded_by").order_by("-created_at", "-id")


def batch_for(active: ActiveRole, batch_id: int) -> HourBatch | None:
    return (
        HourBatch.objects.filter(class_plan__in=classes_visible(active))
        .select_related("class_plan", "uploaded_by")
        .filter(pk=batch_id)
        .first()
    )


@dataclass(frozen=True)
class PlanDeadline:
    label: str
    due: dt.date
    explanation: str
    reference: str


def yearly_deadlines(region: str, year: int) -> list[PlanDeadline]:
    """The yearly plan deadlines the region sets (公需科目开班计划, 年度办班计划), if any."""
    found = []
    for rule in ("public_plan", "annual_plan"):
        try:
            d: Deadline = deadline(current_policy(), rule, region, year=year)
        except RuleNotSet:
            continue
        found.append(PlanDeadline(d.rule.label, d.due, d.explanation, str(d.reference)))
    return found


def annual_plan(active: ActiveRole, *, year: int) -> dict[str, Any]:
    """年度办班计划: the provider's classes starting in ``year``, and the plan deadlines."""
    provider = active.assignment.provider
    if active.role is not Role.PROVIDER_STAFF or provider is None:
        return {"classes": ClassPlan.objects.none(), "deadlines": [], "provider": None}
    classes = (
        classes_visible(active)
        .filter(start_date__year=year)
        .annotate(enrolled=Count("enrollments"))
        .order_by("start_date", "id")
    )
    return {
        "classes": classes,
        "deadlines": yearly_deadlines(provider.region_id, year),
        "provider": provider,
    }
