"""The funding check: an employer's share of payroll spent on continuing education against
the share the policy in force sets (``funding.employer_share``, with its clause)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from xueshi.funding.models import EmployerFunding
from xueshi.organisations.models import Employer, Region
from xueshi.policy_store import current_policy

CENT = Decimal("0.01")


class FundingStatus(StrEnum):
    MET = "met"
    SHORT = "short"
    NOT_ENTERED = "not_entered"
    NO_RULE = "no_rule"


STATUS_LABELS = {
    FundingStatus.MET: "达到比例",
    FundingStatus.SHORT: "低于比例",
    FundingStatus.NOT_ENTERED: "未填报",
    FundingStatus.NO_RULE: "无比例要求",
}


@dataclass(frozen=True)
class FundingRule:
    share: Decimal  # percent of the payroll
    citation: str  # the notice and section
    clause: str


@dataclass(frozen=True)
class FundingCheck:
    employer: Employer
    year: int
    funding: EmployerFunding | None
    rule: FundingRule | None

    @property
    def share(self) -> Decimal | None:
        """The share of payroll spent, in percent (two decimals)."""
        if self.funding is None:
            return None
        spent = self.funding.spending * 100 / self.funding.payroll_total
        return spent.quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def required(self) -> Decimal | None:
        """What the rule asks, in yuan."""
        if self.funding is None or self.rule is None:
            return None
        wanted = self.funding.payroll_total * self.rule.share / 100
        return wanted.quantize(CENT, rounding=ROUND_HALF_UP)

    @property
    def shortfall(self) -> Decimal:
        """Yuan missing to reach the share (0 when met or not decidable)."""
        if self.required is None or self.funding is None:
            return Decimal(0)
        return max(self.required - self.funding.spending, Decimal(0))

    @property
    def status(self) -> FundingStatus:
        if self.rule is None:
            return FundingStatus.NO_RULE
        if self.funding is None:
            return FundingStatus.NOT_ENTERED
        return FundingStatus.SHORT if self.shortfall > 0 else FundingStatus.MET

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def funding_rule(region: str, year: int) -> FundingRule | None:
    """The share in force at the year's end, or else at its start (a notice that ends or
    begins within the year still governs the year's budget), with its clause."""
    policy = current_policy()
    for day in (dt.date(year, 12, 31), dt.date(year, 1, 1)):
        resolved = policy.resolve("funding.employer_share", region, day)
        if resolved is not None and resolved.value is not None:
            reference = resolved.reference
            return FundingRule(Decimal(resolved.value), reference.citation, reference.clause)
    return None


def funding_check(employer: Employer, year: int) -> FundingCheck:
    funding = EmployerFunding.objects.filter(employer=employer, year=year).first()
    return FundingCheck(employer, year, funding, funding_rule(employer.region_id, year))


def funding_years(employer: Employer, today: dt.date) -> list[FundingCheck]:
    """The employer's checks: the last five years and every year it reported, newest first."""
    entered = {f.year: f for f in EmployerFunding.objects.filter(employer=employer)}
    years = sorted(set(range(today.year - 4, today.year + 1)) | set(entered), reverse=True)
    return [
        FundingCheck(employer, year, entered.get(year), funding_rule(employer.region_id, year))
        for year in years
    ]


@dataclass(frozen=True)
class FundingTally:
    employers: int
    entered: int
    met: int
    short: int
    payroll_total: Decimal
    spending: Decimal

    @property
    def share(self) -> Decimal | None:
        if not self.payroll_total:
            return None
        return (self.spending * 100 / self.payroll_total).quantize(CENT, rounding=ROUND_HALF_UP)


def funding_in_region(region: Region, year: int) -> list[FundingCheck]:
    """Every employer of the region and below, with its check for the year, by name."""
    employers = Employer.objects.filter(region__path__startswith=region.path).order_by("name", "pk")
    entered = {
        f.employer_id: f
        for f in EmployerFunding.objects.filter(
            year=year, employer__region__path__startswith=region.path
        )
    }
    rules: dict[str, FundingRule | None] = {}
    checks = []
    for employer in employers:
        if employer.region_id not in rules:
            rules[employer.region_id] = funding_rule(employer.region_id, year)
        rule = rules[employer.region_id]
        checks.append(FundingCheck(employer, year, entered.get(employer.pk), rule))
    return checks


def funding_tally(checks: Iterable[FundingCheck]) -> FundingTally:
    checks = list(checks)
    entered = [c for c in checks if c.funding is not None]
    return FundingTally(
        employers=len(checks),
        entered=len(entered),
        met=sum(c.status == FundingStatus.MET for c in checks),
        short=sum(c.status == FundingStatus.SHORT for c in checks),
        payroll_total=sum((c.funding.payroll_total for c in entered if c.funding), Decimal(0)),
        spending=sum((c.funding.spending for c in entered if c.funding), Decimal(0)),
    )
