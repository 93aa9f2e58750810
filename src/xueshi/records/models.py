"""Hour records (学时记录), their evidence, and where each stands in its review chain."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.choices import choices_of
from xueshi.rules import Category, CreditClass, Mode
from xueshi.rules.integrity import FlagKind
from xueshi.rules.verdict import fmt
from xueshi.rules.workflow import RecordState


class LearningForm(models.TextChoices):
    TRAINING = "training", "培训班"
    SEMINAR = "seminar", "研修班/进修班"
    LECTURE = "lecture", "学术讲座"
    CONFERENCE = "conference", "学术会议"
    ONLINE_COURSE = "online_course", "网络课程"
    PAPER = "paper", "论文/著作"
    DEGREE = "degree", "学历学位教育"
    VISIT = "visit", "考察/进修学习"
    OTHER = "other", "其他"


class RecordSource(models.TextChoices):
    DECLARATION = "declaration", "个人/单位申报"
    BATCH = "batch", "施教机构批量登记"
    SYSTEM = "system", "系统自动登记"


class NextStep(models.Func):
    """The chain role at the record's current step (``chain.steps[step]``) as text, NULL past
    the chain's end: what ``HourRecord.awaiting`` stores while the record is in review."""

    output_field = models.CharField(max_length=32)
    arity = 2

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="((%(expressions)s))", arg_joiner=" -> 'steps' ->> "
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="json_extract(%(expressions)s || ']')",
            arg_joiner=", '$.steps[' || ",
        )


