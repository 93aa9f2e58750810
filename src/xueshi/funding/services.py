"""The one write of funding: an employer's administrator reports a year's figures."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.funding.models import EmployerFunding

MOST = Decimal("99999999999999.99")  # the columns' 16 digits


def employer_funding_record(
    *,
    actor: User,
    active: ActiveRole,
    year: int,
    payroll_total: Decimal,
    spending: Decimal,
    note: str = "",
) -> tuple[EmployerFunding, bool]:
    """Record (or correct) the employer's payroll and continuing-education spending of a year.
    Returns the row and whether anything changed: sending the same figures again writes
    nothing and audits nothing."""
    if active.role != Role.EMPLOYER_ADMIN or active.assignment.employer_id is None:
        raise ServiceError("只有用人单位管理员可以填报本单位的继续教育经费。")
    if not 2000 <= year <= clock.year():
        raise ServiceError(f"年度应在 2000 至 {clock.year()} 之间。", field="year")
    if not Decimal(0) < payroll_total <= MOST:
        raise ServiceError("工资总额应大于 0 元。", field="payroll_total")
    if not Decimal(0) <= spending <= MOST:
        raise ServiceError("经费支出不能为负数。", field="spending")
    if spending > payroll_total:
        raise ServiceError("经费支出不能超过工资总额，请核对单位（元）。", field="spending")
    payroll_total, spending = (
        payroll_total.quantize(Decimal("0.01")),
        spending.quantize(Decimal("0.01")),
    )
    note = note.strip()[:200]
    with transaction.atomic():
        funding = (
            EmployerFunding.objects.select_for_update()
            .filter(employer_id=active.assignment.employer_id, year=year)
            .first()
        )
        before = None
        if funding is not None:
            before = {
                "payroll_total": str(funding.payroll_total),
                "spending": str(funding.spending),
            }
            if (funding.payroll_total, funding.spending, funding.note) == (
                payroll_total,
                spending,
                note,
            ):
                return funding, False
            funding.payroll_total, funding.spending, funding.note = payroll_total, spending, note
            funding.entered_by = actor
            funding.save()
        else:
            funding = EmployerFunding.objects.create(
                employer_id=active.assignment.employer_id,
                year=year,
                payroll_total=payroll_total,
                spending=spending,
                note=note,
                entered_by=actor,
            )
        audit_event_write(
            actor=actor,
            role=active.role,
            action="employer_funding_record",
            target=funding,
            data={
                "year": year,
                "payroll_total": str(payroll_total),
                "spending": str(spending),
                "before": before,
            },
        )
    return funding, True
