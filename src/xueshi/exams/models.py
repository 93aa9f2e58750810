"""Online exams (在线考试) of a course: its question bank, each learner's attempts with the
questions drawn for them, the hours an attempt passed credited (once), and transcripts.

The server decides everything that counts: which questions an attempt holds (drawn and saved
when it starts), when it ends (``deadline_at``, set at the start from the server's clock),
its score and whether it passed (the pass mark the policy sets, with its clause).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class QuestionKind(models.TextChoices):
    SINGLE = "single", "单选题"
    MULTIPLE = "multiple", "多选题"
    TRUE_FALSE = "true_false", "判断题"


class Exam(models.Model):
    """课程考试: the exam of one course, its rules and its question bank."""

    course = models.OneToOneField(
        "learning.Course", verbose_name="课程", on_delete=models.PROTECT, related_name="exam"
    )
    title = models.CharField("考试名称", max_length=200)
    question_count = models.PositiveSmallIntegerField("每次抽题数量", default=20)
    duration_minutes = models.PositiveSmallIntegerField("考试时长（分钟）", default=60)
    max_attempts = models.PositiveSmallIntegerField("最多考试次数", default=3)
    retry_delay_minutes = models.PositiveIntegerField("两次考试最短间隔（分钟）", default=0)
    pass_mark = models.PositiveSmallIntegerField(
        "合格分数（政策未规定时）",
        default=60,
        help_text="政策规定了考核合格分数的地区，按政策（如广德 2020：60 分）",
    )
    shows_explanations = models.BooleanField("交卷后显示答案与解析", default=True)
    published = models.BooleanField("已开放", default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "课程考试"
        verbose_name_plural = "课程考试"
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(name="exam_draws_questions", condition=Q(question_count__gt=0)),
            models.CheckConstraint(name="exam_has_time", condition=Q(duration_minutes__gt=0)),
            models.CheckConstraint(name="exam_allows_an_attempt", condition=Q(max_attempts__gt=0)),
            models.CheckConstraint(name="exam_pass_mark_in_range", condition=Q(pass_mark__lte=100)),
        ]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    """试题: one question of an exam's bank. ``options`` are the choices' texts in order
    (A, B, …; a true/false question's are 正确, 错误); ``answer`` the right letters in
    order ("A", "ACD"). ``digest`` identifies the question's content, so importing the same
    file again adds nothing. A question withdrawn (``active`` off) is kept for the attempts
    that drew it."""

    exam = models.ForeignKey(
        Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="questions"
    )
    kind = models.CharField("题型", max_length=16, choices=QuestionKind.choices)
    text = models.TextField("题干")
    options = models.JSONField("选项", default=list)
    answer = models.CharField("正确答案", max_length=8)
    explanation = models.TextField("解析", blank=True)
    digest = models.CharField("内容摘要", max_length=64)
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("导入时间", auto_now_add=True)

    class Meta:
        verbose_name = "试题"
        verbose_name_plural = "试题"
        ordering = ["exam_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "digest"], name="question_once_per_exam"),
        ]

    def __str__(self) -> str:
        return self.text[:40]


class QuestionImport(models.Model):
    """试题导入: one uploaded Excel file of questions and its row-by-row report."""

    exam = models.ForeignKey(
        Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="imports"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("SHA-256", max_length=64)
    rows = models.PositiveIntegerField("行数", default=0)
    created = models.PositiveIntegerField("新增试题", default=0)
    unchanged = models.PositiveIntegerField("已有试题", default=0)
    accepted = models.BooleanField("已入库", default=False)
    report = models.JSONField("校验报告", default=list, blank=True)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "试题导入"
        verbose_name_plural = "试题导入"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.exam} · {self.file_name}"


class AttemptStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "答题中"
    SUBMITTED = "submitted", "已交卷"
    TIMED_OUT = "timed_out", "超时自动交卷"


class Attempt(models.Model):
    """一次考试: the questions drawn for it (ids, in the order shown), the answers the
    server holds, its deadline on the server's clock and, once closed, its score."""

    exam = models.ForeignKey(
        Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="attempts"
    )
    professional = models.ForeignKey(
        "people.Professional",
        verbose_name="考生",
        on_delete=models.PROTECT,
        related_name="exam_attempts",
    )
    number = models.PositiveSmallIntegerField("第几次")
    question_ids = models.JSONField("抽到的试题", default=list)
    answers = models.JSONField("作答", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=AttemptStatus.choices, default=AttemptStatus.IN_PROGRESS
    )
    started_at = models.DateTimeField("开始时间")
    deadline_at = models.DateTimeField("截止时间")
    submitted_at = models.DateTimeField("交卷时间", null=True, blank=True)
    score = models.DecimalField("成绩", max_digits=4, decimal_places=1, null=True, blank=True)
    correct = models.PositiveSmallIntegerField("答对题数", null=True, blank=True)
    pass_mark = models.PositiveSmallIntegerField("合格分数", null=True, blank=True)
    pass_mark_reference = models.CharField("合格分数依据", max_length=300, blank=True)
    passed = models.BooleanField("合格", null=True, blank=True)
    policy_version = models.CharField("政策版本", max_length=32, blank=True)
    # Why a passed attempt's hours were not entered (no chain in the policy, a duplicate).
    credit_note = models.CharField("学时登记说明", max_length=300, blank=True)

    class Meta:
        verbose_name = "考试记录"
        verbose_name_plural = "考试记录"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exam", "professional", "number"], name="attempt_number_once"
            ),
            models.UniqueConstraint(
                fields=["exam", "professional"],
                condition=Q(status="in_progress"),
                name="attempt_one_open",
            ),
            models.CheckConstraint(
                name="attempt_deadline_after_start",
                condition=Q(deadline_at__gt=models.F("started_at")),
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline_at"], name="attempt_open_deadline_idx")]

    def __str__(self) -> str:
        return f"{self.professional} · {self.exam} 第{self.number}次"

    @property
    def is_open(self) -> bool:
        return self.status == AttemptStatus.IN_PROGRESS


class Credit(models.Model):
    """学时登记: the hours a passed exam entered for the learner. One per exam and learner
    (a database constraint): two submissions racing cannot credit the course twice."""

    exam = models.ForeignKey(Exam, verbose_name="考试", on_delete=models.PROTECT, related_name="+")
    professional = models.ForeignKey(
        "people.Professional", verbose_name="考生", on_delete=models.PROTECT, related_name="+"
    )
    attempt = models.OneToOneField(
        Attempt, verbose_name="考试记录", on_delete=models.PROTECT, related_name="credit"
    )
    record = models.OneToOneField(
        "records.HourRecord", verbose_name="学时记录", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "考试合格登记学时"
        verbose_name_plural = "考试合格登记学时"
        constraints = [
            models.UniqueConstraint(fields=["exam", "professional"], name="credit_once_per_exam"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt} → {self.record_id}"


class Transcript(models.Model):
    """成绩单: the printable proof of a passed attempt, with a number and a verification
    code that the QR's signed token carries (the certificates' signing, reused)."""

    attempt = models.OneToOneField(
        Attempt, verbose_name="考试记录", on_delete=models.PROTECT, related_name="transcript"
    )
    number = models.CharField("成绩单编号", max_length=40, unique=True)
    verification_code = models.CharField("核验码", max_length=16)
    token = models.CharField("二维码签名", max_length=200)
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "成绩单"
        verbose_name_plural = "成绩单"
        ordering = ["-issued_at", "-id"]

    def __str__(self) -> str:
        return self.number
