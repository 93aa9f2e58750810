"""Regions and the organisations that act in them: employers, providers, authorities."""

from __future__ import annotations

from django.db import models

from xueshi.rules.terms import SERIES_LABELS

SERIES_CHOICES = list(SERIES_LABELS.items())


class RegionLevel(models.TextChoices):
    NATIONAL = "national", "全国"
    PROVINCE = "province", "省级"
    CITY = "city", "市级"
    DISTRICT = "district", "区级"
    COUNTY = "county", "县级"


class Region(models.Model):
    """A jurisdiction by its GB/T 2260 code, mirrored from policy/regions/."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=64)
    level = models.CharField("层级", max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name="上级",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Codes from the top down, "000000/440000/440500/": a region and all below it are the
    # rows whose path starts with its own, one indexed range scan.
    path = models.CharField("路径", max_length=128, unique=True)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["path"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class Employer(models.Model):
    """用人单位."""

    name = models.CharField("单位名称", max_length=128)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="employers"
    )
    contact_name = models.CharField("联系人", max_length=32, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "用人单位"
        verbose_name_plural = "用人单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndustryAuthority(models.Model):
    """行业主管部门: owns a set of professional series in a region."""

    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="authorities"
    )
    series = models.JSONField("主管的专业技术系列", default=list)

    class Meta:
        verbose_name = "行业主管部门"
        verbose_name_plural = "行业主管部门"
        ordering = ["region_id", "name"]

    def __str__(self) -> str:
        return self.name


class ProviderFilingStatus(models.TextChoices):
    FILED = "filed", "已备案"
    SUSPENDED = "suspended", "暂停"
    REVOKED = "revoked", "已取消备案"


class Provider(models.Model):
    """施教机构 / 继续教育基地."""

    name = models.CharField("名称", max_length=128)
    region = models.ForeignKey(
        Region, verbose_name="所在地区", on_delete=models.PROTECT, related_name="providers"
    )
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True)
    filing_status = models.CharField(
        "备案状态",
        max_length=16,
        choices=ProviderFilingStatus.choices,
        default=ProviderFilingStatus.FILED,
    )
    sectors = models.JSONField("培训的专业技术系列", default=list, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "施教机构"
        verbose_name_plural = "施教机构"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
