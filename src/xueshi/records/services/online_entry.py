"""The system enters the hours of a course whose online exam a learner passed (网络课程考试
合格登记): one record, entered and submitted along the chain the policy sets for that route
(``online_exam.review``: Guangdong 2018, the system registers them, final; Guangde 2020, the
bureau verifies the printed 成绩单 first; Kaifeng 2016, the bureau reviews the platform's
record). Like a provider's batch entry it runs the integrity checks, writes the two audit
events ("enter", "submit") and tells the ledger, in the caller's transaction. Exactly once
is the caller's (the exams app locks the attempt and holds a unique credit per exam)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from xueshi import standing
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord, LearningForm, RecordSource
from xueshi.records.services.integrity import (
    integrity_check,
    integrity_flags_write,
    learning_of,
)
from xueshi.rules import Category, Mode
from xueshi.rules.parameters import ReviewChain
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action, RecordState, State, next_state

SYSTEM_ROLE = ChainRole.SYSTEM.value


@dataclass(frozen=True, slots=True)
class OnlineEntry:
    """The course as its learners' records carry it: plain values, records reads no
    learning or exams object. ``start``: the day the learning began (its first lesson);
    ``day``: the day the exam was passed."""

    title: str
    category: Category
    hours: Decimal
    year: int
    start: dt.date
    day: dt.date
    publisher: str


def online_review_day(year: int, day: dt.date) -> dt.date:
    """The day the year's rules are read at: the exam's day inside the year, else the
    year's last day (a course of 2020 is judged by the 2020 notice)."""
    return day if day.year == year else dt.date(year, 12, 31)


def online_chain(professional: Professional, year: int, day: dt.date) -> tuple[ReviewChain, str]:
    """The policy's chain for the hours of a passed online exam and its citation; a
    ServiceError (in Chinese) where the policy sets none, or one the system may not enter."""
    resolved = current_policy().resolve(
        "online_exam.review",
        professional.region_id,
        online_review_day(year, day),
        person_of(professional),
    )
    if resolved is None or resolved.value is None:
        raise ServiceError(
            f"{professional.region}没有规定 {year} 年度网络课程考试合格后如何登记学时，"
            "考试成绩已保存，学时请按本地区规定申报。"
        )
    chain: ReviewChain = resolved.value
    if ChainRole.SYSTEM not in chain.entered_by:
        raise ServiceError("政策规定的网络课程学时登记人不是管理系统，不能自动登记。")
    return chain, resolved.reference.citation


def hour_record_enter_online(
    *, professional: Professional, entry: OnlineEntry, actor: User
) -> HourRecord:
    """Enter and submit the learner's record of the course, in the caller's transaction.
    ``actor``: the learner's account, whose passing exam entered it (the audit names it; the
    record is the system's, ``source`` 系统自动登记). Refused (ServiceError) where the policy
    sets no chain for the route, or where the learner already has this learning on record."""
    chain, citation = online_chain(professional, entry.year, entry.day)
    learning = learning_of(
        category=entry.category.value,
        content=entry.title,
        start=entry.start,
        end=entry.day,
        hours=entry.hours,
        mode=Mode.ONLINE.value,
        provider=entry.publisher,
    )
    findings = integrity_check(professional=professional, entry=learning, year=entry.year)
    after = next_state(
        State(RecordState.DRAFT, 0),
        Action.SUBMIT,
        ChainRole.SYSTEM,
        entered_by=chain.entered_by,
        steps=chain.steps,
    )
    policy_version = current_policy().version
    record = HourRecord.objects.create(
        professional=professional,
        category=entry.category.value,
        required=False,
        hours=entry.hours,
        mode=Mode.ONLINE.value,
        form=LearningForm.ONLINE_COURSE,
        content=entry.title[:200],
        provider_name=entry.publisher[:128],
        start_date=entry.start,
        end_date=entry.day,
        credited_year=entry.year,
        status=after.status.value,
        chain={
            "entered_by": [str(r) for r in chain.entered_by],
            "steps": [str(r) for r in chain.steps],
            "evidence_required": False,
            "reference": citation,
            "region": professional.region_id,
        },
        step=after.step,
        policy_version=policy_version,
        source=RecordSource.SYSTEM,
        declared_by=actor,
        declared_role=SYSTEM_ROLE,
    )
    audit_event_write(
        actor=actor,
        role=SYSTEM_ROLE,
        action="enter",
        target=record,
        to_status=RecordState.DRAFT.value,
        policy_version=policy_version,
        data={"source": "online_exam"},
    )
    audit_event_write(
        actor=actor,
        role=SYSTEM_ROLE,
        action=Action.SUBMIT.value,
        target=record,
        from_status=RecordState.DRAFT.value,
        to_status=record.status,
        policy_version=policy_version,
        data={"step": record.step},
    )
    if findings:
        integrity_flags_write(record=record, findings=findings, actor=actor, role=SYSTEM_ROLE)
    standing.record_changed(record=record)
    return record
