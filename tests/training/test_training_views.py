"""The training pages through the test client, as provider, bureau, authority and professional.
Bad input always gets a Chinese message and changes nothing; nothing answers 500."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import python_calamine
import time_machine
from django.test import Client
from django.urls import reverse

from tests.support.factories import UserFactory, grant, id_number_of
from tests.training.conftest import XLSX, World, enrol, learner, upload, xlsx
from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.records.models import HourRecord
from xueshi.training.models import Attendance, ClassPlan, ClassStatus, HourBatch
from xueshi.training.services import class_plan_file

SHANGHAI = ZoneInfo("Asia/Shanghai")


@contextmanager
def on(day: dt.date) -> Iterator[None]:
    with time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI)):
        yield


def as_role(client: Client, active: ActiveRole) -> Client:
    client.force_login(active.assignment.user)
    return client


def _messages(response: Any) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


CLASS_FORM = {
    "title": "工程新技术研修班",
    "category": "professional",
    "series": "engineering",
    "mode": "face_to_face",
    "start_date": "2014-06-20",
    "end_date": "2014-06-22",
    "hours": "20",
    "capacity": "30",
    "pass_mark": "",
    "location": "汕头",
}


# --- provider: list, new, edit, file -------------------------------------------------------


def test_provider_sees_only_its_own_classes_with_search(client: Client, world: World) -> None:
    world.draft(title="本机构的班")
    world.draft(title="别人的班", staff=world.other_staff)
    as_role(client, world.staff)
    page = client.get(reverse("training:provider_classes")).content.decode()
    assert "本机构的班" in page
    assert "别人的班" not in page
    page = client.get(reverse("training:provider_classes"), {"q": "没有"}).content.decode()
    assert "本机构的班" not in page
    response = client.get(reverse("training:provider_classes"), {"page": "abc", "status": "x"})
    assert response.status_code == 200


def test_new_class_is_saved_as_draft(client: Client, world: World) -> None:
    as_role(client, world.staff)
    form = client.get(reverse("training:class_new")).content.decode()
    assert 'name="pass_mark"' in form
    assert 'value="60"' in form  # the default pass mark
    response = client.post(reverse("training:class_new"), CLASS_FORM)
    plan = ClassPlan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("training:class_detail", args=[plan.pk])
    assert (plan.status, plan.pass_mark, plan.provider) == ("draft", 60, world.provider)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hours": "0"}, "学时应大于 0。"),
        ({"hours": "abc"}, "学时应为数字。"),
        ({"end_date": "2014-06-19"}, "结班日期不能早于开班日期。"),
        ({"pass_mark": "101"}, "合格分数应在 0 到 100 之间。"),
        ({"start_date": "20 June"}, "日期格式应为 2014-06-20。"),
        ({"category": "xyz"}, "科目类别无效。"),
        ({"title": ""}, "请填写培训名称。"),
        ({"capacity": "0"}, "计划人数至少为 1 人。"),
    ],
)
def test_bad_class_input_is_explained_and_saves_nothing(
    client: Client, world: World, changes: dict[str, str], message: str
) -> None:
    as_role(client, world.staff)
    response = client.post(reverse("training:class_new"), {**CLASS_FORM, **changes})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ClassPlan.objects.exists()


def test_late_filing_through_the_page_says_when_it_was_due(client: Client, world: World) -> None:
    plan = world.draft()
    as_role(client, world.staff)
    with on(dt.date(2014, 6, 11)):
        response = client.post(reverse("training:class_file", args=[plan.pk]), follow=True)
    assert response.status_code == 200
    text = _messages(response)
    assert "最迟 2014-06-10；已逾期" in text
    assert "依据：" in text
    plan.refresh_from_db()
    assert plan.status == ClassStatus.DRAFT


def test_filing_through_the_page_names_the_approver(client: Client, world: World) -> None:
    plan = world.draft()
    as_role(client, world.staff)
    with on(dt.date(2014, 6, 5)):
        response = client.post(reverse("training:class_file", args=[plan.pk]), follow=True)
    assert "备案截止日期 2014-06-10" in _messages(response)
    assert "人力资源和社会保障部门" in _messages(response)
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED


def test_editing_is_for_own_draft_classes(client: Client, world: World) -> None:
    other = world.draft(staff=world.other_staff)
    mine = world.approved()
    as_role(client, world.staff)
    assert client.get(reverse("training:class_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("training:class_file", args=[other.pk])).status_code == 404
    response = client.get(reverse("training:class_edit", args=[mine.pk]), follow=True)
    assert "只有草稿或未核准的培训班可以修改" in _messages(response)
    draft = world.draft(title="旧名")
    form = client.get(reverse("training:class_edit", args=[draft.pk])).content.decode()
    assert 'value="旧名"' in form
    assert 'value="2014-06-20"' in form
    response = client.post(
        reverse("training:class_edit", args=[draft.pk]), {**CLASS_FORM, "title": "新名"}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.title == "新名"


def test_annual_plan_shows_the_yearly_deadline(client: Client, world: World) -> None:
    world.draft(title="六月班")
    as_role(client, world.staff)
    page = client.get(reverse("training:annual_plan"), {"year": "2014"}).content.decode()
    assert "六月班" in page
    assert "2014-04-15" in page  # Shantou: public-subject plans by 04-15 (S15)
    response = client.get(reverse("training:annual_plan"), {"year": "abc"})
    assert response.status_code == 200
    assert "请输入四位年份。" in response.content.decode()


# --- approvers ------------------------------------------------------------------------------


def _filed(world: World, **fields: Any) -> ClassPlan:
    plan = world.draft(**fields)
    return class_plan_file(
        class_plan_id=plan.pk,
        actor=world.staff.assignment.user,
        active=world.staff,
        today=plan.start_date - dt.timedelta(days=40),
    )


def test_bureau_approves_from_its_queue(client: Client, world: World) -> None:
    plan = _filed(world)
    as_role(client, world.bureau)
    assert plan.title in client.get(reverse("training:filing_queue")).content.decode()
    response = client.post(reverse("training:class_approve", args=[plan.pk]), follow=True)
    assert "已核准" in _messages(response)
    plan.refresh_from_db()
    assert plan.status == ClassStatus.APPROVED


def test_an_approval_after_the_class_started_is_warned_in_the_queue_and_on_approval(
    client: Client, world: World
) -> None:
    """Issue 13: a class past its dates was approved without a word."""
    plan = _filed(world)
    as_role(client, world.bureau)
    with clock.at(plan.start_date - dt.timedelta(days=5)):
        assert "已过开班日期" not in client.get(reverse("training:filing_queue")).content.decode()
    with clock.at(plan.start_date + dt.timedelta(days=3)):
        assert "已过开班日期" in client.get(reverse("training:filing_queue")).content.decode()
        response = client.post(reverse("training:class_approve", args=[plan.pk]), follow=True)
    text = _messages(response)
    assert "已核准" in text
    assert f"该班已于 {plan.start_date} 开班，核准晚于开班日期，请核实。" in text


def test_the_wrong_approver_is_refused_and_nothing_changes(client: Client, world: World) -> None:
    plan = _filed(world)
    as_role(client, world.authority)
    assert plan.title not in client.get(reverse("training:filing_queue")).content.decode()
    response = client.post(reverse("training:class_approve", args=[plan.pk]), follow=True)
    assert "您无权办理" in _messages(response)
    assert client.get(reverse("training:class_reject", args=[plan.pk])).status_code == 404
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED


def test_reject_asks_for_confirmation_and_a_reason(client: Client, world: World) -> None:
    plan = _filed(world)
    as_role(client, world.bureau)
    page = client.get(reverse("training:class_reject", args=[plan.pk])).content.decode()
    assert "确认不予核准" in page
    response = client.post(reverse("training:class_reject", args=[plan.pk]), {"reason": "  "})
    assert "请填写不予核准的理由。" in response.content.decode()
    plan.refresh_from_db()
    assert plan.status == ClassStatus.FILED
    client.post(reverse("training:class_reject", args=[plan.pk]), {"reason": "缺少教学计划"})
    plan.refresh_from_db()
    assert (plan.status, plan.decision_comment) == (ClassStatus.REJECTED, "缺少教学计划")


@pytest.mark.parametrize("name", ["filing_queue", "class_catalogue", "provider_classes"])
def test_pages_refuse_roles_they_are_not_for(client: Client, world: World, name: str) -> None:
    """Provider pages are not for the bureau, the queue not for professionals, etc."""
    wrong = {
        "filing_queue": world.staff,
        "class_catalogue": world.bureau,
        "provider_classes": world.authority,
    }[name]
    as_role(client, wrong)
    assert client.get(reverse(f"training:{name}")).status_code == 403


# --- professionals ---------------------------------------------------------------------------


def test_professional_finds_a_class_and_enrols(client: Client, world: World) -> None:
    plan = world.approved()
    person, me = learner()
    as_role(client, me)
    with on(dt.date(2014, 6, 10)):
        page = client.get(reverse("training:class_catalogue")).content.decode()
        assert plan.title in page
        filtered = client.get(
            reverse("training:class_catalogue"), {"category": "public", "region": "nope"}
        )
        assert filtered.status_code == 200
        response = client.post(reverse("training:class_enroll", args=[plan.pk]), follow=True)
        assert "已报名" in _messages(response)
        assert plan.title in response.content.decode()
        again = client.post(reverse("training:class_enroll", args=[plan.pk]), follow=True)
        assert "不能重复报名" in _messages(again)
    assert plan.enrollments.filter(professional=person).count() == 1


def test_professional_account_without_registration_sees_empty_pages(
    client: Client, world: World
) -> None:
    me = grant(UserFactory(), Role.PROFESSIONAL)
    as_role(client, me)
    assert client.get(reverse("training:my_enrollments")).status_code == 200
    page = client.get(reverse("training:class_catalogue")).content.decode()
    assert "尚未完成专业技术人员登记" in page


# --- the class page --------------------------------------------------------------------------


@pytest.fixture
def running(world: World) -> tuple[ClassPlan, Any]:
    plan = world.approved()
    person, me = learner(full_name="张三")
    return plan, enrol(plan, person, me)


def test_class_page_masks_id_numbers_and_is_read_only_for_the_bureau(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    number = id_number_of(seat.professional)
    url = reverse("training:class_detail", args=[plan.pk])
    with on(plan.start_date):
        as_role(client, world.staff)
        page = client.get(url).content.decode()
        assert seat.professional.masked_id_number in page
        assert number not in page
        assert "签到</button>" in page
        for viewer in (world.bureau, world.authority, world.province):
            as_role(client, viewer)
            page = client.get(url).content.decode()
            assert "张三" in page
            assert "签到</button>" not in page
            assert "保存成绩" not in page
        for outsider in (world.luojiang, world.health_authority, world.other_staff):
            as_role(client, outsider)
            assert client.get(url).status_code == 404
        as_role(client, seat_role(seat))
        assert client.get(url).status_code == 403
        as_role(client, world.staff)
        assert client.get(reverse("training:class_detail", args=[999999])).status_code == 404


def seat_role(seat: Any) -> ActiveRole:
    return grant(seat.professional.user, Role.PROFESSIONAL)


def test_attendance_buttons_with_htmx(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    as_role(client, world.staff)
    data = {"day": str(plan.start_date), "half_day": "am"}
    sign_in = reverse("training:attendance_sign_in", args=[seat.pk])
    sign_out = reverse("training:attendance_sign_out", args=[seat.pk])
    with on(plan.start_date):
        response = client.post(sign_out, data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        assert "尚未签到，不能签退" in response.content.decode()
        response = client.post(sign_in, data, headers={"HX-Request": "true"})
        cell = response.content.decode()
        assert cell.lstrip().startswith("<td")
        assert "签到 09:00" in cell
        assert "签退</button>" in cell
        response = client.post(sign_out, data)  # without htmx: back to the page
        assert response.status_code == 302
        bad = client.post(sign_in, {"day": "yesterday", "half_day": "noon"})
        assert bad.status_code == 302
    mark = Attendance.objects.get()
    assert mark.signed_in_at is not None
    assert mark.signed_out_at is not None
    as_role(client, world.other_staff)
    assert client.post(sign_in, data).status_code == 404


def test_scores_through_the_page(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    as_role(client, world.staff)
    url = reverse("training:class_assess", args=[plan.pk])
    with on(plan.end_date):
        response = client.post(url, {f"score-{seat.pk}": "150"})
        assert response.status_code == 200
        assert "成绩应在 0 到 100 之间。" in response.content.decode()
        seat.refresh_from_db()
        assert seat.score is None
        response = client.post(url, {f"score-{seat.pk}": "75.5"})
        assert response.status_code == 302
    seat.refresh_from_db()
    assert (str(seat.score), seat.passed) == ("75.5", True)


# --- batch entry -----------------------------------------------------------------------------


def test_template_download_lists_the_learners(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    as_role(client, world.staff)
    response = client.get(reverse("training:batch_template", args=[plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith("attachment")
    book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[1][:2] == ["张三", id_number_of(seat.professional)]
    # The full numbers handed out are audited, one row for each learner.
    read = AuditEvent.objects.get(action="id_number_read", target_id=str(seat.professional.pk))
    assert (read.actor_id, read.role) == (world.staff.assignment.user_id, "provider_staff")
    assert read.comment.startswith("下载学时登记模板")
    as_role(client, world.bureau)
    assert client.get(reverse("training:batch_template", args=[plan.pk])).status_code == 403


def test_batch_upload_reports_errors_then_enters_once(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    person = seat.professional
    as_role(client, world.staff)
    url = reverse("training:batch_upload", args=[plan.pk])
    after = plan.end_date + dt.timedelta(days=1)
    with on(after):
        assert "最迟" in client.get(url).content.decode()
        bad = xlsx([[person.full_name, id_number_of(person), "满分"]])
        response = client.post(url, {"file": upload(bad)}, follow=True)
        page = response.content.decode()
        assert 'class="row-error"' in page
        assert "考核成绩“满分”不是数字" in page
        assert "整份文件未登记" in page
        assert not HourRecord.objects.exists()
        good = xlsx([[person.full_name, id_number_of(person), 90]])
        response = client.post(url, {"file": upload(good)}, follow=True)
        assert "新登记 1 人" in response.content.decode()
        response = client.post(url, {"file": upload(good)}, follow=True)
        assert "新登记 0 人，此前已登记 1 人" in response.content.decode()
    assert HourRecord.objects.count() == 1
    batch = HourBatch.objects.filter(accepted=True).first()
    assert batch is not None
    as_role(client, world.bureau)
    assert client.get(reverse("training:batch_detail", args=[batch.pk])).status_code == 200
    as_role(client, world.other_staff)
    assert client.get(reverse("training:batch_detail", args=[batch.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not excel", "无法读取该文件，请上传 Excel 文件（.xlsx）。"),
        (None, "请选择要上传的 Excel 文件。"),
        (b"", "文件是空的。"),
    ],
)
def test_bad_uploads_get_a_chinese_message(
    client: Client,
    world: World,
    running: tuple[ClassPlan, Any],
    data: bytes | None,
    message: str,
) -> None:
    plan, _ = running
    as_role(client, world.staff)
    payload = {} if data is None else {"file": upload(data, "scores.xlsx")}
    with on(plan.end_date + dt.timedelta(days=1)):
        response = client.post(reverse("training:batch_upload", args=[plan.pk]), payload)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not HourBatch.objects.exists()


def test_upload_after_the_deadline_is_refused_on_the_page(
    client: Client, world: World, running: tuple[ClassPlan, Any]
) -> None:
    plan, seat = running
    as_role(client, world.staff)
    person = seat.professional
    data = xlsx([[person.full_name, id_number_of(person), 90]])
    with on(dt.date(2014, 7, 30)):
        response = client.post(
            reverse("training:batch_upload", args=[plan.pk]), {"file": upload(data)}
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "已逾期，不能再登记" in page
    assert not HourBatch.objects.exists()
    assert not HourRecord.objects.exists()


def test_admin_shows_classes_read_only(client: Client, world: World) -> None:
    """The system administrator can inspect classes in the admin but not change them there."""
    plan = world.approved()
    user = UserFactory(is_staff=True, is_superuser=True)
    grant(user, Role.SYSADMIN)
    client.force_login(user)
    assert client.get(reverse("admin:training_classplan_changelist")).status_code == 200
    page = client.get(reverse("admin:training_classplan_change", args=[plan.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:training_classplan_add")).status_code == 403
