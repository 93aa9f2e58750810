"""Classes: filing and approval, enrolment, attendance, assessment, batch entry of hours."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.choices import choices_of
from xueshi.rules import Category, Mode


class ClassStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    FILED = "filed", "已提交备案"
    APPROVED = "approved", "已核准"
    REJECTED = "rejected", "未核准"
    CANCELLED = "cancelled", "已取消"


class ClassPlan(models.Model):
    """开班备案: one class a provider runs, filed before it starts."""

    provider = models.ForeignKey(
        "organisations.Provider",
        verbose_name="施教机构",
        on_delete=models.PROTECT,
        related_name="classes",
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="备案地区", on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField("培训名称", max_length=200)
    category = models.CharField("科目类别", max_length=16, choices=choices_of(Category))
    required = models.BooleanField("公需必修", default=False)
    series = models.CharField("面向系列", max_length=32, blank=True)
    mode = models.CharField(
        "方式", max_length=16, choices=choices_of(Mode), default=Mode.FACE_TO_FACE.value
    )
    start_date = models.DateField("开班日期")
    end_date = models.DateField("结班日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    capacity = models.PositiveIntegerField("计划人数", default=50)
    pass_mark = models.PositiveSmallIntegerField("合格分数", default=60)
    location = models.CharField("地点", max_length=200, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=ClassStatus.choices, default=ClassStatus.DRAFT
    )
    filing_due = models.DateField("备案截止日期", null=True, blank=True)
    approver_role = models.CharField("核准机关", max_length=32, blank=True)
    filed_at = models.DateTimeField("提交备案时间", null=True, blank=True)
    decided_at = models.DateTimeField("核准时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核准人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision_comment = models.TextField("核准意见", blank=True)
    policy_version = models.CharField("政策版本", max_length=32, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "培训班"
        verbose_name_plural = "培训班"
        ordering = ["-start_date", "-id"]
        constraints = [
            models.CheckConstraint(
                name="class_dates_ordered", condition=Q(start_date__lte=models.F("end_date"))
            ),
            models.CheckConstraint(name="class_hours_positive", condition=Q(hours__gt=0)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def filing_number(self) -> str:
        """备案编号: the region, the year the class starts and its number in the system
        (printed on the learners' proofs, and how a declaration names the class)."""
        return f"BA{self.region_id}{self.start_date:%Y}{self.pk:06d}"


class Enrollment(models.Model):
    """报名."""

    class_plan = models.ForeignKey(
        ClassPlan, verbose_name="培训班", on_delete=models.PROTECT, related_name="enrollments"
    )
    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="学员",
        on_delete=models.PROTECT,
        related_name="enrollments",
    )
    created_at = models.DateTimeField("报名时间", auto_now_add=True)
    score = models.DecimalField("考核成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField("考核合格", null=True, blank=True)

    class Meta:
        verbose_name = "报名"
        verbose_name_plural = "报名"
        constraints = [
            models.UniqueConstraint(fields=["class_plan", "professional"], name="enrollment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.professional} · {self.class_plan}"


class HalfDay(models.TextChoices):
    MORNING = "am", "上午"
    AFTERNOON = "pm", "下午"


class Attendance(models.Model):
    """签到 / 签退, per half day (Luojiang: at least once each per half day)."""

    enrollment = models.ForeignKey(
        Enrollment, verbose_name="报名", on_delete=models.CASCADE, related_name="attendance"
    )
    day = models.DateField("日期")
    half_day = models.CharField("时段", max_length=2, choices=HalfDay.choices)
    signed_in_at = models.DateTimeField("签到时间", null=True, blank=True)
    signed_out_at = models.DateTimeField("签退时间", null=True, blank=True)

    class Meta:
        verbose_name = "考勤"
        verbose_name_plural = "考勤"
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "day", "half_day"], name="attendance_once_per_half_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrollment} {self.day} {self.get_half_day_display()}"


class HourBatch(models.Model):
    """批量录入: one uploaded Excel file of passed learners' hours for a class."""

    class_plan = models.ForeignKey(
        ClassPlan, verbose_name="培训班", on_delete=models.PROTECT, related_name="batches"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新登记", default=0)
    unchanged = models.PositiveIntegerField("已登记（未重复）", default=0)
    accepted = models.BooleanField("已入库", default=False)
    report = models.JSONField("校验报告", default=list, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "批量登记"
        verbose_name_plural = "批量登记"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.class_plan} · {self.file_name}"
