"""年度工作总结 (issue 13, item 4; Shantou 2014 §六(六)): the draft built from the data, the
deadline from the policy (``deadline.annual_summary``), saving and submitting (audited), and
the bureau's view of who below it has not submitted."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.inspections.models import (
    Inspection,
    InspectionItem,
    InspectionKind,
    Sanction,
    SummaryStatus,
    WorkSummary,
)
from xueshi.organisations.models import Provider, Region
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules import Deadline, RuleNotSet, deadline
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus, Enrollment

FIGURE_LABELS = {
    "classes": "举办培训班（个）",
    "learners": "培训人数（人）",
    "passed": "考核合格（人次）",
    "records": "登记学时记录（条）",
    "hours": "认定学时（学时）",
    "inspected": "被抽查的培训班（个）",
    "inspections": "组织抽查（次）",
    "sanctions": "作出处理（项）",
}


def summary_deadline(region_code: str, year: int) -> Deadline | None:
    try:
        return deadline(current_policy(), "annual_summary", region_code, year=year)
    except RuleNotSet:
        return None


def _class_figures(plans: Any) -> dict[str, Any]:
    enrolments = Enrollment.objects.filter(class_plan__in=plans).aggregate(
        learners=Count("professional", distinct=True),
        passed=Count("pk", filter=Q(passed=True)),
    )
    return {"classes": plans.count(), **enrolments}


def figures_of_provider(provider: Provider, year: int) -> dict[str, Any]:
    plans = ClassPlan.objects.filter(
        provider=provider, start_date__year=year, status=ClassStatus.APPROVED
    )
    records = HourRecord.objects.filter(
        class_plan__in=plans, status=RecordState.APPROVED
    ).aggregate(records=Count("pk"), hours=Sum("hours"))
    inspected = InspectionItem.objects.filter(
        inspection__kind=InspectionKind.CLASSES, target_id__in=plans.values("pk")
    ).aggregate(n=Count("target_id", distinct=True))["n"]
    return {
        **_class_figures(plans),
        "records": records["records"],
        "hours": str(records["hours"] or Decimal(0)),
        "inspected": inspected,
        "sanctions": Sanction.objects.filter(provider=provider, applied_at__year=year).count(),
    }


def figures_of_region(region: Region, year: int) -> dict[str, Any]:
    plans = ClassPlan.objects.filter(
        region__path__startswith=region.path, start_date__year=year, status=ClassStatus.APPROVED
    )
    records = HourRecord.objects.filter(
        professional__region__path__startswith=region.path,
        credited_year=year,
        status=RecordState.APPROVED,
    ).aggregate(records=Count("pk"), hours=Sum("hours"))
    inspections = Inspection.objects.filter(region__path__startswith=region.path, year=year)
    return {
        **_class_figures(plans),
        "records": records["records"],
        "hours": str(records["hours"] or Decimal(0)),
        "inspections": inspections.count(),
        "sanctions": Sanction.objects.filter(item__inspection__in=inspections).count(),
    }


@dataclass
class Author:
    """Whose summary the active role writes: its provider's, or its region's."""

    provider: Provider | None
    region: Region | None

    @property
    def name(self) -> str:
        return self.provider.name if self.provider else self.region.name if self.region else ""

    @property
    def region_code(self) -> str:
        if self.provider is not None:
            return self.provider.region_id
        assert self.region is not None
        return self.region.code

    def figures(self, year: int) -> dict[str, Any]:
        if self.provider is not None:
            return figures_of_provider(self.provider, year)
        assert self.region is not None
        return figures_of_region(self.region, year)

    def summary(self, year: int) -> WorkSummary | None:
        if self.provider is not None:
            return WorkSummary.objects.filter(year=year, provider=self.provider).first()
        return WorkSummary.objects.filter(year=year, region=self.region).first()


def author_of(active: ActiveRole) -> Author:
    if active.role == Role.PROVIDER_STAFF and active.assignment.provider is not None:
        return Author(active.assignment.provider, None)
    if active.role == Role.BUREAU_STAFF and active.assignment.region is not None:
        return Author(None, active.assignment.region)
    raise ServiceError("只有施教机构和人力资源社会保障部门报送年度工作总结。")


@transaction.atomic
def work_summary_save(
    *, actor: User, active: ActiveRole, year: int, text: str, submit: bool
) -> WorkSummary:
    """Save the summary's text with the figures as they are now; ``submit`` sends it to the
    bureau above, after which it can no longer be changed."""
    author = author_of(active)
    if not 2000 <= year <= clock.year():
        raise ServiceError(f"年度应在 2000 至 {clock.year()} 之间。", field="year")
    text = text.strip()
    if submit and not text:
        raise ServiceError("请填写总结内容后再报送。", field="text")
    if len(text) > 20_000:
        raise ServiceError("总结内容不能超过 20000 字。", field="text")
    lookup = {"provider": author.provider} if author.provider else {"region": author.region}
    summary = WorkSummary.objects.select_for_update().filter(year=year, **lookup).first()
    if summary is not None and summary.status == SummaryStatus.SUBMITTED:
        raise ServiceError(
            f"{year} 年度工作总结已于 {summary.submitted_at:%Y-%m-%d} 报送，不能再修改。"
        )
    if summary is None:
        summary = WorkSummary(year=year, **lookup)
    summary.figures = author.figures(year)
    summary.text = text
    summary.updated_by = actor
    if submit:
        summary.status = SummaryStatus.SUBMITTED
        summary.submitted_at = clock.now()
    summary.save()
    due = summary_deadline(author.region_code, year)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="work_summary_submit" if submit else "work_summary_save",
        target=summary,
        to_status=summary.status,
        data={
            "year": year,
            "figures": summary.figures,
            "due": due.due.isoformat() if due else None,
        },
    )
    return summary


@dataclass
class SummaryRow:
    name: str
    kind: str  # 施教机构 or 地区
    summary: WorkSummary | None
    due: dt.date | None

    @property
    def state(self) -> str:
        if self.summary is None:
            return "未报送"
        if self.summary.status == SummaryStatus.DRAFT:
            return "草稿未报送"
        return "已报送"

    @property
    def late(self) -> bool:
        """Submitted after the deadline, or not submitted and the deadline has passed."""
        if self.due is None:
            return False
        if self.summary is not None and self.summary.submitted_at is not None:
            return timezone.localdate(self.summary.submitted_at) > self.due
        return clock.today() > self.due


def summaries_below(region: Region, year: int) -> list[SummaryRow]:
    """The providers of the region and below and the regions directly below, with their
    summary of the year (or none)."""
    by_provider = {
        s.provider_id: s for s in WorkSummary.objects.filter(year=year, provider__isnull=False)
    }
    by_region = {
        s.region_id: s for s in WorkSummary.objects.filter(year=year, region__isnull=False)
    }
    rows = []
    for child in Region.objects.filter(parent=region).order_by("code"):
        due = summary_deadline(child.code, year)
        rows.append(
            SummaryRow(child.name, "地区", by_region.get(child.code), due.due if due else None)
        )
    providers = Provider.objects.filter(region__path__startswith=region.path).order_by("name", "pk")
    dues: dict[str, Deadline | None] = {}
    for provider in providers:
        if provider.region_id not in dues:
            dues[provider.region_id] = summary_deadline(provider.region_id, year)
        due = dues[provider.region_id]
        rows.append(
            SummaryRow(
                provider.name, "施教机构", by_provider.get(provider.pk), due.due if due else None
            )
        )
    return rows
