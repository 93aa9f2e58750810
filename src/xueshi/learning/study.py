"""Study time measured on the server (issue 11, deliverable 2).

A learner opens a lesson: ``study_start`` ends any other lesson playing on the account (one
lesson at a time; a second tab is another start) and hands out the first heartbeat token.
Each heartbeat spends the token it carries (signed, single-use, only the newest of an open
session is good), and gets the next one. What a heartbeat earns is ``rules.study.credit``:
never more than the real time since its token was issued, never past the furthest point
played through at normal speed, nothing for a paused, hidden or never-fetched lesson.
Completion is decided here, never taken from the browser. Each heartbeat leaves a row (the
trail); starts, completions and flags are audited.

Elapsed time is the machine's real time (``timezone.now``; tests travel with time-machine):
the demo's shifted date (``xueshi.clock``) keeps the time of day, and a lesson played across
midnight would otherwise run backwards.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.learning.models import (
    Heartbeat,
    HeartbeatToken,
    Lesson,
    LessonKind,
    LessonProgress,
    StudyFlag,
    StudyFlagKind,
    StudySession,
)
from xueshi.learning.selectors import may_study
from xueshi.records.models import FlagStatus
from xueshi.rules.study import Beat, CreditReason, credit, too_regular

_SALT = "xueshi.learning.heartbeat"
ROLE = "professional"


@dataclass(frozen=True)
class BeatAnswer:
    """What a heartbeat gets back: the next token, or why it was refused."""

    ok: bool
    message: str
    code: str = ""
    token: str = ""
    credited_seconds: float = 0.0
    total_seconds: float = 0.0
    furthest_seconds: float = 0.0
    complete: bool = False


def _sign(token: HeartbeatToken) -> str:
    return signing.Signer(salt=_SALT).sign(f"{token.session_id}.{token.seq}.{token.nonce}")


def _issue(session: StudySession, seq: int, now: dt.datetime) -> str:
    token = HeartbeatToken.objects.create(
        session=session, seq=seq, nonce=secrets.token_hex(16), issued_at=now
    )
    return _sign(token)


def _flag(
    user: User, session: StudySession | None, kind: StudyFlagKind, message: str, now: dt.datetime
) -> None:
    """Raise a flag once per session and kind (an open one is not repeated)."""
    if StudyFlag.objects.filter(session=session, kind=kind, status=FlagStatus.OPEN).exists():
        return
    flag = StudyFlag.objects.create(
        user=user, session=session, kind=kind, message=message, created_at=now
    )
    audit_event_write(
        actor=None,
        role="system",
        action="learning.flag_raise",
        target=flag,
        comment=message,
        data={"kind": kind.value, "user": user.pk},
    )


def _end_open_sessions(user: User, lesson: Lesson, now: dt.datetime) -> None:
    for open_session in StudySession.objects.select_for_update().filter(
        user=user, ended_at__isnull=True
    ):
        same = open_session.lesson_id == lesson.pk
        open_session.ended_at = now
        open_session.end_reason = "同一课时在另一窗口打开" if same else "开始学习另一课时"
        open_session.save(update_fields=["ended_at", "end_reason"])


@transaction.atomic
def study_start(
    *,
    user: User,
    lesson: Lesson,
    ip_address: str | None,
    user_agent: str = "",
    now: dt.datetime | None = None,
) -> tuple[StudySession, str]:
    """Open ``lesson`` for ``user``: the one lesson playing on the account from now on."""
    now = now or timezone.now()
    if not may_study(user, lesson):
        raise ServiceError("该课时不在您可学习的课程中。")
    _end_open_sessions(user, lesson, now)
    session = StudySession.objects.create(
        user=user,
        lesson=lesson,
        started_at=now,
        ip_address=ip_address,
        user_agent=user_agent[:300],
    )
    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    token = _issue(session, 1, now)
    audit_event_write(
        actor=user, role=ROLE, action="learning.study_start", target=session,
        data={"lesson": lesson.pk},
    )  # fmt: skip
    if ip_address:
        since = now - dt.timedelta(minutes=settings.XUESHI_STUDY_SHARED_ADDRESS_WINDOW_MINUTES)
        accounts = (
            StudySession.objects.filter(ip_address=ip_address, started_at__gte=since)
            .values("user_id")
            .distinct()
            .count()
        )
        if accounts >= settings.XUESHI_STUDY_SHARED_ADDRESS_ACCOUNTS:
            _flag(
                user,
                session,
                StudyFlagKind.SHARED_ADDRESS,
                f"{accounts} 个账户在 {settings.XUESHI_STUDY_SHARED_ADDRESS_WINDOW_MINUTES} 分钟内"
                f"从同一地址 {ip_address} 开始学习。",
                now,
            )
    return session, token


def _refused(code: str, message: str) -> BeatAnswer:
    return BeatAnswer(ok=False, code=code, message=message)


def _number(value: object) -> float:
    """A position as the browser sent it; anything not a finite number is 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return 0.0
    try:
        number = float(value)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


