"""The compliance ledger (达标台账): one row per person and year, kept equal to the rules
core's verdict by every change that can alter it, so a bureau's statistics are read from
it with a few GROUP BYs instead of re-evaluating a province's records.

Which rows exist: one for every professional in every *open* year (``LedgerYear``). A year is
opened by its first rebuild (``ledger_rebuild``: the year-end job, or ``xueshi
ledger_rebuild --year``); from then on the services keep its rows current in their own
transactions. Years never opened are computed live by the pages, as before.

Figures are integers in hundredths (of an hour, of a credit), like ``xueshi.rules.bulk``;
``public_required_courses`` counts courses. The sums are what the bulk evaluator takes
(approved, inside the period, make-up allowed); categories a region does not recognise and
remote credits over the cap are applied by the rules when the verdict is made.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import models

from xueshi.rules.counting import COLUMNS, SUM_COLUMNS

# What a ledger row says is still missing, by figure (a column ``shortfall_<key>`` each).
SHORTFALL_KEYS = ("public", "public_required", "professional", "elective", "total", "credits")


class LedgerYear(models.Model):
    """A year the ledger holds rows for, for every professional."""

    year = models.PositiveSmallIntegerField("年度", primary_key=True)
    opened_at = models.DateTimeField("建立时间", auto_now_add=True)
    rebuilt_at = models.DateTimeField("最近重建时间")
    policy_version = models.CharField("重建时的政策版本", max_length=32)
    rows = models.PositiveIntegerField("重建时的行数", default=0)

    class Meta:
        verbose_name = "台账年度"
        verbose_name_plural = "台账年度"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year} 年度台账"


class PersonYear(models.Model):
    """台账行: a professional's standing for a year (or the cycle ending in it)."""

    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="专业技术人员",
        on_delete=models.CASCADE,
        related_name="ledger_rows",
    )
    year = models.PositiveSmallIntegerField("年度")
    # The person's profile when the row was computed: what the rules resolve and what the
    # statistics group by (the region code is the one the rules use: the person's own).
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="所在地区",
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
    )
    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    series = models.CharField("专业技术系列", max_length=32)
    title_level = models.CharField("职称级别", max_length=32)
    institution_level = models.CharField("医疗卫生机构级别", max_length=16, blank=True)

    public = models.BigIntegerField("公需科目（百分之一学时）", default=0)
    public_required = models.BigIntegerField("公需必修（百分之一学时）", default=0)
    professional_hours = models.BigIntegerField("专业科目（百分之一学时）", default=0)
    elective = models.BigIntegerField("选修科目（百分之一学时）", default=0)
    credits_face = models.BigIntegerField("面授学分（百分之一分）", default=0)
    credits_remote = models.BigIntegerField("远程学分（百分之一分）", default=0)
    public_required_courses = models.IntegerField("公共必修课门数", default=0)
    pending = models.IntegerField("待审核记录数", default=0)

    # None: no requirement is in force for this person (or the policy does not know the
    # region) — not counted in a compliance rate.
    compliant = models.BooleanField("是否达标", null=True)
    shortfall_public = models.BigIntegerField("尚缺公需科目", default=0)
    shortfall_public_required = models.BigIntegerField("尚缺公需必修", default=0)
    shortfall_professional = models.BigIntegerField("尚缺专业科目", default=0)
    shortfall_elective = models.BigIntegerField("尚缺选修科目", default=0)
    shortfall_total = models.BigIntegerField("尚缺总学时", default=0)
    shortfall_credits = models.BigIntegerField("尚缺学分", default=0)

    policy_version = models.CharField("政策版本", max_length=32)
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        verbose_name = "达标台账"
        verbose_name_plural = "达标台账"
        ordering = ["year", "professional_id"]
        constraints = [
            models.UniqueConstraint(fields=["professional", "year"], name="ledger_person_year"),
        ]
        indexes = [
            # The dashboard: a year, the regions under a bureau, grouped by series, title
            # level and verdict — answered from this index alone, in its order (no sort).
            models.Index(
                fields=["year", "region", "series", "title_level", "compliant"],
                name="ledger_dashboard_idx",
            ),
            # The tally by unit of the bureau's page, the same way.
            models.Index(
                fields=["year", "region", "employer", "compliant"], name="ledger_unit_idx"
            ),
            models.Index(fields=["year", "compliant"], name="ledger_year_compliant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.professional_id} {self.year}"

    @property
    def sums(self) -> dict[str, int]:
        """The sums in the bulk evaluator's column names (``xueshi.rules.counting.SUM_COLUMNS``)."""
        return {name: getattr(self, SUM_FIELDS[name]) for name in SUM_COLUMNS}

    @property
    def column_sums(self) -> dict[str, Decimal]:
        """The sums as ``rules.counting.column_sums`` gives them (hours, credits, courses)."""
        return decimal_sums(self.sums)

    @property
    def shortfall(self) -> dict[str, Decimal]:
        """What is missing, in the single evaluation's form (``Verdict.shortfall``)."""
        result = {}
        for key in SHORTFALL_KEYS:
            value = getattr(self, f"shortfall_{key}")
            if value:
                result[key] = Decimal(value) / 100
        return result


# SUM_COLUMNS → field names ("professional" is also the name of the person's foreign key).
SUM_FIELDS = {name: name for name in SUM_COLUMNS} | {"professional": "professional_hours"}


def decimal_sums(sums: Mapping[str, int]) -> dict[str, Decimal]:
    """A ledger row's integer sums (hundredths; courses as a count) as the rules' sums."""
    return {c.name: Decimal(sums[c.name]) / c.scale for c in COLUMNS}
