"""Reads of the open API, scoped by the calling client."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import professional_scope
from xueshi.api.errors import Problem
from xueshi.api.models import ApiClient, ApiReceipt
from xueshi.audit.models import AuditEvent
from xueshi.certificates.models import Certificate
from xueshi.certificates.selectors import certificates_visible
from xueshi.compliance.models import PersonYear as LedgerRow
from xueshi.compliance.person_year import person_year
from xueshi.organisations.validators import normalise_ric
from xueshi.people.identity import id_index
from xueshi.people.models import Professional
from xueshi.people.selectors import professionals_visible
from xueshi.rules.policy import Reference
from xueshi.training.models import ClassPlan
from xueshi.training.selectors import classes_visible


def receipt_of(client: ApiClient, receipt_id: str) -> ApiReceipt:
    """The client's own receipt; anyone else's is 'not found'."""
    try:
        key = uuid.UUID(receipt_id)
    except ValueError:
        raise Http404 from None
    receipt = ApiReceipt.objects.filter(pk=key, client=client).first()
    if receipt is None:
        raise Http404
    return receipt


# --- pulls: scoped by the client's role exactly as the pages scope a person in it ----------


def professional_by_id_number(client: ApiClient, id_number: str) -> Professional:
    """The person with that ID number in the client's scope; anyone else is 'not found' (a
    client learns nothing of people outside its region)."""
    try:
        number = normalise_ric(id_number)
    except ValidationError:
        # No registered person has it (a wrong check digit): not found, saying why.
        raise Problem(
            "没有这个公民身份号码的人员：号码的出生日期或校验位不正确。",
            code="not_found",
            status_code=404,
        ) from None
    person = (
        professionals_visible(ActiveRole(client.assignment))
        .select_related("region")
        .filter(id_number_index=id_index(number))
        .first()
    )
    if person is None:
        raise Http404
    return person


def _reference(reference: Reference) -> dict[str, Any]:
    notice = reference.notice
    return {
        "notice": notice.title,
        "document_number": notice.document_number or "",
        "issuer": notice.issuer,
        "section": reference.section,
        "clause": reference.clause,
        "citation": reference.citation,
    }


def verdict_of(
    client: ApiClient, id_number: str, year: int, as_of: dt.date | None = None
) -> dict[str, Any]:
    """A person's verdict for a year as the 'my year' page explains it: each requirement with
    the figure required, counted and short, and the clause it comes from; as of today, or as
    of the end of an earlier day ``as_of`` (the records as they stood then, from the audit
    trail). The date is the server's: a later ``as_of`` is answered as of today; so is any
    ``as_of`` while the clock runs at another date than the machine's (the demo): the audit
    trail is dated by the machine, and cannot say how records stood on a day of the shifted
    calendar. The answer's ``as_of`` is the date used."""
    today = clock.today()
    day = today if as_of is None or as_of >= today or clock.shifted() else as_of
    person = professional_by_id_number(client, id_number)
    laid_out = person_year(person, year, as_of=day if day < today else None)
    verdict = laid_out.verdict
    return {
        "id_number": person.masked_id_number,
        "name": person.full_name,
        "region": person.region_id,
        "region_name": person.region.name,
        "year": year,
        "years": list(laid_out.years),
        "as_of": day,
        "status": laid_out.status_label,
        "compliant": laid_out.compliant,
        "determined": verdict is not None and verdict.decided,
        "summary": laid_out.summary or laid_out.no_requirement,
        "policy_version": verdict.policy_version if verdict is not None else "",
        "requirements": [
            {
                "title": row.title,
                "unit": row.unit,
                "required": row.required,
                "counted": row.counted,
                "shortfall": row.shortfall,
                "met": row.met,
                "region": row.region_code,
                "explanation": row.sentence,
                "reference": _reference(row.reference),
            }
            for row in laid_out.rows
        ],
        "pending_records": len(laid_out.pending),
    }


def certificate_of(client: ApiClient, number: str) -> Certificate:
    found = (
        certificates_visible(ActiveRole(client.assignment)).filter(number=number.strip()).first()
    )
    if found is None:
        raise Http404
    return found


def classes_of(client: ApiClient, year: int | None) -> QuerySet[ClassPlan]:
    plans = classes_visible(ActiveRole(client.assignment)).select_related("provider")
    if year is not None:
        plans = plans.filter(end_date__year=year)
    return plans.order_by("-start_date", "-id")


@dataclass(frozen=True)
class Changes:
    rows: list[LedgerRow]
    cursor: str
    more: bool


CURSOR = r"^[0-9]{1,16}\.[0-9]{1,18}$"
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _cursor_parse(cursor: str) -> tuple[dt.datetime, int] | None:
    """A cursor is "<microseconds since 1970>.<row id>" of the last row returned: every value
    of that form is a place in the order (the schema's pattern says it)."""
    if not cursor:
        return None
    if not re.fullmatch(CURSOR, cursor):
        raise Problem("游标无效：请使用上次返回的 cursor。", code="cursor_invalid")
    micros, _, pk = cursor.partition(".")
    return EPOCH + dt.timedelta(microseconds=int(micros)), int(pk)


def _cursor_make(moment: dt.datetime, pk: int) -> str:
    return f"{(moment - EPOCH) // dt.timedelta(microseconds=1)}.{pk}"


def ledger_changes(client: ApiClient, year: int, cursor: str, limit: int) -> Changes:
    """The ledger rows of the year in the client's scope changed after the cursor, oldest
    first: a mirroring system asks again with the returned cursor until ``more`` is false."""
    after = _cursor_parse(cursor)
    rows = LedgerRow.objects.filter(
        professional_scope(ActiveRole(client.assignment), "professional__"), year=year
    ).select_related("professional")
    if after is not None:
        moment, pk = after
        # Only >= comparisons: on SQLite the ledger's raw writes store "…+00:00" beside the
        # ORM's naive text, so = and > on one instant disagree between the two; >= does not.
        later = moment + dt.timedelta(microseconds=1)
        rows = rows.filter(Q(updated_at__gte=later) | Q(updated_at__gte=moment, pk__gt=pk))
    page = list(rows.order_by("updated_at", "pk")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    next_cursor = _cursor_make(page[-1].updated_at, page[-1].pk) if page else cursor
    return Changes(page, next_cursor, more)


# --- the bureau's pages ----------------------------------------------------------------------


def clients_visible(active: ActiveRole) -> QuerySet[ApiClient]:
    """The clients registered in the bureau's region and below; nobody else sees any."""
    region = active.assignment.region
    if active.role != Role.BUREAU_STAFF or region is None:
        return ApiClient.objects.none()
    return ApiClient.objects.filter(region__path__startswith=region.path).select_related(
        "region", "registered_by", "assignment__provider", "assignment__authority"
    )


def client_events(client: ApiClient) -> QuerySet[AuditEvent]:
    """What the client did and what was done to it, newest first."""
    return AuditEvent.objects.filter(
        target_type=ApiClient._meta.label_lower, target_id=str(client.pk)
    ).select_related("actor")
