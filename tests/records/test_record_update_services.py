"""Correcting a returned record, and the declaration checks the services make themselves
(so a service called from anywhere is as strict as the form)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.records.conftest import World, files_on_disk, pdf
from tests.support.factories import ProfessionalFactory, grant, hours
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.records.models import Evidence, HourRecord
from xueshi.records.services import (
    hour_record_declare,
    hour_record_transition,
    hour_record_update_returned,
)
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db


def _returned(world: World) -> HourRecord:
    record = world.declare()
    return hour_record_transition(
        record_id=record.pk,
        actor=world.boss.assignment.user,
        active=world.boss,
        action="return",
        comment="证明未盖章",
    )


def _correct(world: World, record: HourRecord, **extra: object) -> HourRecord:
    data: dict = {
        "record_id": record.pk,
        "actor": world.person.user,
        "active": world.me,
        "content": "新技术培训",
        "start_date": dt.date(2014, 6, 2),
        "end_date": dt.date(2014, 6, 8),
        "hours": hours(40),
        "today": dt.date(2014, 9, 1),
    }
    data.update(extra)
    return hour_record_update_returned(**data)


def test_only_a_returned_record_can_be_corrected(world: World) -> None:
    record = world.declare()
    with pytest.raises(ServiceError, match="只有“退回修改”的记录可以修改"):
        _correct(world, record)
    assert HourRecord.objects.get(pk=record.pk).hours == 42


def test_only_the_declarant_or_the_person_corrects(world: World) -> None:
    record = _returned(world)
    with pytest.raises(ServiceError, match="只有申报人或本人可以修改"):
        _correct(world, record, actor=world.admin.assignment.user, active=world.admin)
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        _correct(world, record, actor=world.other_boss.assignment.user, active=world.other_boss)


def test_a_correction_is_audited_and_resubmission_restarts_the_chain(world: World) -> None:
    record = _returned(world)
    record = _correct(world, record, evidence=[pdf("盖章.pdf", b"stamp")], resubmit=True)
    assert (record.status, record.step, record.hours) == (RecordState.IN_REVIEW, 0, 40)
    actions = list(
        AuditEvent.objects.filter(target_id=str(record.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[-2:] == ["update", "resubmit"]


def test_a_file_already_attached_is_refused_and_the_new_one_removed(world: World) -> None:
    """The second upload duplicates the proof already on the record: the first upload, already
    written, is deleted with the rollback and the record is unchanged."""
    record = _returned(world)
    before = files_on_disk()
    same_as_existing = pdf("再次上传.pdf", body=str(world.person.pk).encode())
    with pytest.raises(ServiceError, match="已上传过"):
        _correct(world, record, evidence=[pdf("新证明.pdf", b"new"), same_as_existing])
    assert files_on_disk() == before
    assert Evidence.objects.filter(record=record).count() == 1
    assert HourRecord.objects.get(pk=record.pk).hours == 42
    assert not AuditEvent.objects.filter(action="update").exists()


def test_a_bad_file_among_good_ones_writes_nothing(world: World) -> None:
    exe = SimpleUploadedFile("证明2.pdf", b"MZ\x90\x00" + b"\x00" * 40, "application/pdf")
    with pytest.raises(ServiceError, match="不是可接受的证明材料格式"):
        world.declare(evidence=[pdf("证明1.pdf"), exe])
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


def test_the_service_refuses_a_category_the_region_does_not_have(world: World) -> None:
    """Luojiang recognises public and professional subjects only (L1)."""
    person = ProfessionalFactory(region_id="350504")
    me = grant(person.user, Role.PROFESSIONAL)
    with pytest.raises(ServiceError, match="不设选修科目"):
        hour_record_declare(
            actor=person.user,
            active=me,
            professional=person,
            category="elective",
            content="自学",
            hours=hours(10),
            start_date=dt.date(2017, 5, 2),
            end_date=dt.date(2017, 5, 3),
            evidence=[pdf()],
            today=dt.date(2017, 9, 1),
        )
    assert not HourRecord.objects.exists()


@pytest.mark.parametrize(
    ("end", "refused"),
    [
        (dt.date(2023, 10, 31), False),  # the Guangdong 2018 opinion's last day
        (dt.date(2023, 11, 1), True),  # the day after: 公需科目和专业科目 only (第七条)
    ],
)
def test_an_elective_is_refused_only_when_taken_after_the_rule_that_counts_it(
    world: World, end: dt.date, refused: bool
) -> None:
    """A year that straddles a change of what counts (docs/adr/0006): a Guangdong elective of
    2023 may be declared when it was taken while the 2018 opinion was in force."""
    person = ProfessionalFactory(region_id="440000")
    me = grant(person.user, Role.PROFESSIONAL)

    def declare() -> object:
        return hour_record_declare(
            actor=person.user,
            active=me,
            professional=person,
            category="elective",
            content="选修讲座",
            hours=hours(10),
            start_date=end,
            end_date=end,
            evidence=[pdf()],
            today=dt.date(2023, 12, 20),
        )

    if refused:
        with pytest.raises(ServiceError, match="2023-11-01 起不设选修科目"):
            declare()
        assert not HourRecord.objects.exists()
    else:
        declare()
        assert HourRecord.objects.filter(category="elective").count() == 1


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"required": True}, "只有公需科目区分必修"),
        ({"hours": hours(1001)}, "不能超过 1000 学时"),
        ({"hours": hours(0)}, "学时应大于 0"),
        ({"credited_year": 2015}, "不能晚于学习结束的年度"),
        ({"category": "bogus"}, "请选择科目类别"),
    ],
)
def test_the_declaration_service_checks_its_input(world: World, extra: dict, message: str) -> None:
    with pytest.raises(ServiceError, match=message):
        world.declare(**extra)
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []
