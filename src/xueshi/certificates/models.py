"""Certificates (继续教育证书), their numbers, booklets, and the bureau's verification (验证).

Nothing here is ever deleted: a reissue supersedes, a revocation revokes, both with a reason.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class CertificateShape(models.TextChoices):
    ANNUAL_CERTIFICATE = "annual_certificate", "年度继续教育证书"
    ANNUAL_E_CERTIFICATE = "annual_e_certificate", "年度继续教育电子证书"
    BOOKLET = "booklet", "继续教育证书（登记册）"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效"
    SUPERSEDED = "superseded", "已换发"
    REVOKED = "revoked", "已撤销"


class NumberCounter(models.Model):
    """The last number given in a scope (``440500-2014``, ``booklet-341882``), incremented
    under a row lock: numbers stay unique under concurrency (never count() + 1)."""

    scope = models.CharField("编号范围", max_length=64, unique=True)
    last = models.PositiveIntegerField("已用到", default=0)

    class Meta:
        verbose_name = "证书编号计数器"
        verbose_name_plural = "证书编号计数器"

    def __str__(self) -> str:
        return f"{self.scope}: {self.last}"


class Booklet(models.Model):
    """A numbered certificate booklet (Guangde): the number is kept through renewal when it
    is full and replacement when it is lost (G5)."""

    number = models.CharField("证书编号", max_length=32, unique=True)
    professional = models.OneToOneField(
        "people.Professional",
        verbose_name="持证人",
        on_delete=models.PROTECT,
        related_name="booklet",
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="发证地区", on_delete=models.PROTECT, related_name="+"
    )
    copies = models.PositiveSmallIntegerField("册次", default=1)
    reentry_since = models.DateTimeField(
        "补办后待凭证补登专业科目学时的起点",
        null=True,
        blank=True,
    )
    created_at = models.DateTimeField("首次领取时间", auto_now_add=True)

    class Meta:
        verbose_name = "继续教育证书（登记册）"
        verbose_name_plural = "继续教育证书（登记册）"

    def __str__(self) -> str:
        return self.number


class BookletIssueKind(models.TextChoices):
    FIRST = "first", "首次申领"
    RENEWAL = "renewal", "登记满续办"
    REPLACEMENT = "replacement", "丢失损毁补办"


class BookletIssue(models.Model):
    booklet = models.ForeignKey(
        Booklet, verbose_name="登记册", on_delete=models.PROTECT, related_name="issues"
    )
    kind = models.CharField("类型", max_length=16, choices=BookletIssueKind.choices)
    reason = models.CharField("说明", max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField("办理时间", auto_now_add=True)

    class Meta:
        verbose_name = "登记册办理记录"
        verbose_name_plural = "登记册办理记录"
        ordering = ["issued_at", "id"]

    def __str__(self) -> str:
        return f"{self.booklet} {self.get_kind_display()}"


class Certificate(models.Model):
    """One year's (or cycle's) certificate of one professional, with what it rests on."""

    number = models.CharField("证书编号", max_length=40, unique=True)
    shape = models.CharField("证书形式", max_length=24, choices=CertificateShape.choices)
    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="持证人",
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    year = models.PositiveSmallIntegerField("年度")
    years_label = models.CharField("年度说明", max_length=32)
    region = models.ForeignKey(
        "organisations.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="工作单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    booklet = models.ForeignKey(
        Booklet,
        verbose_name="登记册",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    hours = models.JSONField("认定学时", default=dict)
    verdict = models.JSONField("达标结论", default=dict)
    policy_version = models.CharField("政策版本", max_length=32)
    issuer = models.CharField("发证机关", max_length=128)
    payload = models.TextField("签名内容")
    kid = models.CharField("签名密钥", max_length=32)
    # Printed beside the number and carried by the QR: a look-up by number needs it (or the
    # holder's name), so sequential numbers cannot be harvested (certificates/token.py).
    verification_code = models.CharField("核验码", max_length=8, blank=True, default="")
    status = models.CharField(
        "状态", max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )
    status_reason = models.CharField("换发/撤销原因", max_length=200, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        verbose_name="换发自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )
    issued_at = models.DateTimeField("发证时间", auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="办理人", on_delete=models.PROTECT, related_name="+"
    )
    issued_role = models.CharField("办理角色", max_length=32)
    stamp_required = models.BooleanField("须验证盖章", default=False)
    stamp_by_role = models.CharField("盖章机关", max_length=32, blank=True)
    stamped_at = models.DateTimeField("盖章时间", null=True, blank=True)
    stamped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="盖章经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    stamp_rule = models.TextField("盖章依据", blank=True)
    # The verification path the policy sets for it (rules.verification: each step's act, the
    # roles that give it, the seal, the clause), and the stamps given, in order: who, which
    # body, when. The last step's stamp sets ``stamped_at``. Empty where no path is set.
    path = models.JSONField("验证流程", default=list, blank=True)
    stamps = models.JSONField("验证记录", default=list, blank=True)
    # What the cycle it closes decides for the next year, with its clause (Luojiang §二(一):
    # 不予评聘、晋升), or that it cannot be decided; "" where the year closes no such cycle.
    consequence = models.CharField("周期结果的后果", max_length=400, blank=True)

    class Meta:
        verbose_name = "继续教育证书"
        verbose_name_plural = "继续教育证书"
        ordering = ["-year", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["professional", "year"],
                condition=Q(status="valid"),
                name="certificate_one_valid_per_year",
            ),
        ]
        indexes = [models.Index(fields=["employer", "year"], name="certificate_employer_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def stamped(self) -> bool:
        return self.stamped_at is not None

    @property
    def in_effect(self) -> bool:
        """Valid and, where a stamp is required, stamped (S12: 未加盖专用章一律无效)."""
        return self.status == CertificateStatus.VALID and (self.stamped or not self.stamp_required)


class RosterStatus(models.TextChoices):
    SUBMITTED = "submitted", "已报送"
    PROCESSED = "processed", "已验证"
    RETURNED = "returned", "已退回"


class Roster(models.Model):
    """验证花名册 / 汇总表: an employer's batch of its staff's certificates for verification."""

    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="rosters",
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="验证地区", on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField("验证年度")
    status = models.CharField(
        "状态", max_length=16, choices=RosterStatus.choices, default=RosterStatus.SUBMITTED
    )
    submitted_at = models.DateTimeField("报送时间", auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="报送人", on_delete=models.PROTECT, related_name="+"
    )
    late_reason = models.CharField("逾期原因", max_length=200, blank=True)
    # Guangde G4: the July–September window is for those in this year's title evaluation;
    # for everyone else the time is announced later (另行通知).
    title_evaluation = models.BooleanField("当年参加职称评审（考试）人员", default=False)
    processed_at = models.DateTimeField("验证时间", null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="验证经办人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    comment = models.TextField("意见", blank=True)

    class Meta:
        verbose_name = "验证花名册"
        verbose_name_plural = "验证花名册"
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.employer} {self.year} 年度验证花名册"


class RosterEntry(models.Model):
    roster = models.ForeignKey(
        Roster, verbose_name="花名册", on_delete=models.PROTECT, related_name="entries"
    )
    certificate = models.ForeignKey(
        Certificate, verbose_name="证书", on_delete=models.PROTECT, related_name="roster_entries"
    )
    stamped = models.BooleanField("已盖章", default=False)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "花名册条目"
        verbose_name_plural = "花名册条目"
        constraints = [
            models.UniqueConstraint(fields=["roster", "certificate"], name="roster_entry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.roster} · {self.certificate}"


class PrintJobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "生成中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class PrintJob(models.Model):
    """An employer's batch print: every valid certificate of its staff for a year, one PDF."""

    employer = models.ForeignKey(
        "organisations.Employer",
        verbose_name="用人单位",
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("年度")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=PrintJobStatus.choices, default=PrintJobStatus.QUEUED
    )
    total = models.PositiveIntegerField("证书数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    file = models.FileField("文件", upload_to="print/%Y/%m/", blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "证书批量打印"
        verbose_name_plural = "证书批量打印"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.employer} {self.year} 批量打印"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0