@transaction.atomic
def study_heartbeat(
    *,
    user: User,
    token: str,
    position: object,
    playing: bool,
    visible: bool,
    ip_address: str | None,
    now: dt.datetime | None = None,
) -> BeatAnswer:
    """Spend ``token``: credit what the real time since it was issued allows, and hand out
    the next one. A refused heartbeat changes nothing but a flag (a replayed token)."""
    now = now or timezone.now()
    try:
        raw = signing.Signer(salt=_SALT).unsign(token or "")
        session_text, seq_text, nonce = raw.split(".")
        session_id, seq = int(session_text), int(seq_text)
    except (signing.BadSignature, ValueError):
        return _refused("token_invalid", "学习令牌无效，请刷新页面后继续学习。")
    issued = (
        HeartbeatToken.objects.select_for_update()
        .select_related("session__lesson")
        .filter(nonce=nonce, session_id=session_id, seq=seq)
        .first()
    )
    if issued is None or issued.session.user_id != user.pk:
        return _refused("token_invalid", "学习令牌无效，请刷新页面后继续学习。")
    session = issued.session
    if issued.used_at is not None:
        _flag(
            user,
            session,
            StudyFlagKind.TOKEN_REPLAY,
            f"第 {issued.seq} 号学习令牌被重复提交（{issued.used_at:%H:%M:%S} 已使用）。",
            now,
        )
        return _refused("token_used", "该学习令牌已使用，本次不计时。请勿重复提交。")
    if session.ended_at is not None:
        return _refused(
            "session_ended",
            f"本窗口已停止计时：{session.end_reason or '学习已结束'}。"
            "每个账户同时只能学习一个课时。",
        )
    issued.used_at = now
    issued.save(update_fields=["used_at"])

    lesson = session.lesson
    progress = LessonProgress.objects.select_for_update().get(user=user, lesson=lesson)
    elapsed = max((now - issued.issued_at).total_seconds(), 0.0)
    fetched_share = min(progress.fetched_bytes / lesson.size, 1.0) if lesson.size else 0.0
    result = credit(
        Beat(
            elapsed=elapsed,
            position=_number(position),
            playing=bool(playing),
            visible=bool(visible),
            duration=float(lesson.duration_seconds),
            frontier=progress.furthest_seconds,
            fetched_to=fetched_share * lesson.duration_seconds,
            document=lesson.kind == LessonKind.DOCUMENT,
            max_gap=float(settings.XUESHI_STUDY_MAX_GAP_SECONDS),
        )
    )
    Heartbeat.objects.create(
        session=session,
        token=issued,
        received_at=now,
        elapsed_seconds=elapsed,
        position_seconds=_number(position),
        playing=bool(playing),
        visible=bool(visible),
        credited_seconds=result.seconds,
        furthest_seconds=result.frontier,
        reason=result.reason.value,
        ip_address=ip_address,
    )
    progress.credited_seconds += result.seconds
    progress.furthest_seconds = result.frontier
    fields = ["credited_seconds", "furthest_seconds", "updated_at"]
    if result.complete and progress.completed_at is None:
        progress.completed_at = now
        fields.append("completed_at")
        audit_event_write(
            actor=user, role=ROLE, action="learning.lesson_complete", target=progress,
            data={"lesson": lesson.pk, "credited_seconds": round(progress.credited_seconds, 1)},
        )  # fmt: skip
    progress.save(update_fields=fields)
    _watch(user, session, now)
    return BeatAnswer(
        ok=True,
        message=result.reason.label,
        token=_issue(session, issued.seq + 1, now),
        credited_seconds=result.seconds,
        total_seconds=progress.credited_seconds,
        furthest_seconds=progress.furthest_seconds,
        complete=progress.completed_at is not None,
    )


def _watch(user: User, session: StudySession, now: dt.datetime) -> None:
    """Flags a bureau should see: machine-regular heartbeats, long study in the night."""
    count = settings.XUESHI_STUDY_REGULAR_COUNT
    beats = session.heartbeats.order_by("-received_at", "-id")
    recent = list(beats.values_list("elapsed_seconds", flat=True)[:count])
    if too_regular(recent, count=count, spread=settings.XUESHI_STUDY_REGULAR_SPREAD_SECONDS):
        _flag(
            user,
            session,
            StudyFlagKind.REGULAR_INTERVALS,
            f"连续 {count} 次心跳间隔几乎完全相同（约 {recent[0]:.3f} 秒），疑似程序自动提交。",
            now,
        )
    start, end = settings.XUESHI_STUDY_NIGHT_HOURS
    local = timezone.localtime(now)
    if start <= local.hour < end:
        night_start = local.replace(hour=start, minute=0, second=0, microsecond=0)
        seconds = sum(
            session.heartbeats.filter(
                received_at__gte=night_start, reason=CreditReason.CREDITED.value
            ).values_list("credited_seconds", flat=True)
        )
        if seconds >= settings.XUESHI_STUDY_NIGHT_MINUTES * 60:
            _flag(
                user,
                session,
                StudyFlagKind.NIGHT_STUDY,
                f"{local:%Y-%m-%d} {start:02d}:00 后已连续学习 {seconds / 60:.0f} 分钟。",
                now,
            )


def media_fetched(*, user: User, lesson: Lesson, last_byte: int) -> None:
    """The server sent ``user`` the lesson's file up to ``last_byte`` (inclusive)."""
    LessonProgress.objects.get_or_create(user=user, lesson=lesson)
    LessonProgress.objects.filter(user=user, lesson=lesson, fetched_bytes__lt=last_byte + 1).update(
        fetched_bytes=last_byte + 1
    )
