"""The bureau's anomaly board (issue 13, item 2): open integrity flags by type and provider,
and providers whose figures follow a pattern worth a look. Every pattern is the system's own
check, not a notice's (none of the notices names one); each says why it was raised.

- **截止前集中登记**: most of a provider's entries of the year made on the last day to enter
  a class's hours or the day before (its deadline from the policy, ``deadline.hours_entry``);
- **大班全员合格**: a class of at least ``LARGE_CLASS`` learners with a result, every one
  passed;
- **同一时刻报名**: at least ``SAME_SECOND`` learners enrolled in one class within the same
  second (people enrol themselves, one at a time).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import CharField, Count, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf, TruncDate, TruncSecond

from xueshi.organisations.models import Region
from xueshi.records.models import FlagStatus, HourRecord, IntegrityFlag
from xueshi.rules.integrity import FlagKind
from xueshi.training.models import ClassPlan, Enrollment
from xueshi.training.services import hours_entry_deadline

RUSH_MIN = 20  # entries on the last day or the day before, at least…
RUSH_SHARE = 0.8  # …and this share of the provider's entries of the year
LARGE_CLASS = 30
SAME_SECOND = 10
NO_PROVIDER = "（未填施教机构）"


@dataclass(frozen=True)
class FlagCount:
    kind: str
    label: str
    provider: str
    count: int


def _provider_label() -> Coalesce:
    return Coalesce(
        "record__class_plan__provider__name",
        NullIf("record__provider_name", Value("")),
        Value(NO_PROVIDER),
        output_field=CharField(),
    )


def _open_flags(region: Region, year: int) -> QuerySet[IntegrityFlag]:
    return IntegrityFlag.objects.filter(
        status=FlagStatus.OPEN,
        record__credited_year=year,
        record__professional__region__path__startswith=region.path,
    )


def flags_by_kind_and_provider(region: Region, year: int) -> list[FlagCount]:
    rows = (
        _open_flags(region, year)
        .annotate(provider=_provider_label())
        .values("kind", "provider")
        .annotate(count=Count("pk"))
        .order_by("-count", "kind", "provider")
    )
    return [
        FlagCount(r["kind"], FlagKind(r["kind"]).label, r["provider"], r["count"]) for r in rows
    ]


def flagged_records(region: Region, year: int, kind: str, provider: str) -> QuerySet[IntegrityFlag]:
    """The open flags of one cell of the board, with their records and people (a queryset:
    the page reads one page of it, never the whole list)."""
    flags = _open_flags(region, year).annotate(provider=_provider_label())
    if kind:
        flags = flags.filter(kind=kind)
    if provider:
        flags = flags.filter(provider=provider)
    return flags.select_related("record__professional", "other_record").order_by(
        "record__professional__full_name", "pk"
    )


@dataclass
class ProviderPattern:
    provider: str
    kind: str
    label: str
    explanation: str
    classes: list[tuple[int, str]] = field(default_factory=list)


def _classes(region: Region, year: int) -> QuerySet[ClassPlan]:
    return ClassPlan.objects.filter(region__path__startswith=region.path, start_date__year=year)


def provider_patterns(region: Region, year: int) -> list[ProviderPattern]:
    plans = {p.pk: p for p in _classes(region, year).select_related("provider")}
    found: list[ProviderPattern] = []
    # 截止前集中登记
    per_day = (
        HourRecord.objects.filter(class_plan_id__in=plans)
        .annotate(day=TruncDate("created_at"))
        .values("class_plan_id", "day")
        .annotate(n=Count("pk"))
    )
    rushed: dict[str, int] = defaultdict(int)
    entered: dict[str, int] = defaultdict(int)
    rushed_classes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    due_of: dict[int, dt.date | None] = {}
    for row in per_day:
        plan = plans[row["class_plan_id"]]
        if plan.pk not in due_of:
            deadline = hours_entry_deadline(plan)
            due_of[plan.pk] = deadline.due if deadline else None
        due = due_of[plan.pk]
        name = plan.provider.name
        entered[name] += row["n"]
        if due is not None and due - dt.timedelta(days=1) <= row["day"] <= due:
            rushed[name] += row["n"]
            if (plan.pk, plan.title) not in rushed_classes[name]:
                rushed_classes[name].append((plan.pk, plan.title))
    for name, count in sorted(rushed.items()):
        if count >= RUSH_MIN and count >= RUSH_SHARE * entered[name]:
            found.append(
                ProviderPattern(
                    name,
                    "deadline_rush",
                    "截止前集中登记",
                    f"{year} 年度登记的 {entered[name]} 条学时中，{count} 条"
                    "在登记截止日当天或前一天录入。",
                    rushed_classes[name],
                )
            )
    # 大班全员合格
    results = (
        Enrollment.objects.filter(class_plan_id__in=plans, passed__isnull=False)
        .values("class_plan_id")
        .annotate(n=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .filter(n__gte=LARGE_CLASS, passed=F("n"))
    )
    all_passed: dict[str, list[tuple[int, str]]] = defaultdict(list)
    sizes: dict[str, list[int]] = defaultdict(list)
    for row in results:
        plan = plans[row["class_plan_id"]]
        all_passed[plan.provider.name].append((plan.pk, plan.title))
        sizes[plan.provider.name].append(row["n"])
    for name, classes in sorted(all_passed.items()):
        found.append(
            ProviderPattern(
                name,
                "all_pass",
                "大班全员合格",
                f"{len(classes)} 个培训班（{'、'.join(map(str, sizes[name]))} 人）考核全部合格。",
                classes,
            )
        )
    # 同一时刻报名
    bursts = (
        Enrollment.objects.filter(class_plan_id__in=plans)
        .annotate(second=TruncSecond("created_at"))
        .values("class_plan_id", "second")
        .annotate(n=Count("pk"))
        .filter(n__gte=SAME_SECOND)
        .order_by("class_plan_id", "-n")
    )
    burst_classes: dict[str, list[tuple[int, str]]] = defaultdict(list)
    largest: dict[str, int] = defaultdict(int)
    for row in bursts:
        plan = plans[row["class_plan_id"]]
        if (plan.pk, plan.title) not in burst_classes[plan.provider.name]:
            burst_classes[plan.provider.name].append((plan.pk, plan.title))
        largest[plan.provider.name] = max(largest[plan.provider.name], row["n"])
    for name, classes in sorted(burst_classes.items()):
        found.append(
            ProviderPattern(
                name,
                "same_second",
                "同一时刻报名",
                f"{len(classes)} 个培训班中有 {largest[name]} 名学员在同一秒内报名。",
                classes,
            )
        )
    return found