class BookletReentry(models.Model):
    """补登: after a lost booklet is replaced, a professional-hours record counts in the new
    booklet only once the bureau has seen its evidence again (G5)."""

    booklet = models.ForeignKey(
        Booklet, verbose_name="登记册", on_delete=models.PROTECT, related_name="reentries"
    )
    record = models.ForeignKey(
        "records.HourRecord", verbose_name="学时记录", on_delete=models.PROTECT, related_name="+"
    )
    evidence = models.ForeignKey(
        "records.Evidence",
        verbose_name="重新提供的证明材料",
        on_delete=models.PROTECT,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="经办人", on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField("补登时间", auto_now_add=True)

    class Meta:
        verbose_name = "补办后补登"
        verbose_name_plural = "补办后补登"
        constraints = [
            models.UniqueConstraint(fields=["booklet", "record"], name="booklet_reentry_once"),
        ]

    def __str__(self) -> str:
        return f"{self.booklet} · {self.record}"


class ProofStatus(models.TextChoices):
    VALID = "valid", "有效"
    SUPERSEDED = "superseded", "已换发"
    WITHDRAWN = "withdrawn", "已撤回"


class Proof(models.Model):
    """继续教育证明 (Shantou 2014 §四(四): 《广东省专业技术人员继续教育证明》; its title is the
    form of the region's notice, rules.proofs): what a provider
    issues a learner who passed one of its filed classes, as the evidence of the training.

    The content is kept as issued (the signed ``payload`` is its canonical form): a later
    change of the class or of the person changes no proof; a reissue supersedes, a
    withdrawal withdraws, both with a reason, and nothing is deleted."""

    number = models.CharField("证明编号", max_length=40, unique=True)
    class_plan = models.ForeignKey(
        "training.ClassPlan", verbose_name="培训班", on_delete=models.PROTECT, related_name="proofs"
    )
    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="学员",
        on_delete=models.PROTECT,
        related_name="proofs",
    )
    provider = models.ForeignKey(
        "organisations.Provider",
        verbose_name="施教机构",
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "organisations.Region", verbose_name="备案地区", on_delete=models.PROTECT, related_name="+"
    )
    record = models.ForeignKey(
        "records.HourRecord",
        verbose_name="登记的学时记录",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    holder_name = models.CharField("姓名", max_length=64)
    holder_id_masked = models.CharField("身份证号（遮蔽）", max_length=32)
    employer_name = models.CharField("工作单位", max_length=128, blank=True)
    provider_name = models.CharField("施教机构名称", max_length=128)
    class_title = models.CharField("培训名称", max_length=200)
    category = models.CharField("科目类别", max_length=16)
    mode = models.CharField("培训方式", max_length=16, blank=True)
    start_date = models.DateField("开始日期")
    end_date = models.DateField("结束日期")
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    result = models.CharField("考核结果", max_length=16, default="合格")
    score = models.DecimalField("考核成绩", max_digits=5, decimal_places=1, null=True, blank=True)
    filing_number = models.CharField("备案编号", max_length=40)
    payload = models.TextField("签名内容")
    kid = models.CharField("签名密钥", max_length=32)
    verification_code = models.CharField("核验码", max_length=8)
    status = models.CharField(
        "状态", max_length=16, choices=ProofStatus.choices, default=ProofStatus.VALID
    )
    status_reason = models.CharField("换发/撤回原因", max_length=200, blank=True)
    reissue_of = models.OneToOneField(
        "self",
        verbose_name="换发自",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reissued_as",
    )
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)
    issued_on = models.DateField("出具日期")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="出具人", on_delete=models.PROTECT, related_name="+"
    )
    issued_role = models.CharField("出具角色", max_length=32)
    ended_at = models.DateTimeField("换发/撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "继续教育证明"
        verbose_name_plural = "继续教育证明"
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["class_plan", "professional"],
                condition=Q(status="valid"),
                name="proof_one_valid_per_learner",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class ProofBatch(models.Model):
    """A provider's batch issue of proofs for a class (one PDF, or a zip of one PDF each):
    the request, its progress and the file once made; the work is a background job."""

    class Shape(models.TextChoices):
        PDF = "pdf", "合并为一个 PDF"
        ZIP = "zip", "每人一个 PDF（zip 压缩包）"

    class_plan = models.ForeignKey(
        "training.ClassPlan", verbose_name="培训班", on_delete=models.PROTECT, related_name="+"
    )
    shape = models.CharField("文件形式", max_length=8, choices=Shape.choices, default=Shape.PDF)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="申请人", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=PrintJobStatus.choices, default=PrintJobStatus.QUEUED
    )
    total = models.PositiveIntegerField("学员数", default=0)
    done = models.PositiveIntegerField("已生成", default=0)
    issued = models.PositiveIntegerField("新出具", default=0)
    file = models.FileField("文件", upload_to="proofs/%Y/%m/", blank=True)
    error = models.TextField("错误", blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = "继续教育证明批量出具"
        verbose_name_plural = "继续教育证明批量出具"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.class_plan} 批量出具证明"

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0
