"""An employer's continuing-education funding of a year (Guangdong 2018 §四: professional
and elective training paid from the staff education fund, at least 1.5 % of the
professionals' payroll)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.organisations.models import Employer


class EmployerFunding(models.Model):
    """What an employer reports for a year: its professionals' payroll and what it spent on
    their continuing education. One row an employer and year; a new report replaces it."""

    employer = models.ForeignKey(
        Employer, verbose_name="用人单位", on_delete=models.PROTECT, related_name="fundings"
    )
    year = models.PositiveSmallIntegerField("年度")
    payroll_total = models.DecimalField(
        "专业技术人员工资总额（元）", max_digits=16, decimal_places=2
    )
    spending = models.DecimalField("继续教育经费支出（元）", max_digits=16, decimal_places=2)
    note = models.CharField("说明", max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="填报人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField("填报时间", auto_now=True)

    class Meta:
        verbose_name = "继续教育经费"
        verbose_name_plural = "继续教育经费"
        constraints = [
            models.UniqueConstraint(fields=["employer", "year"], name="funding_one_per_year"),
            models.CheckConstraint(
                condition=models.Q(payroll_total__gt=0), name="funding_payroll_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(spending__gte=0), name="funding_spending_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer} {self.year}"
