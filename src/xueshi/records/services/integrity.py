"""Integrity checks at entry (学时真实性校验), the one home every entry service calls: a
declaration, its correction, a provider's batch (Excel, the API, online exams go through
``hour_batch_enter`` and ``hour_record_enter_for_class_bulk``). The rules core decides
(``xueshi.rules.integrity``); here the person's records are read, an exact duplicate is
refused naming the record already there, and the other findings become ``IntegrityFlag``
rows the reviewers see. Clearing a flag is a reviewer's service, with a comment, audited.

Two entries of the same learning for one person at the same moment must not both pass: the
single-record checks lock the person's row first (``select_for_update``), so a second
declaration waits for the first to commit and then sees it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write, audit_events_write_many
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.models import Evidence, FlagStatus, HourRecord, IntegrityFlag
from xueshi.records.scope import records_visible
from xueshi.rules import Mode
from xueshi.rules.integrity import (
    DailyCap,
    Finding,
    FlagKind,
    Learning,
    check_entry,
    evidence_reused,
)
from xueshi.rules.workflow import RecordState

# Rows per IN (…) query.
CHUNK = 10_000

# Records that count or may still count: a rejected record is no longer a duplicate of
# anything (the person may declare the learning again, correctly).
LIVE = (RecordState.DRAFT, RecordState.IN_REVIEW, RecordState.RETURNED, RecordState.APPROVED)

REVIEWER_ROLES = (
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_REVIEWER,
    Role.AUTHORITY_REVIEWER,
    Role.BUREAU_STAFF,
)


def daily_cap(region: str, day: dt.date) -> DailyCap:
    """The most a day may count: the policy's ``integrity.hours_per_day`` with its clause,
    else the system's own check (rules.integrity)."""
    resolved = current_policy().resolve("integrity.hours_per_day", region, day)
    if resolved is None or resolved.value is None:
        return DailyCap()
    return DailyCap(Decimal(resolved.value), str(resolved.reference))


_FIELDS = (
    "id",
    "professional",
    "category",
    "content",
    "start_date",
    "end_date",
    "hours",
    "mode",
    "provider_name",
    "class_plan",
    "credited_year",
    "status",
)


def _learning(row: tuple[Any, ...]) -> Learning:
    pk, _, category, content, start, end, hours, mode, provider, class_id, year, status = row
    return Learning(
        key=pk,
        category=category,
        content=content,
        start=start,
        end=end,
        hours=hours,
        face_to_face=mode == Mode.FACE_TO_FACE.value,
        provider=provider,
        class_id=class_id,
        label=(
            f"#{pk}“{content}”（{start}—{end}，{hours.normalize():f} 学时，"
            f"{year} 年度，{RecordState(status).label}）"
        ),
    )


def learning_of(
    *,
    category: str,
    content: str,
    start: dt.date,
    end: dt.date,
    hours: Decimal,
    mode: str,
    provider: str = "",
    class_id: int | None = None,
    key: int | None = None,
) -> Learning:
    return Learning(
        key=key,
        category=category,
        content=content,
        start=start,
        end=end,
        hours=hours,
        face_to_face=mode == Mode.FACE_TO_FACE.value,
        provider=provider,
        class_id=class_id,
    )


def _column(name: str) -> str:
    field = HourRecord._meta.get_field(name)
    assert isinstance(field, models.Field)
    return connection.ops.quote_name(field.column)


def _neighbours(professional_ids: Sequence[int], entry: Learning) -> dict[int, list[Learning]]:
    """The live records of these people that overlap the entry's dates or come from its
    class, by person: one query per chunk through the person-year index, on a plain cursor
    (for a batch of 100,000 learners the ORM's building of the IN lists and its row
    handling cost more than the query, bench/batch_xlsx.py)."""
    meta = HourRecord._meta
    columns = ", ".join(_column(name) for name in _FIELDS)
    near = f"({_column('start_date')} <= %s AND {_column('end_date')} >= %s"
    near_params: list[Any] = [entry.end, entry.start]
    if entry.class_id is not None:
        near += f" OR {_column('class_plan')} = %s"
        near_params.append(entry.class_id)
    near += ")"
    live = ", ".join(["%s"] * len(LIVE))
    found: dict[int, list[Learning]] = defaultdict(list)
    ids = sorted(set(professional_ids))
    date_field, hours_field = meta.get_field("start_date"), meta.get_field("hours")
    with connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            cursor.execute(
                f"SELECT {columns} FROM {connection.ops.quote_name(meta.db_table)} "  # nosec B608
                f"WHERE {_column('professional')} IN ({', '.join(['%s'] * len(chunk))}) "
                f"AND {near} AND {_column('status')} IN ({live})",
                [*chunk, *near_params, *(s.value for s in LIVE)],
            )
            for row in cursor.fetchall():
                values = list(row)
                for i in (4, 5):  # SQLite returns dates as text
                    values[i] = date_field.to_python(values[i])
                values[6] = hours_field.to_python(values[6])
                found[values[1]].append(_learning(tuple(values)))
    return found


def integrity_check(
    *,
    professional: Professional,
    entry: Learning,
    evidence_hashes: Iterable[str] = (),
    year: int,
) -> list[Finding]:
    """The findings of one entry for one person, in the caller's transaction. Locks the
    person's row first (see the module's docstring). An exact duplicate raises
    ``ServiceError`` naming the record already there; the rest is returned, to be written
    with ``integrity_flags_write`` once the record exists."""
    Professional.objects.select_for_update().filter(pk=professional.pk).values("pk").first()
    others = _neighbours([professional.pk], entry).get(professional.pk, [])
    findings = check_entry(entry, others, daily_cap(professional.region_id, entry.end))
    refused = [f for f in findings if f.refuse]
    if refused:
        raise ServiceError(refused[0].message, field="content")
    hashes = sorted(set(evidence_hashes))
    if hashes:
        uses = (
            Evidence.objects.filter(sha256__in=hashes, record__status__in=LIVE)
            .exclude(record_id=entry.key)
            .values_list(
                "record_id",
                "record__professional_id",
                "record__credited_year",
                "record__content",
            )
            .distinct()
        )
        findings += evidence_reused(
            person=professional.pk,
            year=year,
            uses=[(pk, person, yr, f"#{pk}“{content}”") for pk, person, yr, content in uses],
        )
    return findings


def integrity_flags_write(
    *, record: HourRecord, findings: Sequence[Finding], actor: User, role: str
) -> list[IntegrityFlag]:
    """The findings of a record saved just now, as its open flags (those raised before for
    it, when it was corrected, are replaced), with one audit event if there are any."""
    IntegrityFlag.objects.filter(record=record, status=FlagStatus.OPEN).delete()
    flags = IntegrityFlag.objects.bulk_create(
        IntegrityFlag(record=record, kind=f.kind.value, message=f.message, other_record_id=f.other)
        for f in findings
        if not f.refuse
    )
    if flags:
        audit_event_write(
            actor=actor,
            role=role,
            action="integrity_flag",
            target=record,
            to_status=record.status,
            policy_version=record.policy_version,
            data={"flags": [{"kind": f.kind, "message": f.message} for f in flags]},
        )
    return flags


def integrity_screen_class(
    *, entry: Learning, professional_ids: Sequence[int], region_of: dict[int, str]
) -> tuple[dict[int, str], dict[int, list[Finding]]]:
    """A class's entry for many learners at once (a provider's batch): the exact duplicates
    (learner → why the entry is refused) and the other findings (learner → flags). Records
    of this class already entered are the batch's own idempotence, not duplicates: the
    caller leaves those learners out."""
    neighbours = _neighbours(professional_ids, entry)
    refused: dict[int, str] = {}
    flagged: dict[int, list[Finding]] = {}
    # Alone (no record near), what an entry's findings are depends on the region's daily
    # cap only: judged once per region, not once per learner.
    alone: dict[str, list[Finding]] = {}
    caps: dict[str, DailyCap] = {}
    for pk in professional_ids:
        region = region_of.get(pk, "")
        if region not in caps:
            caps[region] = daily_cap(region, entry.end)
            alone[region] = check_entry(entry, [], caps[region])
        # A record of this class the learner declared (picking the filed class) is the same
        # learning: an exact duplicate. The batch's own records are left out by the caller.
        others = neighbours.get(pk)
        findings = check_entry(entry, others, caps[region]) if others else alone[region]
        if findings and findings[0].refuse:
            refused[pk] = findings[0].message
        elif findings:
            flagged[pk] = findings
    return refused, flagged


def integrity_flags_write_many(
    *,
    flagged: dict[int, Sequence[Finding]],
    actor: User,
    role: str,
    policy_version: str,
) -> int:
    """``integrity_flags_write`` for records just created in bulk: ``flagged`` maps a
    record's id to its findings. One audit event per flagged record."""
    flags = [
        IntegrityFlag(
            record_id=record_id, kind=f.kind.value, message=f.message, other_record_id=f.other
        )
        for record_id, findings in flagged.items()
        for f in findings
        if not f.refuse
    ]
    IntegrityFlag.objects.bulk_create(flags, batch_size=1000)
    if flagged:
        audit_events_write_many(
            actor=actor,
            role=role,
            action="integrity_flag",
            target_type=HourRecord,
            target_ids=sorted(flagged),
            policy_version=policy_version,
        )
    return len(flags)


@transaction.atomic
def integrity_flag_clear(
    *, flag_id: int, actor: User, active: ActiveRole, comment: str
) -> IntegrityFlag:
    """核实排除: a reviewer whose scope holds the record clears one of its flags, saying why
    (the comment is required, the flag keeps it; audited)."""
    if active.role not in REVIEWER_ROLES:
        raise ServiceError("只有审核人员可以核实疑点。")
    comment = comment.strip()
    if not comment:
        raise ServiceError("请填写核实意见。", field="comment")
    flag = (
        IntegrityFlag.objects.select_for_update(of=("self",))
        .filter(pk=flag_id, record__in=records_visible(active).values("pk"))
        .first()
    )
    if flag is None:
        raise ServiceError("疑点不存在，或不在您的管辖范围内。")
    if flag.kind == FlagKind.EXACT_DUPLICATE.value:
        raise ServiceError("重复记录不能核实排除，请对该记录不予认定。")
    if flag.status != FlagStatus.OPEN:
        raise ServiceError("该疑点已核实处理。")
    flag.status = FlagStatus.CLEARED
    flag.cleared_by = actor
    flag.cleared_role = active.role
    flag.cleared_at = timezone.now()
    flag.comment = comment[:500]
    flag.save(update_fields=["status", "cleared_by", "cleared_role", "cleared_at", "comment"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="integrity_flag_clear",
        target=flag,
        from_status=FlagStatus.OPEN.value,
        to_status=FlagStatus.CLEARED.value,
        comment=flag.comment,
        data={"record": flag.record_id, "kind": flag.kind},
    )
    return flag


def open_flags_message(record: HourRecord) -> str | None:
    """Why the record may not be approved yet: its open flags, or None."""
    kinds = list(
        IntegrityFlag.objects.filter(record=record, status=FlagStatus.OPEN)
        .order_by("id")
        .values_list("kind", flat=True)
    )
    if not kinds:
        return None
    names = "、".join(dict.fromkeys(FlagKind(k).label for k in kinds))
    return f"该记录有 {len(kinds)} 个待核实的疑点（{names}），请先核实处理再审核通过。"
