"""A background job as the person who started it sees it: what it does, how far it has got,
and its result or its error, in Chinese.

The task framework (django-tasks, its database backend) runs the work and keeps its own row
per task (``task_id``); this row is what the pages and ``xueshi job watch`` read.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q


class JobKind(models.TextChoices):
    CERTIFICATE_PRINT = "certificate_print", "证书批量打印"
    HOUR_BATCH_IMPORT = "hour_batch_import", "学时批量登记（Excel）"
    YEAR_END = "year_end", "年度继续教育完成情况评估"
    LEDGER_REBUILD = "ledger_rebuild", "达标台账重建"
    POLICY_PREVIEW = "policy_preview", "政策草稿影响预估"
    PROOF_BATCH = "proof_batch", "继续教育证明批量出具"
    EXPORT = "export", "数据导出"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


FINISHED = (JobStatus.DONE, JobStatus.FAILED)


class Job(models.Model):
    kind = models.CharField("任务类型", max_length=32, choices=JobKind.choices)
    title = models.CharField("任务", max_length=200)
    status = models.CharField(
        "状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="申请人",
        null=True,
        blank=True,  # started from the command line
        on_delete=models.PROTECT,
        related_name="+",
    )
    role = models.ForeignKey(
        "accounts.RoleAssignment",
        verbose_name="所用角色",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="地区",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField("年度", null=True, blank=True)
    # The row the job works on: a PrintJob (certificate print) or a ClassPlan (batch import).
    subject_id = models.PositiveBigIntegerField("对象编号", null=True, blank=True)
    params = models.JSONField("参数", default=dict, blank=True)
    input = models.FileField("上传文件", upload_to="jobs/%Y/%m/", blank=True)
    total = models.PositiveIntegerField("总数", default=0)
    done = models.PositiveIntegerField("已完成", default=0)
    message = models.CharField("进度说明", max_length=200, blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    result_url = models.CharField("结果页面", max_length=300, blank=True)
    error = models.TextField("错误", blank=True)
    task_id = models.CharField("任务编号", max_length=64, blank=True)
    task_backend = models.CharField("任务后端", max_length=32, blank=True)
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)
    # Written by a thread of the process running the job every XUESHI_JOB_HEARTBEAT_SECONDS
    # and with every progress report: a running job whose heartbeat is older than
    # XUESHI_JOB_STALE_SECONDS lost its process (jobs.recovery).
    heartbeat_at = models.DateTimeField("最近进展", null=True, blank=True)
    # Queued again once after its process died before its work committed (jobs.recovery).
    retried = models.BooleanField("已自动重试", default=False)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["requested_by", "-created_at"], name="job_requested_by_created"),
            models.Index(fields=["kind", "subject_id"], name="job_kind_subject"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total=0) | Q(done__lte=F("total")), name="job_done_within_total"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}：{self.title}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
