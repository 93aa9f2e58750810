"""The record page, evidence download and the review queue, through the client as each role."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.records.conftest import World, files_on_disk, pdf
from tests.support.factories import UserFactory, grant, id_number_of
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_transition
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def _as(client: Client, role: Any) -> Client:
    client.force_login(role.assignment.user)
    return client


def _act(client: Client, record: HourRecord, action: str, **extra: Any) -> Any:
    data = {"action": action, **extra}
    return client.post(reverse("records:transition", args=[record.pk]), data)


def _fresh(record: HourRecord) -> HourRecord:
    return HourRecord.objects.get(pk=record.pk)


# -- review ---------------------------------------------------------------------------


def test_an_employer_reviewer_approves_its_staffs_record_in_the_queue(
    client: Client, world: World
) -> None:
    """The row is updated in place (htmx): the record now waits for the bureau."""
    record = world.declare()
    queue = _as(client, world.boss).get(reverse("records:review_queue")).content.decode()
    assert "张三" in queue
    assert "待用人单位审核" in queue
    response = client.post(
        reverse("records:transition", args=[record.pk]),
        {"action": "approve", "return_to": "queue"},
        **HTMX,
    )
    row = response.content.decode()
    assert response.status_code == 200
    assert row.lstrip().startswith("<tr")
    assert "已审核通过，待人社部门复核" in row
    assert 'name="action"' not in row  # nothing more to do for the employer
    assert (_fresh(record).status, _fresh(record).step) == (RecordState.IN_REVIEW, 1)
    event = AuditEvent.objects.get(action="approve", target_id=str(record.pk))
    assert event.actor == world.boss.assignment.user
    assert event.role == Role.EMPLOYER_REVIEWER
    # It has left the employer's queue and entered the bureau's.
    assert "张三" not in client.get(reverse("records:review_queue")).content.decode()
    bureau_queue = _as(client, world.bureau).get(reverse("records:review_queue")).content.decode()
    assert "待人社部门复核" in bureau_queue


def test_the_bureau_cannot_approve_before_the_employer(client: Client, world: World) -> None:
    """S10: the bureau re-reviews only what the employer has first reviewed."""
    record = world.declare()
    assert (
        "张三"
        not in _as(client, world.bureau).get(reverse("records:review_queue")).content.decode()
    )
    response = _act(client, record, "approve")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "应由用人单位办理，人力资源和社会保障部门不能办理" in page
    assert (_fresh(record).status, _fresh(record).step) == (RecordState.IN_REVIEW, 0)
    assert not AuditEvent.objects.filter(action="approve").exists()


def test_the_full_chain_through_the_views_ends_approved(client: Client, world: World) -> None:
    record = world.declare()
    _act(_as(client, world.boss), record, "approve")
    _act(_as(client, world.bureau), record, "approve", comment="材料齐全")
    record = _fresh(record)
    assert record.status == RecordState.APPROVED
    page = _as(client, world.me).get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "已认定" in page
    assert "材料齐全" in page
    assert page.count("审核通过") >= 2  # both approvals in the history


def test_return_and_reject_need_a_reason(client: Client, world: World) -> None:
    record = world.declare()
    response = _as(client, world.boss).post(
        reverse("records:transition", args=[record.pk]),
        {"action": "return", "return_to": "queue", "comment": "  "},
        **HTMX,
    )
    assert "退回或不予认定时须填写理由" in response.content.decode()
    assert _fresh(record).status == RecordState.IN_REVIEW
    empty = _act(client, record, "reject", confirm="yes")
    assert "退回或不予认定时须填写理由" in client.get(empty["Location"]).content.decode()
    assert _fresh(record).status == RecordState.IN_REVIEW


def test_rejection_asks_for_confirmation_first(client: Client, world: World) -> None:
    """Rejection is final: the reviewer confirms it on a page that keeps the reason."""
    record = world.declare()
    page = _act(_as(client, world.boss), record, "reject", comment="培训与专业无关")
    assert page.status_code == 200
    assert "确认不予认定" in page.content.decode()
    assert "培训与专业无关" in page.content.decode()
    assert _fresh(record).status == RecordState.IN_REVIEW
    _act(client, record, "reject", comment="培训与专业无关", confirm="yes")
    assert _fresh(record).status == RecordState.REJECTED
    assert _fresh(record).last_comment == "培训与专业无关"
    event = AuditEvent.objects.get(action="reject", target_id=str(record.pk))
    assert event.comment == "培训与专业无关"


def test_unknown_action_and_missing_record_do_not_fail(client: Client, world: World) -> None:
    record = world.declare()
    _as(client, world.boss)
    assert _act(client, record, "delete").status_code == 302
    assert _fresh(record).step == 0
    response = client.post(reverse("records:transition", args=[999999]), {"action": "approve"})
    assert response.status_code == 302
    htmx = client.post(
        reverse("records:transition", args=[999999]),
        {"action": "approve", "return_to": "queue"},
        **HTMX,
    )
    assert "不在您的管辖范围内" in htmx.content.decode()


def test_another_employer_cannot_act_on_the_record(client: Client, world: World) -> None:
    record = world.declare()
    response = _act(_as(client, world.other_boss), record, "approve")
    assert response["Location"] == reverse("records:review_queue")
    assert _fresh(record).step == 0


def test_a_returned_record_is_corrected_and_resubmitted_by_the_declarant(
    client: Client, world: World
) -> None:
    record = world.declare()
    _act(_as(client, world.boss), record, "return", comment="证明未盖章")
    detail = _as(client, world.me).get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "证明未盖章" in detail
    assert reverse("records:edit", args=[record.pk]) in detail
    response = client.post(
        reverse("records:edit", args=[record.pk]),
        {
            "content": "新技术培训（已盖章）",
            "start_date": "2014-06-02",
            "end_date": "2014-06-07",
            "hours": "36",
            "evidence": [pdf("盖章证明.pdf", b"stamped")],
            "intent": "submit",
        },
    )
    assert response.status_code == 302
    record = _fresh(record)
    assert (record.status, record.step) == (RecordState.IN_REVIEW, 0)
    assert record.hours == 36
    assert record.evidence.count() == 2
    update = AuditEvent.objects.get(action="update", target_id=str(record.pk))
    assert update.data["changed"]["hours"] == ["42.0", "36"]
    assert update.data["evidence_added"] == ["盖章证明.pdf"]
    history = client.get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "修改" in history
    assert "学时：42.0 → 36" in history
    assert "重新提交" in history


def test_a_correction_with_bad_input_changes_nothing(client: Client, world: World) -> None:
    record = world.declare()
    _act(_as(client, world.boss), record, "return", comment="学时有误")
    response = _as(client, world.me).post(
        reverse("records:edit", args=[record.pk]),
        {
            "content": "x",
            "start_date": "2014-06-02",
            "end_date": "2014-06-01",
            "hours": "-1",
            "evidence": [pdf("a.pdf"), pdf("b.pdf")],
            "intent": "submit",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "结束日期不能早于开始日期" in content
    assert "学时应大于 0" in content
    assert _fresh(record).status == RecordState.RETURNED
    assert _fresh(record).hours == 42
    assert len(files_on_disk()) == 1  # only the original proof


def test_only_the_declarant_or_the_person_may_correct(client: Client, world: World) -> None:
    record = world.declare()
    _act(_as(client, world.boss), record, "return", comment="补充材料")
    response = client.post(
        reverse("records:edit", args=[record.pk]),
        {"content": "改", "start_date": "2014-06-02", "end_date": "2014-06-08", "hours": "1"},
    )
    assert response.status_code == 302
    assert _fresh(record).content == "新技术培训"
    assert (
        _as(client, world.bureau).get(reverse("records:edit", args=[record.pk])).status_code == 403
    )


def test_an_in_review_record_cannot_be_edited(client: Client, world: World) -> None:
    record = world.declare()
    response = _as(client, world.me).get(reverse("records:edit", args=[record.pk]))
    assert response.status_code == 302
    assert (
        "只有申报人或本人可以修改退回或草稿状态的记录"
        in client.get(response["Location"]).content.decode()
    )


# -- the record page and its evidence ------------------------------------------------


def test_an_employer_cannot_open_another_employers_record(client: Client, world: World) -> None:
    record = world.declare()
    assert (
        _as(client, world.other_boss).get(reverse("records:detail", args=[record.pk])).status_code
        == 404
    )
    assert (
        _as(client, world.far_bureau).get(reverse("records:detail", args=[record.pk])).status_code
        == 404
    )


def test_the_record_page_shows_history_and_the_reviewers_actions(
    client: Client, world: World
) -> None:
    record = world.declare()
    page = _as(client, world.boss).get(reverse("records:detail", args=[record.pk])).content.decode()
    assert "申报（保存）" in page
    assert "草稿 → 审核中" in page
    assert 'value="approve"' in page
    assert 'value="reject"' in page
    assert "用人单位 → 人力资源和社会保障部门" in page
    bureau_page = (
        _as(client, world.bureau).get(reverse("records:detail", args=[record.pk])).content.decode()
    )
    assert 'value="approve"' not in bureau_page  # not the bureau's turn yet
    own = _as(client, world.me).get(reverse("records:detail", args=[record.pk])).content.decode()
    assert 'value="approve"' not in own
    assert id_number_of(world.person) not in own  # the ID number is shown masked
    assert world.person.masked_id_number in own


def test_evidence_is_downloaded_as_an_attachment_in_scope_only(
    client: Client, world: World
) -> None:
    record = world.declare()
    evidence = record.evidence.get()
    url = reverse("records:evidence_download", args=[evidence.pk])
    for role in (world.me, world.boss, world.bureau):
        response = _as(client, role).get(url)
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
    for role in (world.other_boss, world.far_bureau):
        assert _as(client, role).get(url).status_code == 404
    stranger = grant(UserFactory(), Role.PROFESSIONAL)
    assert _as(client, stranger).get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_a_missing_file_answers_404_not_500(client: Client, world: World) -> None:
    record = world.declare()
    evidence = record.evidence.get()
    for path in files_on_disk():
        path.unlink()
    response = _as(client, world.me).get(reverse("records:evidence_download", args=[evidence.pk]))
    assert response.status_code == 404


def test_a_draft_is_submitted_from_its_page(client: Client, world: World) -> None:
    record = world.declare(submit=False)
    page = _as(client, world.me).get(reverse("records:detail", args=[record.pk])).content.decode()
    assert 'value="submit"' in page
    _act(client, record, "submit")
    assert _fresh(record).status == RecordState.IN_REVIEW


def test_someone_else_cannot_submit_a_draft(client: Client, world: World) -> None:
    """A draft is the declarant's: another user of the same employer cannot submit it."""
    record = world.declare(submit=False)
    response = _act(_as(client, world.admin), record, "submit")
    assert "只有申报人或本人可以提交该记录" in client.get(response["Location"]).content.decode()
    assert _fresh(record).status == RecordState.DRAFT


