"""Courses, lessons and the study time the server measured (issue 11).

A course is published by a bureau (held in a region) or by a filed provider, for one year,
one category (公需科目 by default) and a region and everything below it. Which courses count
where is policy data (``policy/.../learning.yaml``); ``clause`` names the clause a course was
published under.

Study time is the server's: a ``StudySession`` is one lesson playing on one account (at most
one open per account, a database constraint); the server hands out one ``HeartbeatToken`` at
a time, signed and single-use; each ``Heartbeat`` row is the trail of one token spent, with
the seconds it credited and why. ``LessonProgress`` sums them; its ``completed_at`` is set
by the server only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from xueshi.choices import choices_of
from xueshi.records.models import FlagStatus
from xueshi.rules.terms import Category


class Course(models.Model):
    """网络课程: a course of lessons for one year's learning, counted in hours."""

    title = models.CharField("课程名称", max_length=200)
    category = models.CharField(
        "科目类别", max_length=16, choices=choices_of(Category), default=Category.PUBLIC.value
    )
    subject = models.ForeignKey(
        "catalogue.PublicSubject",
        verbose_name="公需科目",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    year = models.PositiveSmallIntegerField("所属年度")
    region = models.ForeignKey(
        "organisations.Region",
        verbose_name="适用地区",
        on_delete=models.PROTECT,
        related_name="courses",
        help_text="该地区及其下级地区的专业技术人员可学习",
    )
    hours = models.DecimalField("学时", max_digits=5, decimal_places=1)
    # The publisher: a bureau (the region its staff hold their role in) or a filed provider.
    publisher_region = models.ForeignKey(
        "organisations.Region",
        verbose_name="发布部门（人社部门）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="published_courses",
    )
    publisher_provider = models.ForeignKey(
        "organisations.Provider",
        verbose_name="发布机构（施教机构）",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="courses",
    )
    clause = models.CharField("政策依据", max_length=200, blank=True)
    description = models.TextField("课程简介", blank=True)
    published = models.BooleanField("已发布", default=False)
    published_at = models.DateTimeField("发布时间", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="创建人", on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "网络课程"
        verbose_name_plural = "网络课程"
        ordering = ["-year", "title", "id"]
        constraints = [
            models.CheckConstraint(
                name="course_one_publisher",
                condition=Q(publisher_region__isnull=False, publisher_provider__isnull=True)
                | Q(publisher_region__isnull=True, publisher_provider__isnull=False),
            ),
            models.CheckConstraint(name="course_hours_positive", condition=Q(hours__gt=0)),
        ]
        indexes = [models.Index(fields=["year", "published"], name="course_year_idx")]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class LessonKind(models.TextChoices):
    VIDEO = "video", "视频"
    DOCUMENT = "document", "文档"


class Lesson(models.Model):
    """课时: one video or document of a course, in its order. ``duration_seconds`` is the
    video's length, or the reading time a document is credited for at most."""

    course = models.ForeignKey(
        Course, verbose_name="课程", on_delete=models.CASCADE, related_name="lessons"
    )
    order = models.PositiveSmallIntegerField("序号")
    title = models.CharField("课时名称", max_length=200)
    kind = models.CharField("类型", max_length=16, choices=LessonKind.choices)
    file = models.FileField("文件", upload_to="lessons/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveBigIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    duration_seconds = models.PositiveIntegerField("时长（秒）")

    class Meta:
        verbose_name = "课时"
        verbose_name_plural = "课时"
        ordering = ["course_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["course", "order"], name="lesson_order_unique"),
            models.CheckConstraint(
                name="lesson_duration_positive", condition=Q(duration_seconds__gt=0)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title}"


class LessonProgress(models.Model):
    """学习进度 of one account in one lesson: what the server credited, the furthest point
    reached at normal speed, and whether (and when) the server judged it complete."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="学员",
        on_delete=models.PROTECT,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name="课时", on_delete=models.PROTECT, related_name="progress"
    )
    credited_seconds = models.FloatField("认定学习时长（秒）", default=0)
    furthest_seconds = models.FloatField("已学到（秒）", default=0)
    # The furthest byte of the lesson's file the server has sent this account (a lesson
    # whose file was never fetched earns nothing, whatever its heartbeats say).
    fetched_bytes = models.PositiveBigIntegerField("已下载（字节）", default=0)
    completed_at = models.DateTimeField("完成时间", null=True, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "学习进度"
        verbose_name_plural = "学习进度"
        ordering = ["user_id", "lesson_id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="lesson_progress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id}"


class StudySession(models.Model):
    """One lesson playing on one account, from its start to its end. At most one is open
    per account: starting another lesson (or the same one in a second tab) ends it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="学员",
        on_delete=models.PROTECT,
        related_name="study_sessions",
    )
    lesson = models.ForeignKey(
        Lesson, verbose_name="课时", on_delete=models.PROTECT, related_name="sessions"
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=64, blank=True)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=300, blank=True)

    class Meta:
        verbose_name = "学习会话"
        verbose_name_plural = "学习会话"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="study_one_open_session"
            ),
        ]
        indexes = [models.Index(fields=["ip_address", "started_at"], name="study_ip_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id} · {self.started_at:%Y-%m-%d %H:%M}"


class HeartbeatToken(models.Model):
    """A heartbeat token the server issued: its id is signed into the string the browser
    holds, and it is spent once (``used_at``). Only the newest of a session is valid."""

    session = models.ForeignKey(
        StudySession, verbose_name="学习会话", on_delete=models.CASCADE, related_name="tokens"
    )
    seq = models.PositiveIntegerField("序号")
    nonce = models.CharField("随机数", max_length=32, unique=True)
    issued_at = models.DateTimeField("签发时间")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)

    class Meta:
        verbose_name = "心跳令牌"
        verbose_name_plural = "心跳令牌"
        ordering = ["session_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="heartbeat_token_seq"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class Heartbeat(models.Model):
    """心跳记录: one heartbeat the server received, what the browser said, and what the
    server credited for it and why. The sum of ``credited_seconds`` over a lesson's
    heartbeats is the lesson's ``LessonProgress.credited_seconds``."""

    session = models.ForeignKey(
        StudySession, verbose_name="学习会话", on_delete=models.CASCADE, related_name="heartbeats"
    )
    token = models.OneToOneField(
        HeartbeatToken,
        verbose_name="令牌",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="heartbeat",
    )
    received_at = models.DateTimeField("接收时间")
    elapsed_seconds = models.FloatField("距上次心跳（秒）", default=0)
    position_seconds = models.FloatField("播放位置（秒）", default=0)
    playing = models.BooleanField("播放中", default=False)
    visible = models.BooleanField("页面可见", default=False)
    rate = models.FloatField("播放速度", default=1)
    credited_seconds = models.FloatField("认定时长（秒）", default=0)
    furthest_seconds = models.FloatField("已学到（秒）", default=0)
    reason = models.CharField("认定说明", max_length=64)
    ip_address = models.GenericIPAddressField("IP地址", null=True, blank=True)

    class Meta:
        verbose_name = "心跳记录"
        verbose_name_plural = "心跳记录"
        ordering = ["session_id", "received_at", "id"]

    def __str__(self) -> str:
        return f"{self.session_id} {self.received_at:%H:%M:%S} +{self.credited_seconds:.0f}s"


class StudyFlagKind(models.TextChoices):
    REGULAR_INTERVALS = "regular_intervals", "心跳间隔过于规律"
    SHARED_ADDRESS = "shared_address", "同一地址多个账户学习"
    NIGHT_STUDY = "night_study", "深夜持续学习"
    TOKEN_REPLAY = "token_replay", "令牌重放或伪造"


class StudyFlag(models.Model):
    """学习疑点 for the bureau: the study-time counterpart of ``records.IntegrityFlag``,
    raised by the server while it measures, cleared by a bureau reviewer with a comment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="学员",
        on_delete=models.PROTECT,
        related_name="study_flags",
    )
    session = models.ForeignKey(
        StudySession,
        verbose_name="学习会话",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="flags",
    )
    kind = models.CharField("疑点类型", max_length=24, choices=StudyFlagKind.choices)
    message = models.TextField("疑点说明")
    status = models.CharField(
        "状态", max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN
    )
    created_at = models.DateTimeField("发现时间")
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="核实人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cleared_at = models.DateTimeField("核实时间", null=True, blank=True)
    comment = models.TextField("核实意见", blank=True)

    class Meta:
        verbose_name = "学习疑点"
        verbose_name_plural = "学习疑点"
        ordering = ["-created_at", "-id"]
        constraints = [
            # One open flag of a kind per session (a second detection does not repeat it).
            models.UniqueConstraint(
                fields=["session", "kind"],
                condition=Q(status="open"),
                name="study_flag_open_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.user_id}"
