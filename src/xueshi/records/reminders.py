"""审核提醒: records waiting at one review step longer than the late limit. A record in review
was last saved when it reached its current step (every transition saves it), so
``updated_at`` is when its wait began. The limit is ``XUESHI_REVIEW_LATE_DAYS``: none of
the seed notices sets how long a review may take (issue 13, deliverable 7)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.dashboard import Panel
from xueshi.accounts.models import Role
from xueshi.records.models import HourRecord
from xueshi.records.scope import records_visible
from xueshi.records.selectors import review_queue
from xueshi.rules.workflow import RecordState

# Who sees late reviews: the reviewers (their own queue) and those above them in their scope
# (an employer's admin, an authority, a bureau see every step waiting in their scope).
WATCHERS = (
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_REVIEWER,
    Role.AUTHORITY_REVIEWER,
    Role.BUREAU_STAFF,
)


def late_days() -> int:
    return int(settings.XUESHI_REVIEW_LATE_DAYS)


def late_since(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - dt.timedelta(days=late_days())


def late_reviews(active: ActiveRole, now: dt.datetime | None = None) -> QuerySet[HourRecord]:
    """Records in the active role's scope waiting at a review step past the limit, oldest
    wait first."""
    if active.role not in WATCHERS:
        return HourRecord.objects.none()
    return (
        records_visible(active)
        .filter(status=RecordState.IN_REVIEW, updated_at__lt=late_since(now))
        .select_related("professional")
        .order_by("updated_at", "id")
    )


@dataclass(frozen=True)
class Workload:
    waiting: int  # in the active role's own queue
    mine_late: int  # of those, past the limit
    scope_late: int  # past the limit at any step, in the role's scope
    days: int


def workload(active: ActiveRole, now: dt.datetime | None = None) -> Workload:
    mine = review_queue(active)
    since = late_since(now)
    return Workload(
        waiting=mine.count(),
        mine_late=mine.filter(updated_at__lt=since).count(),
        scope_late=late_reviews(active, now).count(),
        days=late_days(),
    )


def workload_panel(request: HttpRequest, active: ActiveRole) -> Panel | None:
    """The dashboard's 审核工作量 panel of a reviewer or a superior."""
    if active.role not in WATCHERS:
        return None
    return Panel("records/_workload_panel.html", {"workload": workload(active)})
