"""Reads of hour records, always through the active role's scope (``records_visible``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from stdnum.cn import ric

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import CHAIN_ROLE
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.people.identity import id_index
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of, professionals_visible
from xueshi.policy_store import current_policy
from xueshi.records.display import chain_describe
from xueshi.records.models import Evidence, FlagStatus, HourRecord, IntegrityFlag
from xueshi.records.scope import records_visible
from xueshi.records.services import chain_for
from xueshi.rules import Category, assessment_date
from xueshi.rules.chains import Chain
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action, RecordState, State, allowed_roles

REVIEW_ACTIONS = (Action.APPROVE, Action.RETURN, Action.REJECT)


def professional_of(active: ActiveRole) -> Professional | None:
    """The professional the active (professional's) role is."""
    if active.role is not Role.PROFESSIONAL:
        return None
    return (
        Professional.objects.select_related("region", "employer")
        .filter(user_id=active.assignment.user_id)
        .first()
    )


def declarable_for(active: ActiveRole, professional_id: int | None) -> Professional | None:
    """Whom the active role may declare for: a professional themself; an employer one of its
    current staff (chosen by id)."""
    if active.role is Role.PROFESSIONAL:
        return professional_of(active)
    if professional_id is None or active.role not in (
        Role.EMPLOYER_ADMIN,
        Role.EMPLOYER_REVIEWER,
    ):
        return None
    return (
        professionals_visible(active)
        .select_related("region", "employer")
        .filter(pk=professional_id)
        .first()
    )


def staff_for_declaration(active: ActiveRole, query: str = "") -> QuerySet[Professional]:
    """The staff an employer role may pick when declaring for one of them."""
    if active.role not in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER):
        return Professional.objects.none()
    staff = professionals_visible(active)
    query = (query or "").strip()
    if query:
        staff = staff.filter(_person_match(query, prefix=""))
    return staff.order_by("full_name", "id")


def _person_match(query: str, prefix: str) -> Q:
    """A name containing ``query``, or exactly the ID number it spells."""
    match = Q(**{f"{prefix}full_name__icontains": query})
    compact = ric.compact(query).upper()
    if len(compact) == 18:
        match |= Q(**{f"{prefix}id_number_index": id_index(compact)})
    return match


def my_records(
    professional: Professional, *, year: int | None = None, status: str = ""
) -> QuerySet[HourRecord]:
    records = HourRecord.objects.filter(professional=professional)
    if year:
        records = records.filter(credited_year=year)
    if status:
        records = records.filter(status=status)
    return records.annotate(evidence_count=Count("evidence")).order_by(
        "-credited_year", "-end_date", "-id"
    )


def my_record_years(professional: Professional) -> list[int]:
    return list(
        HourRecord.objects.filter(professional=professional)
        .order_by("-credited_year")
        .values_list("credited_year", flat=True)
        .distinct()
    )


@dataclass(frozen=True)
class CategoryChain:
    """A category the region has in a year, and its chain (None: not set by the policy)."""

    category: Category
    chain: Chain | None
    problem: str = ""


def categories_for(professional: Professional, year: int) -> list[CategoryChain]:
    """The categories of the professional's region in ``year``, each with its review chain."""
    resolved = current_policy().resolve(
        "categories", professional.region_id, assessment_date(year), person_of(professional)
    )
    if resolved is None:
        return []
    result = []
    for category in resolved.value:
        try:
            result.append(CategoryChain(category, chain_for(professional, category, year)))
        except ServiceError as exc:
            result.append(CategoryChain(category, None, exc.message))
    return result


def option_rows(options: list[CategoryChain]) -> list[dict[str, Any]]:
    """The categories as the declaration form and 我的年度学时 both list them: each with the
    chain its hours follow, or why they cannot be registered (the same words on both pages)."""
    return [
        {
            "label": o.category.label,
            "text": chain_describe(o.chain) if o.chain else o.problem,
            "reference": o.chain.reference.citation if o.chain else "",
            "open": o.chain is not None,
        }
        for o in options
    ]


def registration_routes(professional: Professional, year: int) -> list[dict[str, Any]]:
    """How each category's hours of ``year`` are registered for the professional."""
    return option_rows(categories_for(professional, year))


