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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core import signing
from django.db import connection, models, transaction
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
_M = TypeVar("_M", bound=models.Model)
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


# The heartbeat's writes, as plain SQL built once from the models' own table and column
# names: a heartbeat is the busiest write of the site (10,000 learners at one per 30 s), and
# building each statement through the ORM cost more CPU than running it (docs/performance.md).
# Same rows, same values, same transaction; the reads that lock stay ORM queries.
def _table(model: type[models.Model], *fields: str) -> tuple[str, list[str]]:
    quote = connection.ops.quote_name
    columns = []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(quote(field.column))
    return quote(model._meta.db_table), columns


def _statements() -> dict[str, str]:
    token, (used, pk) = _table(HeartbeatToken, "used_at", "id")
    new_token, token_cols = _table(HeartbeatToken, "session", "seq", "nonce", "issued_at")
    beat_cols_names = (
        "session", "token", "received_at", "elapsed_seconds", "position_seconds", "playing",
        "visible", "rate", "credited_seconds", "furthest_seconds", "reason", "ip_address",
    )  # fmt: skip
    beat, beat_cols = _table(Heartbeat, *beat_cols_names)
    progress, (credited, furthest, updated, progress_pk) = _table(
        LessonProgress, "credited_seconds", "furthest_seconds", "updated_at", "id"
    )
    _, (beat_session, beat_received, beat_pk, beat_elapsed) = _table(
        Heartbeat, "session", "received_at", "id", "elapsed_seconds"
    )

    def marks(n: int) -> str:
        return ", ".join(["%s"] * n)

    return {
        "spend": f"UPDATE {token} SET {used} = %s WHERE {pk} = %s",  # nosec B608
        "issue": f"INSERT INTO {new_token} ({', '.join(token_cols)}) VALUES ({marks(4)})",  # nosec B608
        "trail": f"INSERT INTO {beat} ({', '.join(beat_cols)}) VALUES ({marks(len(beat_cols))})",  # nosec B608
        "progress": f"UPDATE {progress} SET {credited} = %s, {furthest} = %s, {updated} = %s "  # nosec B608
        f"WHERE {progress_pk} = %s",
        "recent": f"SELECT {beat_elapsed} FROM {beat} WHERE {beat_session} = %s "  # nosec B608
        f"ORDER BY {beat_received} DESC, {beat_pk} DESC LIMIT %s",
    }


# What a heartbeat reads, model by model, in the models' field order (``Model.from_db``).
_TOKEN = ("id", "session", "seq", "nonce", "issued_at", "used_at")
_SESSION = ("id", "user", "lesson", "started_at", "ended_at", "end_reason")
_LESSON = ("id", "course", "order", "kind", "size", "duration_seconds")
_PROGRESS = (
    "id", "user", "lesson", "credited_seconds", "furthest_seconds", "fetched_bytes",
    "completed_at", "updated_at",
)  # fmt: skip


def _reads() -> dict[str, str]:
    token, token_cols = _table(HeartbeatToken, *_TOKEN)
    session, session_cols = _table(StudySession, *_SESSION)
    lesson, lesson_cols = _table(Lesson, *_LESSON)
    progress, progress_cols = _table(LessonProgress, *_PROGRESS)
    _, (t_nonce, t_session, t_seq) = _table(HeartbeatToken, "nonce", "session", "seq")
    _, (p_user, p_lesson) = _table(LessonProgress, "user", "lesson")
    picked = ", ".join(
        [f"t.{c}" for c in token_cols]
        + [f"s.{c}" for c in session_cols]
        + [f"l.{c}" for c in lesson_cols]
    )
    # The token and its session are locked (a start ending the session waits, and so does
    # a second heartbeat with the same token); the lesson is only read: locking it too
    # would queue every learner of the lesson behind each other on PostgreSQL.
    lock = " FOR UPDATE OF t, s" if connection.features.has_select_for_update_of else ""
    return {
        "token": f"SELECT {picked} FROM {token} t "  # nosec B608
        f"INNER JOIN {session} s ON s.{session_cols[0]} = t.{t_session} "
        f"INNER JOIN {lesson} l ON l.{lesson_cols[0]} = s.{session_cols[2]} "
        f"WHERE t.{t_nonce} = %s AND t.{t_session} = %s AND t.{t_seq} = %s{lock}",
        "progress_read": f"SELECT {', '.join(progress_cols)} FROM {progress} "  # nosec B608
        f"WHERE {p_user} = %s AND {p_lesson} = %s"
        + (" FOR UPDATE" if connection.features.has_select_for_update else ""),
    }


