"""Spot inspections 抽查 and their sanctions (Shantou 2014 §六(七), Luojiang 2017 §一(五)4):
a bureau draws a reproducible random sample of a year's classes, records or certificates,
assigns inspectors, records findings with evidence, and applies sanctions — hours not
recognised, a provider's filing suspended or withdrawn, a notice of criticism (通报批评)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from xueshi.certificates.models import Certificate
from xueshi.organisations.models import Provider, Region


class InspectionKind(models.TextChoices):
    CLASSES = "classes", "培训班"
    RECORDS = "records", "学时记录"
    CERTIFICATES = "certificates", "证书"


class Stratum(models.TextChoices):
    NONE = "none", "不分层"
    PROVIDER = "provider", "按施教机构分层"
    DISTRICT = "district", "按地区分层"


class Inspection(models.Model):
    """One draw: what, which year, which share, how stratified, and the seed that makes the
    same draw again from the same population."""

    region = models.ForeignKey(Region, verbose_name="组织地区", on_delete=models.PROTECT)
    year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("抽查对象", max_length=16, choices=InspectionKind.choices)
    share = models.DecimalField("抽查比例（%）", max_digits=5, decimal_places=2)
    stratify = models.CharField("分层", max_length=16, choices=Stratum.choices)
    seed = models.CharField("随机种子", max_length=64)
    population = models.PositiveIntegerField("总体数量")
    title = models.CharField("名称", max_length=100)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="组织人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "抽查"
        verbose_name_plural = "抽查"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.title


class ItemResult(models.TextChoices):
    PENDING = "pending", "待检查"
    PASSED = "passed", "未发现问题"
    PROBLEM = "problem", "发现问题"


class InspectionItem(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name="抽查", on_delete=models.CASCADE, related_name="items"
    )
    target_id = models.PositiveBigIntegerField("对象编号")
    label = models.CharField("对象", max_length=300)
    stratum = models.CharField("层", max_length=100, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="检查人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    result = models.CharField(
        "检查结果", max_length=16, choices=ItemResult.choices, default=ItemResult.PENDING
    )
    finding = models.TextField("检查情况", blank=True)
    evidence = models.FileField("佐证材料", upload_to="inspections/%Y/", blank=True)
    evidence_sha256 = models.CharField("材料摘要", max_length=64, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="记录人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField("记录时间", null=True, blank=True)

    class Meta:
        verbose_name = "抽查对象"
        verbose_name_plural = "抽查对象"
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "target_id"], name="inspection_item_once"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class SanctionKind(models.TextChoices):
    NOT_RECOGNISED = "not_recognised", "学时不予认定"
    FILING_SUSPENDED = "filing_suspended", "暂停备案资格"
    FILING_REVOKED = "filing_revoked", "取消备案资格"
    CRITICISM = "criticism", "通报批评"


class Sanction(models.Model):
    """A sanction applied on an inspected item's finding. Hours not recognised list the
    certificates of the people concerned for the bureau to reissue or revoke."""

    item = models.ForeignKey(
        InspectionItem, verbose_name="抽查对象", on_delete=models.PROTECT, related_name="sanctions"
    )
    kind = models.CharField("处理方式", max_length=24, choices=SanctionKind.choices)
    reason = models.TextField("处理理由")
    provider = models.ForeignKey(
        Provider, verbose_name="施教机构", null=True, blank=True, on_delete=models.PROTECT
    )
    records = models.PositiveIntegerField("不予认定的记录数", default=0)
    certificates = models.ManyToManyField(
        Certificate, verbose_name="须换发或撤销的证书", blank=True, related_name="+"
    )
    published = models.BooleanField("公开通报", default=False)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="处理人", on_delete=models.PROTECT, related_name="+"
    )
    applied_at = models.DateTimeField("处理时间", auto_now_add=True)

    class Meta:
        verbose_name = "处理"
        verbose_name_plural = "处理"
        ordering = ["-applied_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["item", "kind"], name="sanction_once_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.item}"


class SummaryStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已报送"


class WorkSummary(models.Model):
    """年度工作总结 (Shantou 2014 §六(六)): a provider's, or a district bureau's, summary of
    its year, drafted from the data and submitted to the bureau above by the deadline."""

    year = models.PositiveSmallIntegerField("年度")
    provider = models.ForeignKey(
        Provider, verbose_name="施教机构", null=True, blank=True, on_delete=models.PROTECT
    )
    region = models.ForeignKey(
        Region,
        verbose_name="地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    figures = models.JSONField("数据", default=dict)
    text = models.TextField("总结", blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=SummaryStatus.choices, default=SummaryStatus.DRAFT
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="填写人", on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField("填写时间", auto_now=True)
    submitted_at = models.DateTimeField("报送时间", null=True, blank=True)

    class Meta:
        verbose_name = "年度工作总结"
        verbose_name_plural = "年度工作总结"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(provider__isnull=True) ^ models.Q(region__isnull=True),
                name="summary_of_provider_or_region",
            ),
            models.UniqueConstraint(fields=["year", "provider"], name="summary_provider_year"),
            models.UniqueConstraint(fields=["year", "region"], name="summary_region_year"),
        ]

    def __str__(self) -> str:
        return f"{self.provider or self.region} {self.year} 年度工作总结"
