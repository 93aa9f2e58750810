"""统计图表 (issue 13, item 6): the figures a bureau reads at a glance, from the ledger (one
GROUP BY each, never people evaluated live) and the records: compliance over the years, by
region, series and title level for a year, and the review backlog by age. Each chart's
table is the same rows, and the Excel export writes them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractMonth

from xueshi import clock
from xueshi.compliance.live import TITLE_LABELS
from xueshi.compliance.models import PersonYear
from xueshi.learning.models import LessonProgress
from xueshi.organisations.models import Region
from xueshi.records.models import HourRecord
from xueshi.rules.terms import SERIES_LABELS
from xueshi.rules.workflow import RecordState

AGE_BUCKETS = ((10, "10 天以内"), (30, "11–30 天"), (90, "31–90 天"), (None, "90 天以上"))


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


def _ledger(region: Region) -> QuerySet[PersonYear]:
    return PersonYear.objects.filter(region__path__startswith=region.path, compliant__isnull=False)


def _counted(queryset: QuerySet[PersonYear], key: str) -> list[dict[str, object]]:
    return list(
        queryset.values(key)
        .annotate(people=Count("pk"), ok=Count("pk", filter=Q(compliant=True)))
        .order_by(key)
    )


def compliance_trend(region: Region) -> list[Bar]:
    rows = _counted(_ledger(region), "year")
    return [Bar(f"{r['year']}", int(str(r["people"])), int(str(r["ok"]))) for r in rows]


def compliance_by(region: Region, year: int, key: str) -> list[Bar]:
    ledger = _ledger(region).filter(year=year)
    if key == "series":
        return _tally(_counted(ledger, "series"), "series", SERIES_LABELS)
    if key == "title_level":
        return _tally(_counted(ledger, "title_level"), "title_level", TITLE_LABELS)
    children = {r.path: r.name for r in Region.objects.filter(parent=region)}
    bars = []
    for path, name in sorted(children.items()):
        tally = ledger.filter(region__path__startswith=path).aggregate(
            people=Count("pk"), ok=Count("pk", filter=Q(compliant=True))
        )
        bars.append(Bar(name, tally["people"], tally["ok"]))
    own = ledger.filter(region=region).aggregate(
        people=Count("pk"), ok=Count("pk", filter=Q(compliant=True))
    )
    if own["people"]:
        bars.insert(0, Bar(f"{region.name}（本级）", own["people"], own["ok"]))
    return bars


@dataclass(frozen=True)
class Backlog:
    label: str
    records: int


def review_backlog(region: Region, today: dt.date | None = None) -> list[Backlog]:
    """Records waiting in review, by how long since they were last changed."""
    today = today or clock.today()
    waiting = HourRecord.objects.filter(
        professional__region__path__startswith=region.path, status=RecordState.IN_REVIEW
    )
    counts = []
    low = 0
    for high, label in AGE_BUCKETS:
        since = dt.datetime.combine(today - dt.timedelta(days=low), dt.time.max, tzinfo=dt.UTC)
        bucket = waiting.filter(updated_at__lte=since)
        if high is not None:
            after = dt.datetime.combine(today - dt.timedelta(days=high), dt.time.max, tzinfo=dt.UTC)
            bucket = bucket.filter(updated_at__gt=after)
        counts.append(Backlog(label, bucket.count()))
        low = (high or 0) + 1
    return counts


@dataclass(frozen=True)
class Completions:
    label: str  # the month
    lessons: int  # lessons completed (the server's decision, learning.study)
    learners: int


def online_completions(region: Region, year: int) -> list[Completions]:
    """Lessons of online courses completed by the region's professionals, month by month."""
    done = (
        LessonProgress.objects.filter(
            completed_at__year=year,
            user__professional__region__path__startswith=region.path,
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