def _attnames(model: type[models.Model], fields: tuple[str, ...]) -> list[str]:
    names = []
    for name in fields:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        names.append(field.attname)
    return names


def _aware(value: Any) -> Any:
    """A moment as the ORM would give it: aware (SQLite hands plain cursors naive UTC)."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def _row(model: type[_M], fields: tuple[str, ...], values: Sequence[Any]) -> _M:
    moments = {"issued_at", "used_at", "started_at", "ended_at", "completed_at", "updated_at"}
    values = [_aware(v) if f in moments else v for f, v in zip(fields, values, strict=True)]
    return model.from_db(connection.alias, _attnames(model, fields), values)


def _token_locked(nonce: str, session_id: int, seq: int) -> HeartbeatToken | None:
    """The token, its session (both locked) and the session's lesson, in one query."""
    with connection.cursor() as cursor:
        cursor.execute(_sql("token"), [nonce, session_id, seq])
        row = cursor.fetchone()
    if row is None:
        return None
    a, b = len(_TOKEN), len(_TOKEN) + len(_SESSION)
    token = _row(HeartbeatToken, _TOKEN, row[:a])
    session = _row(StudySession, _SESSION, row[a:b])
    session.lesson = _row(Lesson, _LESSON, row[b:])
    token.session = session
    return token


def _progress_locked(user_id: int, lesson_id: int) -> LessonProgress:
    with connection.cursor() as cursor:
        cursor.execute(_sql("progress_read"), [user_id, lesson_id])
        row = cursor.fetchone()
    if row is None:
        raise LessonProgress.DoesNotExist
    return _row(LessonProgress, _PROGRESS, row)


_SQL: dict[str, str] = {}


def _sql(name: str) -> str:
    if not _SQL:
        _SQL.update(_statements() | _reads())
    return _SQL[name]


def _moment(value: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(value)


def _issue_lean(session_id: int, seq: int, now: dt.datetime) -> str:
    """The next token of the session (the same row ``_issue`` makes), signed."""
    nonce = secrets.token_hex(16)
    with connection.cursor() as cursor:
        cursor.execute(_sql("issue"), [session_id, seq, nonce, _moment(now)])
    return signing.Signer(salt=_SALT).sign(f"{session_id}.{seq}.{nonce}")


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
    issued = _token_locked(nonce, session_id, seq)
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
    with connection.cursor() as cursor:
        cursor.execute(_sql("spend"), [_moment(now), issued.pk])

    lesson = session.lesson
    progress = _progress_locked(user.pk, lesson.pk)
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
    with connection.cursor() as cursor:
        cursor.execute(
            _sql("trail"),
            [
                session.pk, issued.pk, _moment(now), elapsed, _number(position), bool(playing),
                bool(visible), 1.0, result.seconds, result.frontier, result.reason.value,
                connection.ops.adapt_ipaddressfield_value(ip_address),
            ],
        )  # fmt: skip
    progress.credited_seconds += result.seconds
    progress.furthest_seconds = result.frontier
    if result.complete and progress.completed_at is None:
        progress.completed_at = now
        progress.save(
            update_fields=["credited_seconds", "furthest_seconds", "updated_at", "completed_at"]
        )
        audit_event_write(
            actor=user, role=ROLE, action="learning.lesson_complete", target=progress,
            data={"lesson": lesson.pk, "credited_seconds": round(progress.credited_seconds, 1)},
        )  # fmt: skip
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                _sql("progress"),
                [progress.credited_seconds, progress.furthest_seconds, _moment(now), progress.pk],
            )
    _watch(user, session, now, beats=issued.seq)
    return BeatAnswer(
        ok=True,
        message=result.reason.label,
        token=_issue_lean(session.pk, issued.seq + 1, now),
        credited_seconds=result.seconds,
        total_seconds=progress.credited_seconds,
        furthest_seconds=progress.furthest_seconds,
        complete=progress.completed_at is not None,
    )


def _watch(user: User, session: StudySession, now: dt.datetime, *, beats: int) -> None:
    """Flags a bureau should see: machine-regular heartbeats, long study in the night.
    ``beats``: how many heartbeats the session has now (its token's sequence number: every
    spent token left one row); fewer than the regular-interval count cannot be regular."""
    count = settings.XUESHI_STUDY_REGULAR_COUNT
    recent: list[float] = []
    if beats >= count:
        with connection.cursor() as cursor:
            cursor.execute(_sql("recent"), [session.pk, count])
            recent = [float(row[0]) for row in cursor.fetchall()]
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
