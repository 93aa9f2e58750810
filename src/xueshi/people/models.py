"""Professionals and their employment, with its history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.choices import choices_of
from xueshi.organisations.models import SERIES_CHOICES
from xueshi.people.identity import id_fields, id_index, id_indexes
from xueshi.rules import InstitutionLevel, TitleLevel


class ProfessionalQuerySet(models.QuerySet["Professional"]):
    def id_number_is(self, number: str) -> ProfessionalQuerySet:
        """The person with this normalised ID number (by its blind index)."""
        return self.filter(id_number_index=id_index(number))

    def id_number_in(self, numbers: list[str]) -> ProfessionalQuerySet:
        return self.filter(id_number_index__in=list(id_indexes(numbers)))


def _id_number_set(professional: Professional, number: str) -> None:
    for field, value in id_fields(number).items():
        setattr(professional, field, value)


class Professional(models.Model):
    """专业技术人员. The region is where the person works: their employer's region.

    The ID number is stored encrypted, with a blind index and a masked form
    (``people/identity.py``). ``Professional(id_number=…)`` and ``professional.id_number =
    …`` set all three; there is no reading it back here: ``identity.id_number_reveal``
    shows a full number, with an audit row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name="账户",
        on_delete=models.PROTECT,
        related_name="professional",
    )
    full_name = models.CharField("姓名", max_length=64)
    id_number_encrypted = models.CharField("公民身份号码（密文）", max_length=120)
    id_number_index = models.CharField("公民身份号码（检索码）", max_length=64, unique=True)
    id_number_masked = models.CharField("公民身份号码", max_length=18)
    series = models.CharField("专业技术系列", max_length=32, choices=SERIES_CHOICES)
    title_level = models.CharField("职称级别", max_length=32, choices=choices_of(TitleLevel))
    institution_level = models.CharField(
        "医疗卫生机构级别", max_length=16, blank=True, choices=choices_of(InstitutionLevel)
    )
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="所在地区",
        on_delete=models.PROTECT,
        related_name="professionals",
    )
    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="现工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    created_at = models.DateTimeField("注册时间", auto_now_add=True)

    objects = ProfessionalQuerySet.as_manager()

    class Meta:
        verbose_name = "专业技术人员"
        verbose_name_plural = "专业技术人员"
        ordering = ["full_name", "id"]
        indexes = [models.Index(fields=["employer", "full_name"], name="professional_employer_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def masked_id_number(self) -> str:
        return self.id_number_masked

    # Write-only: a normalised number in, its three stored forms set.
    id_number = property(fset=_id_number_set, doc="the ID number, write-only")


class EmploymentStatus(models.TextChoices):
    REQUESTED = "requested", "待单位确认"
    ACTIVE = "active", "在职"
    DECLINED = "declined", "单位未接受"
    ENDED = "ended", "已离职"
    WITHDRAWN = "withdrawn", "已撤回申请"


class Employment(models.Model):
    """A professional's link to an employer. Never deleted: a change of employer ends one and
    starts another, so the history stays."""

    professional = models.ForeignKey(
        Professional,
        verbose_name="专业技术人员",
        on_delete=models.PROTECT,
        related_name="employments",
    )
    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="employments",
    )
    status = models.CharField(
        "状态", max_length=16, choices=EmploymentStatus.choices, default=EmploymentStatus.REQUESTED
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_on = models.DateField("入职日期", null=True, blank=True)
    ended_on = models.DateField("离职日期", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="处理人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = "任职记录"
        verbose_name_plural = "任职记录"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["professional"], condition=Q(status="active"), name="employment_one_active"
            ),
            models.UniqueConstraint(
                fields=["professional", "employer"],
                condition=Q(status="requested"),
                name="employment_one_request_per_employer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.professional} @ {self.employer}（{self.get_status_display()}）"
