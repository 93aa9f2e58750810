"""统计图表 (issue 13, item 6): the figures a bureau reads at a glance, from the ledger (one
GROUP BY each, never people evaluated live) and the records: compliance over the years, by
region, series and title level for a year, and the review backlog by age. Each chart's
table is the same rows, and the Excel export writes them. The review backlog and the review
time count working days on the policy's calendar (调休 included), as review deadlines do."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar, cast

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.models import Role
from xueshi.accounts.scope import CHAIN_ROLE
from xueshi.audit.models import AuditEvent
from xueshi.compliance.live import TITLE_LABELS
from xueshi.compliance.models import PersonYear
from xueshi.learning.models import LessonProgress
from xueshi.organisations.models import Region
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules import CalendarUnknown
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action

T = TypeVar("T")
CHART_SECONDS = 300  # how long a chart's figures are kept (the page says so)


@dataclass(frozen=True)
class Bar:
    label: str
    people: int  # with a requirement
    compliant: int

    @property
    def not_compliant(self) -> int:
        return self.people - self.compliant

    @property
    def rate(self) -> Decimal | None:
        if not self.people:
            return None
        return (Decimal(self.compliant) * 100 / self.people).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )


def _tally(rows: list[dict[str, object]], key: str, labels: dict[str, str]) -> list[Bar]:
    return [
        Bar(labels.get(str(r[key]), str(r[key]) or "—"), int(str(r["people"])), int(str(r["ok"])))
        for r in rows
    ]


def _codes(region: Region) -> list[str]:
    """The codes of the region and every region below it (a handful): the charts filter
    ``region_id IN (…)``, which the ledger's index and the people's foreign key answer,
    instead of joining the regions on every row."""
    return list(Region.objects.filter(path__startswith=region.path).values_list("code", flat=True))


def _ledger(region: Region) -> QuerySet[PersonYear]:
    return PersonYear.objects.filter(region_id__in=_codes(region), compliant__isnull=False)


def _counted(queryset: QuerySet[PersonYear], key: str) -> list[dict[str, object]]:
    return list(
        queryset.values(key)
        .annotate(people=Count("pk"), ok=Count("pk", filter=Q(compliant=True)))
        .order_by(key)
    )


def cached(name: str, region: Region, *key: object, compute: Callable[[], T]) -> T:
    """A chart's figures, kept ``CHART_SECONDS`` in the cache: the charts read every year of
    the ledger and every record in review of a region (millions of rows for a province),
    which no page can count afresh at each view; a glance may be minutes old (the page says
    so). The key carries the region, the chart's own arguments and the policy version."""
    cache_key = ":".join(
        ["xueshi-chart", name, region.code, current_policy().version, *map(str, key)]
    )
    found = cache.get(cache_key)
    if found is None:
        found = compute()
        cache.set(cache_key, found, CHART_SECONDS)
    return cast(T, found)


def compliance_trend(region: Region) -> list[Bar]:
    def compute() -> list[Bar]:
        rows = _counted(_ledger(region), "year")
        return [Bar(f"{r['year']}", int(str(r["people"])), int(str(r["ok"]))) for r in rows]

    return cached("trend", region, compute=compute)


def compliance_by(region: Region, year: int, key: str) -> list[Bar]:
    """One year by series, title level or child region: one GROUP BY the ledger's dashboard
    index answers alone."""
    ledger = _ledger(region).filter(year=year)
    if key == "series":
        return _tally(_counted(ledger, "series"), "series", SERIES_LABELS)
    if key == "title_level":
        return _tally(_counted(ledger, "title_level"), "title_level", TITLE_LABELS)
    below = list(Region.objects.filter(path__startswith=region.path).values_list("code", "path"))
    children = sorted(Region.objects.filter(parent=region), key=lambda r: r.path)
    child_of = {
        code: next((c.code for c in children if path.startswith(c.path)), region.code)
        for code, path in below
    }
    people: dict[str, int] = defaultdict(int)
    ok: dict[str, int] = defaultdict(int)
    for row in _counted(ledger, "region_id"):
        place = child_of.get(str(row["region_id"]), region.code)
        people[place] += int(str(row["people"]))
        ok[place] += int(str(row["ok"]))
    bars = [Bar(c.name, people[c.code], ok[c.code]) for c in children]
    if people[region.code]:
        bars.insert(0, Bar(f"{region.name}（本级）", people[region.code], ok[region.code]))
    return bars