# -- the queue -------------------------------------------------------------------------


def test_the_queue_filters_and_paginates(client: Client, world: World) -> None:
    world.declare()
    world.declare(content="第二次培训", salt=b"2")
    _as(client, world.boss)
    assert (
        "第二次培训" in client.get(reverse("records:review_queue"), {"q": "张三"}).content.decode()
    )
    assert (
        "第二次培训"
        not in client.get(reverse("records:review_queue"), {"q": "王五"}).content.decode()
    )
    by_id = client.get(reverse("records:review_queue"), {"q": id_number_of(world.person)})
    assert "第二次培训" in by_id.content.decode()
    assert (
        "第二次培训"
        not in client.get(reverse("records:review_queue"), {"year": "2015"}).content.decode()
    )
    assert (
        "第二次培训"
        in client.get(
            reverse("records:review_queue"), {"year": "2014", "category": "professional"}
        ).content.decode()
    )
    for garbage in ({"year": "abc"}, {"category": "x"}, {"page": "-1"}, {"q": "%" * 100}):
        assert client.get(reverse("records:review_queue"), garbage).status_code == 200


def test_the_queue_is_closed_to_professionals_and_providers(client: Client, world: World) -> None:
    assert _as(client, world.me).get(reverse("records:review_queue")).status_code == 403


