"""The catalogue: the year's public subjects, professional-subject guides."""

from __future__ import annotations

from django.db import models

from xueshi.organisations.models import SERIES_CHOICES


class PublicSubject(models.Model):
    """公需科目: set each year by the province (Shantou 2014: two subjects of 20 h).

    ``for_year`` is the year the subject counts for: the past-year subjects offered for
    make-up in 2014 count for 2010–2013.
    """

    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="发布地区",
        on_delete=models.PROTECT,
        related_name="public_subjects",
    )
    for_year = models.PositiveSmallIntegerField("所属年度")
    title = models.CharField("科目名称", max_length=200)
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    required = models.BooleanField("必修", default=False)
    makeup = models.BooleanField("往年度补修科目", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "公需科目"
        verbose_name_plural = "公需科目"
        ordering = ["-for_year", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "for_year", "title"], name="public_subject_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.for_year} {self.title}"


class SubjectGuide(models.Model):
    """专业科目指南: published by an industry authority for its series."""

    authority = models.ForeignKey(
        "organisations.IndustryAuthority",
        verbose_name="发布部门",
        on_delete=models.PROTECT,
        related_name="guides",
    )
    year = models.PositiveSmallIntegerField("年度")
    series = models.CharField("专业技术系列", max_length=32, choices=SERIES_CHOICES)
    title = models.CharField("指南名称", max_length=200)
    content = models.TextField("主要内容", blank=True)

    class Meta:
        verbose_name = "专业科目指南"
        verbose_name_plural = "专业科目指南"
        ordering = ["-year", "series", "title"]

    def __str__(self) -> str:
        return self.title
