"""Writes of courses: a bureau or a filed provider creates a course, uploads its lessons and
publishes it. Which courses may be published (and so count) is the policy's
``online.courses`` for the course's region and year; the clause is kept on the course.
Each write is one transaction with an audit event."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.catalogue.models import PublicSubject
from xueshi.errors import ServiceError
from xueshi.learning.models import Course, Lesson, LessonKind
from xueshi.learning.selectors import counts_under, online_rule, publisher_kind
from xueshi.organisations.models import ProviderFilingStatus
from xueshi.rules.terms import Category

FIRST_YEAR = 2000
MAX_HOURS = Decimal("999.9")
# The first bytes of the files a lesson may be: WebM/Matroska, MP4 (``ftyp`` at 4), PDF.
VIDEO_TYPES = {"video/webm": b"\x1a\x45\xdf\xa3", "video/mp4": b"ftyp"}
PDF_MAGIC = b"%PDF-"


def _text(value: str, field: str, label: str, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise ServiceError(f"{label}不能超过 {max_length} 个字符。", field=field)
    return value


def _hours(value: Decimal | str) -> Decimal:
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError("学时应为数字。", field="hours") from None
    if not hours.is_finite() or hours <= 0 or hours > MAX_HOURS:
        raise ServiceError(f"学时应大于 0 且不超过 {MAX_HOURS}。", field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise ServiceError("学时最多保留一位小数。", field="hours")
    return hours


def _publisher(active: ActiveRole) -> dict[str, object]:
    a = active.assignment
    if active.role == Role.BUREAU_STAFF and a.region is not None:
        return {"publisher_region": a.region, "region": a.region}
    if active.role == Role.PROVIDER_STAFF and a.provider is not None:
        if a.provider.filing_status != ProviderFilingStatus.FILED:
            raise ServiceError("施教机构未备案或已暂停，不能发布网络课程。")
        return {"publisher_provider": a.provider, "region": a.provider.region}
    raise ServiceError("只有人社部门或已备案的施教机构可以发布网络课程。")


def _allowed(course: Course) -> str:
    """The clause ``course`` counts under, or a refusal naming the region and year."""
    rule = online_rule(course.region_id, course.year)
    if not counts_under(course, rule):
        who = {"provider": "施教机构"}.get(publisher_kind(course), "本级人社部门")
        raise ServiceError(
            f"{course.region.name} {course.year} 年度的政策不认可由{who}发布的"
            f"{Category(course.category).label}网络课程，不能发布。"
        )
    assert rule is not None
    return rule.reference.citation


@transaction.atomic
def course_create(
    *,
    actor: User,
    active: ActiveRole,
    title: str,
    year: int,
    hours: Decimal | str,
    subject: PublicSubject | None = None,
    description: str = "",
    today: dt.date | None = None,
) -> Course:
    """A draft course of the publisher's region (lessons are added before it is published)."""
    today = today or clock.today()
    if not isinstance(year, int) or not FIRST_YEAR <= year <= today.year + 1:
        raise ServiceError(f"年度应在 {FIRST_YEAR} 至 {today.year + 1} 之间。", field="year")
    course = Course(
        title=_text(title, "title", "课程名称"),
        year=year,
        hours=_hours(hours),
        category=Category.PUBLIC.value,
        subject=subject,
        description=(description or "").strip()[:2000],
        created_by=actor,
        **_publisher(active),
    )
    if subject is not None and subject.for_year != year:
        raise ServiceError("所选公需科目的年度与课程年度不一致。", field="subject")
    _allowed(course)
    course.save()
    audit_event_write(
        actor=actor, role=active.role, action="learning.course_create", target=course,
        data={"year": year, "region": course.region_id, "hours": str(course.hours)},
    )  # fmt: skip
    return course


def _sniff(upload: UploadedFile, kind: str) -> tuple[str, str, int]:
    """The file's type by its first bytes, its SHA-256 and size; refused if it is not the
    kind the publisher said."""
    size = upload.size or 0
    if size <= 0:
        raise ServiceError("文件为空。", field="file")
    if size > settings.XUESHI_LESSON_MAX_BYTES:
        limit = settings.XUESHI_LESSON_MAX_BYTES // (1024 * 1024)
        raise ServiceError(f"文件不能超过 {limit} MB。", field="file")
    upload.seek(0)
    head = upload.read(16)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    if kind == LessonKind.VIDEO:
        for content_type, magic in VIDEO_TYPES.items():
            if head.startswith(magic) or head[4:8] == magic:
                return content_type, digest.hexdigest(), size
        raise ServiceError("视频应为 WebM 或 MP4 文件。", field="file")
    if head.startswith(PDF_MAGIC):
        return "application/pdf", digest.hexdigest(), size
    raise ServiceError("文档应为 PDF 文件。", field="file")


@transaction.atomic
def lesson_add(
    *,
    actor: User,
    active: ActiveRole,
    course: Course,
    title: str,
    kind: str,
    duration_seconds: int,
    upload: UploadedFile,
) -> Lesson:
    """Upload one lesson to a draft course, after its last."""
    course = Course.objects.select_for_update().get(pk=course.pk)
    if course.published:
        raise ServiceError("课程已发布，不能再增加课时。")
    if kind not in LessonKind.values:
        raise ServiceError("请选择课时类型。", field="kind")
    if not isinstance(duration_seconds, int) or not 1 <= duration_seconds <= 24 * 3600:
        raise ServiceError("时长应在 1 秒至 24 小时之间。", field="duration_seconds")
    content_type, sha256, size = _sniff(upload, kind)
    last = course.lessons.order_by("-order").values_list("order", flat=True).first() or 0
    lesson = Lesson(
        course=course,
        order=last + 1,
        title=_text(title, "title", "课时名称"),
        kind=kind,
        original_name=(upload.name or "lesson")[:200],
        content_type=content_type,
        size=size,
        sha256=sha256,
        duration_seconds=duration_seconds,
    )
    lesson.file.save(upload.name or "lesson", upload, save=False)
    lesson.save()
    audit_event_write(
        actor=actor, role=active.role, action="learning.lesson_add", target=lesson,
        data={"course": course.pk, "sha256": sha256, "size": size, "seconds": duration_seconds},
    )  # fmt: skip
    return lesson


@transaction.atomic
def course_publish(*, actor: User, active: ActiveRole, course: Course) -> Course:
    """Publish a draft course: learners it counts for see it from now on."""
    course = Course.objects.select_for_update().select_related("region").get(pk=course.pk)
    if course.published:
        return course  # publishing twice changes nothing
    if not course.lessons.exists():
        raise ServiceError("课程还没有课时，请先上传视频或文档。")
    course.clause = _allowed(course)[:200]
    course.published = True
    course.published_at = timezone.now()
    course.save(update_fields=["clause", "published", "published_at"])
    audit_event_write(
        actor=actor, role=active.role, action="learning.course_publish", target=course,
        to_status="published", data={"clause": course.clause},
    )  # fmt: skip
    return course