def test_bulk_approval_asks_for_confirmation_then_reports_each_record(
    client: Client, world: World
) -> None:
    first = world.declare()
    second = world.declare(
        content="第二次培训",
        salt=b"2",
        start_date=dt.date(2014, 7, 7),
        end_date=dt.date(2014, 7, 13),
    )
    _as(client, world.boss)
    confirm = client.post(reverse("records:review_bulk"), {"ids": [first.pk, second.pk]})
    assert confirm.status_code == 200
    assert "确认全部审核通过" in confirm.content.decode()
    assert _fresh(first).step == 0  # nothing done before confirmation
    # Someone else approves the second record meanwhile.
    other = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=world.person.employer)
    hour_record_transition(
        record_id=second.pk, actor=other.assignment.user, active=other, action="approve"
    )
    done = client.post(
        reverse("records:review_bulk"), {"ids": [first.pk, second.pk], "confirm": "yes"}
    ).content.decode()
    assert "成功 1 条，未能办理 1 条" in done
    assert "应由人力资源和社会保障部门办理" in done
    assert _fresh(first).step == 1
    assert AuditEvent.objects.filter(action="approve", target_id=str(second.pk)).count() == 1


def test_bulk_approval_without_a_selection_or_out_of_scope(client: Client, world: World) -> None:
    mine = world.declare()
    theirs = world.declare(world.other_person)
    _as(client, world.boss)
    response = client.post(reverse("records:review_bulk"), {"ids": ["x", ""]})
    assert response.status_code == 302
    response = client.post(reverse("records:review_bulk"), {"ids": [theirs.pk]})
    assert response.status_code == 302
    done = client.post(
        reverse("records:review_bulk"), {"ids": [mine.pk, theirs.pk], "confirm": "yes"}
    ).content.decode()
    assert "成功 1 条，未能办理 1 条" in done
    assert "记录不存在，或不在您的管辖范围内" in done
    assert _fresh(theirs).step == 0
