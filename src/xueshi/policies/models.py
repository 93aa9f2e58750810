"""Policy as a bureau publishes it: drafts of a notice, and the published versions.

A notice is two YAML documents in the repository's own formats (``policy/notices.yaml`` for
the notice, a region's ``parameters.yaml`` for its figures), kept as text and loaded by the
same strict loader (``xueshi.rules.layers``). Published versions are never changed or
deleted: the policy in force is the repository's with every version in force laid over it
in publication order, and each version keeps the policy version string the system ran
under from its publication (``policy_version``), the one every verdict of the time stores.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models


class DraftStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PUBLISHED = "published", "已发布"


class PolicyDraft(models.Model):
    """A bureau's draft of a notice for its region."""

    region = models.ForeignKey(
        "organisations.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("适用年度")
    notices_yaml = models.TextField("文件（notices.yaml 格式）")
    parameters_yaml = models.TextField("学时要求等参数（parameters.yaml 格式）")
    status = models.CharField(
        "状态", max_length=16, choices=DraftStatus.choices, default=DraftStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="起草人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("起草时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "政策草稿"
        verbose_name_plural = "政策草稿"
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} 年度政策草稿 #{self.pk}"

    @property
    def digest(self) -> str:
        """Changes when the text changes: a preview of an older text says so."""
        text = f"{self.region_id}\0{self.notices_yaml}\0{self.parameters_yaml}"
        return hashlib.sha256(text.encode()).hexdigest()[:16]


class PolicyPublication(models.Model):
    """A published version of a bureau's notice: what was published, when, by whom."""

    region = models.ForeignKey(
        "organisations.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    number = models.PositiveIntegerField("版本号")
    year = models.PositiveSmallIntegerField("适用年度")
    notice_id = models.CharField("文件编号", max_length=64)
    notice_title = models.CharField("文件标题", max_length=200)
    notices_yaml = models.TextField("文件（notices.yaml 格式）")
    parameters_yaml = models.TextField("学时要求等参数（parameters.yaml 格式）")
    draft = models.OneToOneField(
        PolicyDraft,
        verbose_name="草稿",
        on_delete=models.PROTECT,
        related_name="publication",
    )
    supersedes = models.OneToOneField(
        "self",
        verbose_name="取代的版本",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="发布人",
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField("发布时间")
    previous_policy_version = models.CharField("发布前的政策版本", max_length=32)
    policy_version = models.CharField("发布后的政策版本", max_length=32)
    years = models.JSONField("影响的年度", default=list)

    class Meta:
        verbose_name = "已发布政策"
        verbose_name_plural = "已发布政策"
        ordering = ["published_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "number"], name="policy_publication_number"),
        ]

    def __str__(self) -> str:
        return f"{self.notice_title}（第 {self.number} 版）"
