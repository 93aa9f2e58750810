"""经费统计's export: the employers' checks of a year, for ``xueshi.jobs.exports`` (a
background job writing .xlsx or CSV)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.http import QueryDict

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.funding.forms import FundingYearForm
from xueshi.funding.selectors import FundingCheck, FundingStatus, funding_in_region
from xueshi.jobs.exports import Export, Sheet, export_query
from xueshi.jobs.models import Job

HEADER = [
    "用人单位",
    "统一社会信用代码",
    "地区",
    "专业技术人员工资总额（元）",
    "继续教育经费支出（元）",
    "占比（%）",
    "规定比例（%）",
    "尚差（元）",
    "结果",
    "依据",
]


def bureau_checks(active: ActiveRole, query: QueryDict) -> tuple[int, str, list[FundingCheck]]:
    """The year and status the page's query asks (last year and every status by default)
    and the checks of the bureau's region and below for that year."""
    region = active.assignment.region
    assert region is not None, "a bureau role is held in a region"
    form = FundingYearForm(query or None)
    year = clock.year() - 1
    if form.is_valid() and form.cleaned_data["year"]:
        year = form.cleaned_data["year"]
    status = query.get("status", "")
    if status not in {s.value for s in FundingStatus}:
        status = ""
    return year, status, funding_in_region(region, year)


def _rows(checks: Iterable[FundingCheck]) -> Iterable[list[Any]]:
    for check in checks:
        funding, rule = check.funding, check.rule
        yield [
            check.employer.name,
            check.employer.uscc,
            check.employer.region_id,
            float(funding.payroll_total) if funding else "",
            float(funding.spending) if funding else "",
            float(check.share) if check.share is not None else "",
            float(rule.share) if rule else "",
            float(check.shortfall) if funding and rule else "",
            check.status_label,
            rule.citation if rule else "",
        ]


def funding_export(job: Job, active: ActiveRole) -> Export:
    """The page's employers for its year and status (source ``bureau_funding``)."""
    year, status, checks = bureau_checks(active, export_query(job))
    shown = [c for c in checks if not status or c.status == status]
    region = active.assignment.region
    assert region is not None
    return Export(
        filename=f"{region.name}-{year}年度继续教育经费",
        sheets=[Sheet(f"{year}年度经费", HEADER, _rows(shown), total=len(shown))],
    )
