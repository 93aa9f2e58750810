"""Integrity checks at entry (records.services.integrity): the same declaration twice is
refused naming the first, doubtful records carry flags their reviewers see, a flagged record
is not approved until a reviewer clears the flag with a comment (audited)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.records.conftest import World, pdf
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.records.models import FlagStatus, HourRecord, IntegrityFlag
from xueshi.records.services import (
    hour_record_transition,
    hour_record_update_returned,
    integrity_flag_clear,
)
from xueshi.rules.integrity import FlagKind


def _as(client: Client, role: Any) -> Client:
    client.force_login(role.assignment.user)
    return client


def _kinds(record: HourRecord) -> list[str]:
    return list(record.flags.order_by("id").values_list("kind", flat=True))


def test_the_same_declaration_twice_is_refused_naming_the_first(world: World) -> None:
    first = world.declare()
    with pytest.raises(ServiceError) as refused:
        world.declare(salt=b"again")
    assert f"#{first.pk}“新技术培训”" in refused.value.message
    assert "不能重复登记" in refused.value.message
    assert HourRecord.objects.filter(professional=world.person).count() == 1


def test_an_employer_declaring_what_the_person_declared_is_refused_too(world: World) -> None:
    world.declare()
    with pytest.raises(ServiceError, match="重复"):
        world.declare(actor=world.admin.assignment.user, active=world.admin, salt=b"x")


def test_after_a_rejection_the_learning_may_be_declared_again(world: World) -> None:
    first = world.declare()
    hour_record_transition(
        record_id=first.pk,
        actor=world.boss.assignment.user,
        active=world.boss,
        action="reject",
        comment="材料不全",
    )
    again = world.declare(salt=b"again")
    assert again.pk != first.pk
    assert _kinds(again) == []


def test_a_1000_hour_declaration_for_three_days_is_flagged_and_not_approved_until_cleared(
    world: World,
) -> None:
    record = world.declare(
        hours=Decimal(1000), start_date=dt.date(2014, 6, 2), end_date=dt.date(2014, 6, 4)
    )
    flag = record.flags.get()
    assert flag.kind == FlagKind.HOURS_ABOVE_DAYS
    assert "共 3 天，最多计 24 学时，申报 1000 学时" in flag.message
    assert "系统校验" in flag.message
    assert AuditEvent.objects.filter(action="integrity_flag", target_id=str(record.pk)).exists()
    boss = world.boss
    with pytest.raises(ServiceError, match="待核实的疑点（学时超出天数）"):
        hour_record_transition(
            record_id=record.pk, actor=boss.assignment.user, active=boss, action="approve"
        )
    with pytest.raises(ServiceError, match="请填写核实意见"):
        integrity_flag_clear(flag_id=flag.pk, actor=boss.assignment.user, active=boss, comment="")
    with pytest.raises(ServiceError, match="只有审核人员"):
        integrity_flag_clear(
            flag_id=flag.pk, actor=world.person.user, active=world.me, comment="没问题"
        )
    with pytest.raises(ServiceError, match="不在您的管辖范围内"):
        integrity_flag_clear(
            flag_id=flag.pk,
            actor=world.other_boss.assignment.user,
            active=world.other_boss,
            comment="没问题",
        )
    integrity_flag_clear(
        flag_id=flag.pk, actor=boss.assignment.user, active=boss, comment="已核对，系笔误为 18"
    )
    flag.refresh_from_db()
    assert flag.status == FlagStatus.CLEARED
    assert flag.comment == "已核对，系笔误为 18"
    event = AuditEvent.objects.get(action="integrity_flag_clear", target_id=str(flag.pk))
    assert event.comment == "已核对，系笔误为 18"
    record = hour_record_transition(
        record_id=record.pk, actor=boss.assignment.user, active=boss, action="approve"
    )
    assert record.step == 1
    with pytest.raises(ServiceError, match="已核实处理"):
        integrity_flag_clear(flag_id=flag.pk, actor=boss.assignment.user, active=boss, comment="再")


def test_overlapping_and_similar_declarations_are_flagged_with_the_other_record(
    world: World,
) -> None:
    first = world.declare()
    similar = world.declare(content="新技术培训（二）", hours=Decimal(40), salt=b"2")
    assert [(f.kind, f.other_record_id) for f in similar.flags.all()] == [
        (FlagKind.NEAR_DUPLICATE, first.pk)
    ]
    at_once = world.declare(
        content="医院管理研修",
        hours=Decimal(8),
        start_date=dt.date(2014, 6, 8),
        end_date=dt.date(2014, 6, 8),
        salt=b"3",
    )
    assert set(_kinds(at_once)) == {FlagKind.OVERLAP}
    assert {f.other_record_id for f in at_once.flags.all()} == {first.pk, similar.pk}


def test_the_same_evidence_file_for_another_person_is_flagged(world: World) -> None:
    mine = world.declare(evidence=[pdf(body=b"shared")])
    theirs = world.declare(world.other_person, evidence=[pdf(body=b"shared")])
    flag = theirs.flags.get()
    assert (flag.kind, flag.other_record_id) == (FlagKind.EVIDENCE_REUSED, mine.pk)
    assert "另一名专业技术人员" in flag.message


def test_a_returned_record_corrected_into_a_duplicate_is_refused(world: World) -> None:
    world.declare()
    other = world.declare(
        content="另一项培训",
        start_date=dt.date(2014, 7, 1),
        end_date=dt.date(2014, 7, 7),
        salt=b"2",
    )
    hour_record_transition(
        record_id=other.pk,
        actor=world.boss.assignment.user,
        active=world.boss,
        action="return",
        comment="日期有误",
    )
    with pytest.raises(ServiceError, match="不能重复登记"):
        hour_record_update_returned(
            record_id=other.pk,
            actor=world.person.user,
            active=world.me,
            content="新技术培训",
            start_date=dt.date(2014, 6, 2),
            end_date=dt.date(2014, 6, 8),
            hours=Decimal(42),
            today=dt.date(2014, 9, 1),
        )


def test_the_queue_and_the_bulk_confirmation_show_flags_and_leave_flagged_records_out(
    client: Client, world: World
) -> None:
    plain = world.declare()
    doubtful = world.declare(
        content="工程管理",
        hours=Decimal(1000),
        start_date=dt.date(2014, 7, 1),
        end_date=dt.date(2014, 7, 3),
        salt=b"2",
    )
    _as(client, world.boss)
    queue = client.get(reverse("records:review_queue")).content.decode()
    assert "疑点·学时超出天数" in queue
    assert "申报 1000 学时" in queue
    confirm = client.post(
        reverse("records:review_bulk"), {"ids": [plain.pk, doubtful.pk]}
    ).content.decode()
    assert "另有 1 条记录有待核实的疑点，不在本次批量通过之列" in confirm
    assert f'name="ids" value="{plain.pk}"' in confirm
    assert f'name="ids" value="{doubtful.pk}"' not in confirm
    # Posted anyway (an old page, a hand-made request): the service refuses it.
    done = client.post(
        reverse("records:review_bulk"), {"ids": [plain.pk, doubtful.pk], "confirm": "yes"}
    ).content.decode()
    assert "成功 1 条，未能办理 1 条" in done
    assert "待核实的疑点" in done
    assert HourRecord.objects.get(pk=doubtful.pk).step == 0


def test_a_reviewer_clears_a_flag_on_the_record_page(client: Client, world: World) -> None:
    record = world.declare(hours=Decimal(1000))
    flag = IntegrityFlag.objects.get(record=record)
    _as(client, world.boss)
    page = client.get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "核实排除" in page
    url = reverse("records:flag_clear", args=[flag.pk])
    client.post(url, {"comment": "", "record": record.pk})
    assert IntegrityFlag.objects.get(pk=flag.pk).status == FlagStatus.OPEN
    response = client.post(url, {"comment": "核对签到表：实为 42 学时", "record": record.pk})
    assert response.status_code == 302
    assert IntegrityFlag.objects.get(pk=flag.pk).status == FlagStatus.CLEARED
    page = client.get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "已排除·学时超出天数" in page
    assert "核对签到表：实为 42 学时" in page
    assert "核实排除疑点" in page  # the history names the action
    _as(client, world.me)
    mine = client.get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "flag-clear" not in mine