# The backlog's ages in working days (the policy's calendar), as the review deadlines count.
BACKLOG_BUCKETS = (
    (5, "5 个工作日以内"),
    (10, "6–10 个工作日"),
    (20, "11–20 个工作日"),
    (None, "20 个工作日以上"),
)
REVIEW_ACTIONS = (Action.APPROVE.value, Action.RETURN.value, Action.REJECT.value)
ARRIVALS = (Action.SUBMIT.value, Action.RESUBMIT.value, Action.APPROVE.value)
CHUNK = 5000


def level_label(role: str) -> str:
    """A review chain's level (``HourRecord.awaiting``) in Chinese."""
    try:
        return ChainRole(role).label
    except ValueError:
        return role or "—"


@dataclass(frozen=True)
class Backlog:
    label: str  # the reviewing level
    counts: tuple[int, ...]  # one a bucket of BACKLOG_BUCKETS

    @property
    def records(self) -> int:
        return sum(self.counts)


def review_backlog(region: Region, today: dt.date | None = None) -> list[Backlog]:
    """Records waiting in review, by the level they wait for and the working days since they
    were last changed: one GROUP BY on ``awaiting``, the buckets' bounds computed as dates
    (the n-th working day before today, on the policy's calendar)."""
    today = today or clock.today()
    return cached("backlog", region, today, compute=lambda: _backlog(region, today))


def _backlog(region: Region, today: dt.date) -> list[Backlog]:
    calendar = current_policy().calendar
    waiting = HourRecord.objects.filter(
        professional__region_id__in=_codes(region), awaiting__isnull=False
    )
    bounds: list[dt.datetime | None] = []
    for high, _label in BACKLOG_BUCKETS:
        if high is None:
            bounds.append(None)
            continue
        try:
            day = calendar.shift_working_days(today, -high)
        except CalendarUnknown:
            day = today - dt.timedelta(days=high * 7 // 5)  # a year not known: weeks of 5
        bounds.append(dt.datetime.combine(day, dt.time.max, tzinfo=timezone.get_default_timezone()))
    counts: dict[str, Any] = {}
    low: dt.datetime | None = None
    for n, bound in enumerate(bounds):
        where = Q()
        if bound is not None:
            where &= Q(updated_at__gt=bound)
        if low is not None:
            where &= Q(updated_at__lte=low)
        counts[f"b{n}"] = Count("pk", filter=where)
        low = bound
    rows = waiting.values("awaiting").annotate(**counts).order_by("awaiting")
    return [
        Backlog(level_label(r["awaiting"]), tuple(r[f"b{n}"] for n in range(len(bounds))))
        for r in rows
    ]


@dataclass(frozen=True)
class ReviewTime:
    label: str  # a month, or a reviewing level
    decisions: int
    median: int | None  # working days from arrival at the level to its decision
    p90: int | None


def _rank(values: list[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted ``values`` (None when there are none)."""
    if not values:
        return None
    return values[max(0, math.ceil(share * len(values)) - 1)]


def _time(label: str, days: list[int]) -> ReviewTime:
    days = sorted(days)
    return ReviewTime(label, len(days), _rank(days, 0.5), _rank(days, 0.9))


@dataclass(frozen=True)
class ReviewTimes:
    by_month: list[ReviewTime]
    by_level: list[ReviewTime]
    unknown: int  # decisions whose days fall in a year the calendar does not know


def _in_region(region: Region, record_ids: list[int]) -> set[int]:
    codes = _codes(region)
    found: set[int] = set()
    for start in range(0, len(record_ids), CHUNK):
        found.update(
            HourRecord.objects.filter(
                pk__in=record_ids[start : start + CHUNK], professional__region_id__in=codes
            ).values_list("pk", flat=True)
        )
    return found


def review_times(region: Region, year: int) -> ReviewTimes:
    """Working days from a record's arrival at a level (submitted, resubmitted, or approved
    by the level before) to that level's decision (approve, return, reject), for decisions
    made in ``year`` on the region's records: median and 90th percentile (nearest rank) by
    the decision's month and by level. Read from the audit trail, where every channel's
    submission and every review is written (records entered already approved have no
    review and are not counted)."""
    return cached("review_time", region, year, compute=lambda: _review_times(region, year))


def _review_times(region: Region, year: int) -> ReviewTimes:
    target = HourRecord._meta.label_lower
    zone = timezone.get_default_timezone()
    start = dt.datetime(year, 1, 1, tzinfo=zone)
    end = dt.datetime(year + 1, 1, 1, tzinfo=zone)
    decided = AuditEvent.objects.filter(
        action__in=REVIEW_ACTIONS, created_at__gte=start, created_at__lt=end, target_type=target
    ).values_list("target_id", flat=True)
    ids = sorted({int(t) for t in decided if t.isdigit()})
    mine = sorted(_in_region(region, ids))
    calendar = current_policy().calendar
    months: dict[int, list[int]] = defaultdict(list)
    levels: dict[str, list[int]] = defaultdict(list)
    unknown = 0
    for first in range(0, len(mine), CHUNK):
        chunk = [str(pk) for pk in mine[first : first + CHUNK]]
        events = (
            AuditEvent.objects.filter(
                target_type=target,
                target_id__in=chunk,
                action__in={*REVIEW_ACTIONS, *ARRIVALS},
                created_at__lt=end,
            )
            .order_by("target_id", "created_at", "id")
            .values_list("target_id", "action", "role", "created_at")
        )
        current = ""
        arrived: dt.date | None = None
        for target_id, action, role, at in events:
            if target_id != current:
                current, arrived = target_id, None
            day = at.astimezone(zone).date()
            if action in REVIEW_ACTIONS and arrived is not None and at >= start:
                try:
                    days = calendar.working_days_between(arrived, day)
                except CalendarUnknown:
                    unknown += 1
                else:
                    months[day.month].append(days)
                    level = CHAIN_ROLE.get(Role(role)) if role in Role.values else None
                    levels[level_label(level.value if level else role)].append(days)
            arrived = day if action in ARRIVALS else None
    return ReviewTimes(
        by_month=[_time(f"{m} 月", months.get(m, [])) for m in range(1, 13)],
        by_level=[_time(label, days) for label, days in sorted(levels.items())],
        unknown=unknown,
    )


@dataclass(frozen=True)
class Completions:
    label: str  # the month
    lessons: int  # lessons completed (the server's decision, learning.study)
    learners: int


def online_completions(region: Region, year: int) -> list[Completions]:
    """Lessons of online courses completed by the region's professionals, month by month."""
    return cached("online", region, year, compute=lambda: _online(region, year))


def _online(region: Region, year: int) -> list[Completions]:
    done = (
        LessonProgress.objects.filter(
            completed_at__year=year, user__professional__region_id__in=_codes(region)
        )
        .annotate(month=ExtractMonth("completed_at"))
        .values("month")
        .annotate(lessons=Count("pk"), learners=Count("user", distinct=True))
    )
    by_month = {r["month"]: r for r in done}
    return [
        Completions(
            f"{month} 月",
            by_month.get(month, {}).get("lessons", 0),
            by_month.get(month, {}).get("learners", 0),
        )
        for month in range(1, 13)
    ]


def charts_context(region: Region, year_text: str) -> dict[str, Any]:
    """Every table of 统计图表 for ``region`` and the year asked (the current year when it
    is not a year from 2000 to 2100): the page's and its export's."""
    try:
        year = int(year_text)
    except ValueError:
        year = clock.year()
    if not 2000 <= year <= 2100:
        year = clock.year()
    return {
        "region": region,
        "year": year,
        "trend": compliance_trend(region),
        "by_region": compliance_by(region, year, "region"),
        "by_series": compliance_by(region, year, "series"),
        "by_title": compliance_by(region, year, "title_level"),
        "backlog": review_backlog(region),
        "backlog_buckets": [label for _high, label in BACKLOG_BUCKETS],
        "review_time": review_times(region, year),
        "online": online_completions(region, year),
        "chart_minutes": CHART_SECONDS // 60,
    }
