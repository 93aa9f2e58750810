"""Declaring hours and moving them along the policy's review chain."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    hours,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance.bridge import person_year_verdict
from xueshi.errors import ServiceError
from xueshi.records.services import hour_record_declare, hour_record_transition
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SHANTOU_2014 = dt.date(2014, 9, 1)


@pytest.fixture
def shantou():
    regions()
    employer = EmployerFactory(region_id="440500")
    person = employ(ProfessionalFactory(), employer)
    me = grant(person.user, Role.PROFESSIONAL)
    boss = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer)
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="440500")
    return person, me, boss, bureau


def _declare(person, me, **extra):
    data = {
        "actor": person.user,
        "active": me,
        "professional": person,
        "category": "professional",
        "content": "新技术培训",
        "hours": hours(42),
        "start_date": dt.date(2014, 6, 2),
        "end_date": dt.date(2014, 6, 8),
        "evidence": [SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")],
        "today": SHANTOU_2014,
    }
    data.update(extra)
    return hour_record_declare(**data)


def test_shantou_2014_professional_goes_employer_then_bureau(shantou) -> None:
    """S10: professional hours: first review by the employer, re-review by the bureau."""
    person, me, boss, bureau = shantou
    record = _declare(person, me)
    assert record.status == RecordState.IN_REVIEW
    assert record.chain["steps"] == ["employer", "bureau"]

    with pytest.raises(ServiceError, match="用人单位"):
        hour_record_transition(
            record_id=record.pk, actor=bureau.assignment.user, active=bureau, action="approve"
        )
    record = hour_record_transition(
        record_id=record.pk, actor=boss.assignment.user, active=boss, action="approve"
    )
    assert (record.status, record.step) == (RecordState.IN_REVIEW, 1)
    record = hour_record_transition(
        record_id=record.pk, actor=bureau.assignment.user, active=bureau, action="approve"
    )
    assert record.status == RecordState.APPROVED
    actions = list(
        AuditEvent.objects.filter(target_id=str(record.pk))
        .order_by("id")
        .values_list("action", "to_status")
    )
    assert actions == [
        ("declare", "draft"),
        ("submit", "in_review"),
        ("approve", "in_review"),
        ("approve", "approved"),
    ]

    verdict, _ = person_year_verdict(person, 2014)
    assert verdict.counted["professional"] == 42


def _declare_national(person, me, start: dt.date, end: dt.date):
    """A declaration without evidence the national rules review: the employer's record
    (第十四条), one step."""
    record = _declare(
        person, me, start_date=start, end_date=end, evidence=[], today=end + dt.timedelta(3)
    )
    assert record.chain["steps"] == ["employer"]
    assert "第十四条" in record.chain["reference"]
    return record


def test_shantou_2016_professional_is_recorded_by_the_employer_alone(shantou) -> None:
    """ADR 0014: the 2014 notice's chain (employer, then the bureau) is of 2014; a 2016
    declaration follows the national record by the employer (第十四条), which the record's
    snapshot cites, and needs no evidence (the upload rule was the 2014 notice's too)."""
    person, me, boss, bureau = shantou
    record = _declare_national(person, me, dt.date(2016, 6, 2), dt.date(2016, 6, 8))
    assert "2014年" not in record.chain["reference"]
    with pytest.raises(ServiceError, match="用人单位"):
        hour_record_transition(
            record_id=record.pk, actor=bureau.assignment.user, active=bureau, action="approve"
        )
    record = hour_record_transition(
        record_id=record.pk, actor=boss.assignment.user, active=boss, action="approve"
    )
    assert record.status == RecordState.APPROVED


def test_shantou_learning_before_the_national_rules_is_reviewed_as_at_the_years_close(
    shantou,
) -> None:
    """2015-01-01 … 2015-09-30 no chain is in force in Shantou (the 2014 notice has ended,
    人社部令第25号 starts 2015-10-01): the chain of 2015-12-31 applies (ADR 0014 §3)."""
    person, me, _, _ = shantou
    _declare_national(person, me, dt.date(2015, 5, 11), dt.date(2015, 5, 17))


def test_missing_evidence_is_refused_and_nothing_is_saved(shantou) -> None:
    """S9: professional hours without a stamped proof are not recognised."""
    person, me, _, _ = shantou
    with pytest.raises(ServiceError, match="须上传证明材料"):
        _declare(person, me, evidence=[])
    assert not person.hour_records.exists()


def test_a_file_that_is_not_a_pdf_or_image_is_refused(shantou) -> None:
    person, me, _, _ = shantou
    fake = SimpleUploadedFile("证明.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(ServiceError, match="不是可接受的证明材料格式"):
        _declare(person, me, evidence=[fake])
    assert not person.hour_records.exists()


def test_public_hours_cannot_be_declared_by_the_person(shantou) -> None:
    """S9: public hours are batch-entered by providers; individuals do not declare them."""
    person, me, _, _ = shantou
    with pytest.raises(ServiceError, match="施教机构"):
        _declare(person, me, category="public")


def test_return_needs_a_reason_and_resubmission_restarts_the_chain(shantou) -> None:
    person, me, boss, _ = shantou
    record = _declare(person, me)
    with pytest.raises(ServiceError, match="理由"):
        hour_record_transition(
            record_id=record.pk, actor=boss.assignment.user, active=boss, action="return"
        )
    record = hour_record_transition(
        record_id=record.pk,
        actor=boss.assignment.user,
        active=boss,
        action="return",
        comment="证明未盖章",
    )
    assert record.status == RecordState.RETURNED
    assert record.last_comment == "证明未盖章"
    record = hour_record_transition(
        record_id=record.pk, actor=person.user, active=me, action="resubmit"
    )
    assert (record.status, record.step) == (RecordState.IN_REVIEW, 0)


def test_an_employer_cannot_review_another_employers_staff(shantou) -> None:
    person, me, _, _ = shantou
    other = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=EmployerFactory())
    record = _declare(person, me)
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        hour_record_transition(
            record_id=record.pk, actor=other.assignment.user, active=other, action="approve"
        )


def test_the_declarer_never_reviews_the_record_another_reviewer_does(shantou) -> None:
    """Issue 14 item 12: an employer reviewer who declared a record for a staff member may
    not approve, return or reject it; it is not in their queue; another reviewer approves."""
    from xueshi.records.selectors import available_actions, review_queue

    person, _me, boss, _bureau = shantou
    record = _declare(person, boss, actor=boss.assignment.user)
    assert record.declared_by == boss.assignment.user
    for action in ("approve", "return", "reject"):
        with pytest.raises(ServiceError, match="审核职责分离"):
            hour_record_transition(
                record_id=record.pk,
                actor=boss.assignment.user,
                active=boss,
                action=action,
                comment="理由",
            )
    record.refresh_from_db()
    assert record.status == RecordState.IN_REVIEW
    assert not review_queue(boss).filter(pk=record.pk).exists()
    assert available_actions(boss, record) == []

    colleague = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=person.employer)
    assert review_queue(colleague).filter(pk=record.pk).exists()
    hour_record_transition(
        record_id=record.pk, actor=colleague.assignment.user, active=colleague, action="approve"
    )
    assert AuditEvent.objects.filter(
        action="approve", actor=colleague.assignment.user, target_id=str(record.pk)
    ).exists()


def test_a_reviewer_never_reviews_their_own_record(shantou) -> None:
    person, me, _boss, _bureau = shantou
    own = grant(person.user, Role.EMPLOYER_REVIEWER, employer=person.employer)
    record = _declare(person, me)
    with pytest.raises(ServiceError, match="审核职责分离"):
        hour_record_transition(record_id=record.pk, actor=person.user, active=own, action="approve")