def record_for(active: ActiveRole, record_id: int) -> HourRecord | None:
    return (
        records_visible(active)
        .select_related("professional", "professional__employer", "declared_by", "provider")
        .filter(pk=record_id)
        .first()
    )


def record_evidence(record: HourRecord) -> QuerySet[Evidence]:
    return record.evidence.select_related("uploaded_by").order_by("uploaded_at", "id")


def evidence_for(active: ActiveRole, evidence_id: int) -> Evidence | None:
    """An evidence file, if its record is in the active role's scope."""
    return (
        Evidence.objects.filter(pk=evidence_id, record__in=records_visible(active).values("pk"))
        .select_related("record")
        .first()
    )


def record_history(record: HourRecord) -> QuerySet[AuditEvent]:
    return (
        AuditEvent.objects.filter(target_type=record._meta.label_lower, target_id=str(record.pk))
        .select_related("actor")
        .order_by("created_at", "id")
    )


def is_declarant(active: ActiveRole, record: HourRecord) -> bool:
    user_id = active.assignment.user_id
    return user_id in (record.declared_by_id, record.professional.user_id)


def available_actions(active: ActiveRole, record: HourRecord) -> list[Action]:
    """What the active role may do to the record now, as its chain snapshot allows."""
    role = CHAIN_ROLE.get(active.role)
    if role is None:
        return []
    snapshot = record.chain or {}
    entered_by = tuple(ChainRole(r) for r in snapshot.get("entered_by", []))
    steps = tuple(ChainRole(r) for r in snapshot.get("steps", []))
    state = State(RecordState(record.status), record.step)
    actions = []
    for action in Action:
        if role not in allowed_roles(state, action, entered_by, steps):
            continue
        if action in (Action.SUBMIT, Action.RESUBMIT) and not is_declarant(active, record):
            continue
        if action in REVIEW_ACTIONS and is_declarant(active, record):
            continue  # the declarer never reviews (separation of duties)
        actions.append(action)
    return actions


def may_edit(active: ActiveRole, record: HourRecord) -> bool:
    return record.status in (RecordState.DRAFT, RecordState.RETURNED) and is_declarant(
        active, record
    )


def review_queue(
    active: ActiveRole,
    *,
    year: int | None = None,
    category: str = "",
    query: str = "",
) -> QuerySet[HourRecord]:
    """待我审核: records in review whose next step is the active role's, within its scope."""
    role = CHAIN_ROLE.get(active.role)
    if role is None or active.role is Role.PROFESSIONAL:
        return HourRecord.objects.none()
    # ``awaiting`` is the chain role at the record's step while it is in review (a column
    # the database computes): the queue is read in the order of its index.
    records = records_visible(active).filter(awaiting=role.value)
    # Separation of duties: what the reviewer declared, or their own record, is for another.
    user_id = active.assignment.user_id
    records = records.exclude(declared_by_id=user_id).exclude(professional__user_id=user_id)
    if year:
        records = records.filter(credited_year=year)
    if category:
        records = records.filter(category=category)
    query = (query or "").strip()
    if query:
        records = records.filter(_person_match(query, prefix="professional__"))
    return records.select_related("professional").order_by("created_at", "id")


def queue_records(active: ActiveRole, ids: list[int]) -> list[HourRecord]:
    """The records among ``ids`` that are in the active role's queue."""
    return list(review_queue(active).filter(pk__in=ids))


def evidence_counts(record_ids: list[int]) -> dict[int, int]:
    """How many evidence files each record has (one GROUP BY over a page's records)."""
    counts = dict.fromkeys(record_ids, 0)
    found = (
        Evidence.objects.filter(record_id__in=record_ids)
        .values_list("record_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    counts.update(dict(found))
    return counts


def flags_of(record_ids: list[int]) -> dict[int, list[IntegrityFlag]]:
    """Each record's integrity flags (疑点), open ones first, with the other record named."""
    found: dict[int, list[IntegrityFlag]] = {pk: [] for pk in record_ids}
    flags = (
        IntegrityFlag.objects.filter(record_id__in=record_ids)
        .select_related("other_record", "cleared_by")
        .order_by("record_id", "-status", "id")  # "open" sorts after "cleared": reversed
    )
    for flag in flags:
        found[flag.record_id].append(flag)
    return found


def has_open_flags(flags: list[IntegrityFlag]) -> bool:
    return any(f.status == FlagStatus.OPEN for f in flags)
