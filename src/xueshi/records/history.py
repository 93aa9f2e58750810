"""Records as they stood on a past day, read back from the audit trail.

Every change of a record's status writes one audit event with the status it led to (the
house rule: one state change, one audit row — a declaration, a batch's entry and submission,
each review, a void). The status a record had at the end of a day is therefore the one its
last such event by then gave it; a record with no such event by then was not entered yet."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.utils import timezone

from xueshi.audit.models import AuditEvent
from xueshi.records.models import HourRecord


def day_end(day: dt.date) -> dt.datetime:
    """The first moment after ``day`` in the site's time zone (Asia/Shanghai)."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))


def records_as_of(records: Sequence[HourRecord], day: dt.date) -> list[HourRecord]:
    """``records`` as they stood at the end of ``day``: each with the status its last audit
    event by then gave it, those not entered by then left out. The objects are changed in
    memory only (never saved)."""
    if not records:
        return []
    by_id = {str(record.pk): record for record in records}
    status_then: dict[str, str] = {}
    events = (
        AuditEvent.objects.filter(
            target_type=HourRecord._meta.label_lower,
            target_id__in=list(by_id),
            created_at__lt=day_end(day),
        )
        .exclude(to_status="")
        .order_by("created_at", "id")
        .values_list("target_id", "to_status")
    )
    for target_id, to_status in events:
        status_then[target_id] = to_status  # the last one by then wins
    stood = []
    for key, record in by_id.items():
        if key in status_then:
            record.status = status_then[key]
            stood.append(record)
    return stood