class HourRecord(models.Model):
    """One entry of hours (or credits) of one professional, and its review state.

    ``chain`` is the review chain in force when the record was submitted (roles in order)
    and ``step`` how many of its steps have passed; both are snapshotted so a later change of
    policy does not move a record already under review.
    """

    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="专业技术人员",
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    category = models.CharField("科目类别", max_length=16, choices=choices_of(Category), blank=True)
    required = models.BooleanField("必修", default=False)
    hours = models.DecimalField("学时", max_digits=6, decimal_places=1, default=0)
    credits = models.DecimalField("学分", max_digits=6, decimal_places=1, default=0)
    credit_class = models.CharField(
        "学分类别", max_length=4, choices=choices_of(CreditClass), blank=True
    )
    mode = models.CharField(
        "方式", max_length=16, choices=choices_of(Mode), default=Mode.FACE_TO_FACE.value
    )
    form = models.CharField(
        "形式", max_length=16, choices=LearningForm.choices, default=LearningForm.TRAINING
    )
    content = models.CharField("学习内容", max_length=200)
    provider = models.ForeignKey(
        "organisations.Provider",
        verbose_name="施教机构",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    provider_name = models.CharField("施教机构名称", max_length=128, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    credited_year = models.PositiveSmallIntegerField("归属年度", db_index=True)
    status = models.CharField(
        "状态", max_length=16, choices=choices_of(RecordState), default=RecordState.DRAFT.value
    )
    chain = models.JSONField("审核流程", default=list, blank=True)
    step = models.PositiveSmallIntegerField("已完成审核步数", default=0)
    # Whose review the record waits for (the chain role at ``step``), NULL when it is not in
    # review: computed by the database from the columns above on every write (whatever the
    # path: a service, a batch's COPY, a migration), so the review queue is one index.
    awaiting = models.GeneratedField(
        expression=models.Case(
            models.When(
                status=RecordState.IN_REVIEW.value,
                then=NextStep(models.F("chain"), models.F("step")),
            ),
            default=None,
            output_field=models.CharField(max_length=32),
        ),
        output_field=models.CharField("待审核角色", max_length=32, null=True),
        db_persist=True,
    )
    policy_version = models.CharField("政策版本", max_length=32, blank=True)
    source = models.CharField(
        "来源", max_length=16, choices=RecordSource.choices, default=RecordSource.DECLARATION
    )
    class_plan = models.ForeignKey(
        "training.ClassPlan",
        verbose_name="培训班",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="hour_records",
    )
    # A declaration that names a filed class: the provider's proof it was filled from, and
    # what agreed or differed with the class, the roster and the proof (class_match.py).
    proof_number = models.CharField("继续教育证明编号", max_length=40, blank=True)
    class_match = models.JSONField("与备案培训班比对", default=dict, blank=True)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申报人", on_delete=models.PROTECT, related_name="+"
    )
    declared_role = models.CharField("申报角色", max_length=32)
    last_comment = models.TextField("最近审核意见", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学时记录"
        verbose_name_plural = "学时记录"
        ordering = ["-credited_year", "-end_date", "-id"]
        indexes = [
            models.Index(fields=["professional", "credited_year"], name="record_person_year_idx"),
            models.Index(fields=["status", "credited_year"], name="record_status_year_idx"),
            # 待我审核: a role's records in review, oldest first (a page walks the index).
            models.Index(
                fields=["awaiting", "created_at", "id"],
                condition=Q(awaiting__isnull=False),
                name="record_queue_idx",
            ),
            # The same records by person: an employer's queue probes its staff's entries.
            models.Index(
                fields=["professional", "awaiting"],
                condition=Q(awaiting__isnull=False),
                name="record_queue_person_idx",
            ),
            # Year-end evaluation reads a year's records of every person (one GROUP BY, then
            # the bulk rules): everything it reads is in this index, so the table is never
            # visited (SQLite "COVERING INDEX", PostgreSQL index-only scan). Key columns, not
            # INCLUDE: SQLite has no INCLUDE and Django warns (models.W040) where it is not
            # supported. bench/compliance.py measures it (docs/performance.md).
            models.Index(
                fields=[
                    "credited_year",
                    "status",
                    "professional",
                    "category",
                    "required",
                    "mode",
                    "end_date",
                    "hours",
                    "credits",
                ],
                name="record_year_status_cover_idx",
            ),
        ]
        constraints = [
            # A provider's batch enters a learner's hours for a class once: a re-upload of
            # the same rows doubles nothing. A voided record (withdrawn by the system that
            # pushed it) leaves room for its correction.
            models.UniqueConstraint(
                fields=["class_plan", "professional"],
                condition=Q(source="batch") & ~Q(status="voided"),
                name="record_batch_once_per_class",
            ),
            models.CheckConstraint(
                name="record_hours_not_negative", condition=Q(hours__gte=0, credits__gte=0)
            ),
            models.CheckConstraint(
                name="record_dates_ordered", condition=Q(start_date__lte=models.F("end_date"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.professional} {self.credited_year} {self.content}"

    @property
    def kind_label(self) -> str:
        """What the record counts as: its category (公需科目（必修）), or for a record of
        credits its class (Ⅱ类学分), never a blank."""
        if self.category:
            label = str(self.get_category_display())
            return f"{label}（必修）" if self.required else label
        if self.credit_class:
            return str(self.get_credit_class_display())
        return "学分"

    @property
    def amount_label(self) -> str:
        """How much it counts: "20 学时", "20.5 学时" or, for credits, "5 分" (never "0.0")."""
        if self.category or not self.credits:
            return f"{fmt(self.hours)} 学时"
        return f"{fmt(self.credits)} 分"

    @property
    def matched(self) -> bool:
        """Declared against a filed class, and the class, the roster and the proof agree."""
        return (self.class_match or {}).get("status") == "matched"

    @property
    def next_reviewer_role(self) -> str | None:
        """The chain role that reviews next, while in review."""
        steps = (self.chain or {}).get("steps", [])
        if self.status != RecordState.IN_REVIEW or self.step >= len(steps):
            return None
        return str(steps[self.step])


class Evidence(models.Model):
    """证明材料: an uploaded file, stored outside the web root, with its SHA-256."""

    record = models.ForeignKey(
        HourRecord, verbose_name="学时记录", on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField("文件", upload_to="evidence/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "证明材料"
        verbose_name_plural = "证明材料"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name


class FlagStatus(models.TextChoices):
    OPEN = "open", "待核实"
    CLEARED = "cleared", "已核实排除"


class IntegrityFlag(models.Model):
    """疑点: why a record is doubtful (``xueshi.rules.integrity``), raised when it was
    entered, shown to its reviewers with the other record, and cleared by a reviewer with a
    comment (audited). A record with an open flag is not approved."""

    record = models.ForeignKey(
        HourRecord, verbose_name="学时记录", on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField("疑点类型", max_length=24, choices=choices_of(FlagKind))
    message = models.TextField("疑点说明")
    other_record = models.ForeignKey(
        HourRecord,
        verbose_name="相关记录",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    created_at = models.DateTimeField("发现时间", auto_now_add=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cleared_role = models.CharField("核实角色", max_length=32, blank=True)
    cleared_at = models.DateTimeField("核实时间", null=True, blank=True)
    comment = models.TextField("核实意见", blank=True)

    class Meta:
        verbose_name = "疑点"
        verbose_name_plural = "疑点"
        ordering = ["record_id", "id"]
        indexes = [
            models.Index(fields=["status", "kind"], name="flag_status_kind_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                name="flag_cleared_with_comment",
                condition=Q(status="open") | (Q(cleared_at__isnull=False) & ~Q(comment="")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.record_id}"
