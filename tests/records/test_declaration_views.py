"""Declaring hours through the web: the form, its Chinese errors, evidence by content, and
all-or-nothing saving (no record and no file left behind by a refused declaration)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from tests.records.conftest import PDF, PNG, World, files_on_disk, pdf
from tests.support.factories import EmployerFactory, ProfessionalFactory, employ, grant, hours
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.records.models import Evidence, HourRecord
from xueshi.records.services import declaration
from xueshi.rules.workflow import RecordState

pytestmark = pytest.mark.django_db


def _form(**extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "professional",
        "content": "新技术培训",
        "form": "training",
        "mode": "face_to_face",
        "start_date": "2014-06-02",
        "end_date": "2014-06-08",
        "credited_year": "",
        "provider_name": "汕头市行政学院",
        "hours": "42",
        "evidence": [pdf()],
        "intent": "submit",
    }
    data.update(extra)
    return data


def _post(client: Client, data: dict[str, Any], query: str = "") -> Any:
    return client.post(reverse("records:declare") + query, data)


def _as(client: Client, world_role: Any) -> Client:
    client.force_login(world_role.assignment.user)
    return client


def test_a_professional_declares_hours_and_they_go_to_the_employer(
    client: Client, world: World
) -> None:
    """A declaration with a stamped proof is submitted and waits for the employer's review."""
    response = _post(_as(client, world.me), _form())
    record = HourRecord.objects.get(professional=world.person)
    assert response.status_code == 302
    assert response["Location"] == reverse("records:detail", args=[record.pk])
    assert (record.status, record.step, record.credited_year) == (RecordState.IN_REVIEW, 0, 2014)
    assert record.hours == hours(42)
    assert record.evidence.count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "待用人单位审核" in page
    assert "证明.pdf" in page


def test_save_draft_keeps_the_record_unsubmitted(client: Client, world: World) -> None:
    _post(_as(client, world.me), _form(intent="draft"))
    record = HourRecord.objects.get(professional=world.person)
    assert record.status == RecordState.DRAFT
    assert not AuditEvent.objects.filter(action="submit").exists()


def test_the_form_shows_the_chain_that_will_apply(client: Client, world: World) -> None:
    """The declaration page says who enters and who reviews each category that year."""
    page = _as(client, world.me).get(reverse("records:declare") + "?year=2014").content.decode()
    assert "由专业技术人员、用人单位、施教机构登记，审核：用人单位 → 人力资源和社会保障部门" in page
    fragment = client.get(
        reverse("records:declare_chains"), {"end_date": "2019-05-01", "category": "elective"}
    ).content.decode()
    # Guangdong 2018 opinion: professional hours declared by the person, certified by employer.
    assert "2019 年度" in fragment
    assert "由专业技术人员登记，审核：用人单位" in fragment


def test_categories_are_those_of_the_region_and_year(client: Client, world: World) -> None:
    """Luojiang has public and professional subjects only: elective is not offered."""
    person = ProfessionalFactory(region_id="350504")
    client.force_login(person.user)
    grant(person.user, Role.PROFESSIONAL)
    page = client.get(reverse("records:declare") + "?year=2017").content.decode()
    assert 'value="professional"' in page
    assert 'value="elective"' not in page
    response = _post(
        client, _form(category="elective", start_date="2017-05-02", end_date="2017-05-03")
    )
    assert response.status_code == 200
    assert "该年度本地区不设此科目类别" in response.content.decode()
    assert not HourRecord.objects.exists()


def test_public_hours_cannot_be_declared_by_the_person(client: Client, world: World) -> None:
    """S9: public hours are entered by providers; the refusal cites the notice."""
    response = _post(_as(client, world.me), _form(category="public"))
    content = response.content.decode()
    assert response.status_code == 200
    assert "公需科目学时由施教机构登记，专业技术人员不能申报" in content
    assert "依据" in content
    assert "汕头" in content
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


def test_missing_evidence_is_refused_and_nothing_is_saved(client: Client, world: World) -> None:
    """S9: no attachment, not recognised — the refusal saves no record and no file."""
    response = _post(_as(client, world.me), _form(evidence=[]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "该类别学时须上传证明材料" in content
    assert not HourRecord.objects.exists()
    assert not AuditEvent.objects.exclude(action="login").exists()  # only the sign-in
    assert files_on_disk() == []


def test_the_same_file_twice_is_refused_and_leaves_nothing(client: Client, world: World) -> None:
    response = _post(_as(client, world.me), _form(evidence=[pdf("a.pdf"), pdf("b.pdf")]))
    assert "内容相同" in response.content.decode()
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


def test_a_failure_after_files_were_written_removes_them(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the service fails after storing evidence, the rows roll back and the files are
    deleted too: a refused declaration leaves no file on disk."""

    def refuse(**kwargs: Any) -> None:
        assert len(files_on_disk()) == 2  # both files were written before the failure
        raise ServiceError("模拟：提交时失败。")

    monkeypatch.setattr(declaration, "hour_record_transition", refuse)
    with pytest.raises(ServiceError, match="模拟"):
        world.declare(evidence=[pdf("a.pdf", b"1"), pdf("b.pdf", b"2")])
    assert not HourRecord.objects.exists()
    assert not Evidence.objects.exists()
    assert files_on_disk() == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"start_date": "2014-13-45"}, "start_date", "开始日期不是有效的日期"),
        ({"end_date": "明天"}, "end_date", "结束日期不是有效的日期"),
        ({"start_date": "2014-06-09"}, "end_date", "结束日期不能早于开始日期"),
        ({"end_date": "2099-01-01", "start_date": "2099-01-01"}, "end_date", "尚未结束的学习"),
        ({"hours": "-3"}, "hours", "学时应大于 0"),
        ({"hours": "0"}, "hours", "学时应大于 0"),
        ({"hours": "四十"}, "hours", "学时须为数字"),
        ({"hours": "NaN"}, "hours", "学时须为数字"),
        ({"hours": "1e9"}, "hours", "不能超过 1000 学时"),
        ({"hours": "1000.5"}, "hours", "不能超过 1000 学时"),
        ({"hours": "3.25"}, "hours", "最多保留一位小数"),
        ({"credited_year": "二〇一四"}, "credited_year", "四位年份"),
        ({"credited_year": "2015"}, "credited_year", "不能晚于学习结束的年度"),
        ({"credited_year": "99999999999999999999"}, "credited_year", "不能晚于 2100 年"),
        ({"content": ""}, "content", "请填写学习内容"),
        ({"content": "长" * 201}, "content", "学习内容不能超过 200 个字符"),
        ({"category": "nonsense"}, "category", "不设此科目类别"),
        ({"form": "<script>"}, "form", "请选择有效的学习形式"),
        ({"required": "on"}, "required", "只有公需科目区分必修"),
    ],
)
def test_malformed_input_gets_a_chinese_message_and_saves_nothing(
    client: Client, world: World, changes: dict[str, Any], field: str, message: str
) -> None:
    response = _post(_as(client, world.me), _form(**changes))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["form"].errors.get(field), response.context["form"].errors
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("空.pdf", b"", content_type="application/pdf"), "是空文件"),
        (
            SimpleUploadedFile("证明.pdf", b"MZ\x90\x00\x03" + b"\x00" * 64, "application/pdf"),
            "不是可接受的证明材料格式",
        ),
        (SimpleUploadedFile("说明.txt", "我参加了培训".encode(), "text/plain"), "不是可接受"),
    ],
)
def test_bad_files_are_refused_by_their_content(
    client: Client, world: World, upload: SimpleUploadedFile, message: str
) -> None:
    """A 0-byte file and an .exe renamed .pdf are refused, whatever their names say."""
    response = _post(_as(client, world.me), _form(evidence=[upload]))
    content = response.content.decode()
    assert response.status_code == 200
    assert message in content
    assert upload.name in content
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


@override_settings(XUESHI_EVIDENCE_MAX_BYTES=2048)
def test_a_file_over_the_limit_is_refused(client: Client, world: World) -> None:
    big = SimpleUploadedFile("大.pdf", PDF + b"0" * 4096, content_type="application/pdf")
    response = _post(_as(client, world.me), _form(evidence=[big]))
    content = response.content.decode()
    assert "超过 2 KB 的大小限制" in content
    assert not HourRecord.objects.exists()
    assert files_on_disk() == []


def test_a_png_proof_is_accepted(client: Client, world: World) -> None:
    png = SimpleUploadedFile("扫描件.png", PNG, content_type="image/png")
    _post(_as(client, world.me), _form(evidence=[png]))
    evidence = Evidence.objects.get()
    assert evidence.content_type == "image/png"
    assert len(files_on_disk()) == 1


def test_an_employer_declares_for_one_of_its_staff(client: Client, world: World) -> None:
    """The employer picks a staff member, then declares with the same form."""
    _as(client, world.admin)
    picker = client.get(reverse("records:declare")).content.decode()
    assert "张三" in picker
    assert "李四" not in picker  # another employer's staff
    response = _post(client, _form(), query=f"?professional={world.person.pk}")
    record = HourRecord.objects.get()
    assert response.status_code == 302
    assert record.professional == world.person
    assert record.declared_by == world.admin.assignment.user
    assert record.declared_role == Role.EMPLOYER_ADMIN


def test_an_employer_cannot_declare_for_another_employers_staff(
    client: Client, world: World
) -> None:
    response = _post(
        _as(client, world.admin), _form(), query=f"?professional={world.other_person.pk}"
    )
    assert response.status_code == 200
    assert "不是本单位的在职人员" in response.content.decode()
    assert not HourRecord.objects.exists()


def test_garbage_professional_parameter_shows_the_picker(client: Client, world: World) -> None:
    response = _as(client, world.admin).get(reverse("records:declare") + "?professional=abc")
    assert response.status_code == 200
    assert "请选择要为其申报学时的在职人员" in response.content.decode()


def test_a_bureau_cannot_reach_the_declaration_form(client: Client, world: World) -> None:
    assert _as(client, world.bureau).get(reverse("records:declare")).status_code == 403


def test_my_records_lists_own_records_by_year_with_their_step(client: Client, world: World) -> None:
    world.declare()
    world.declare(
        content="2015年学术会议",
        start_date=dt.date(2015, 3, 1),
        end_date=dt.date(2015, 3, 2),
        today=dt.date(2015, 9, 1),
        salt=b"x",
    )
    world.declare(world.other_person, content="别人的培训")
    page = _as(client, world.me).get(reverse("records:my_records")).content.decode()
    assert "2014 年度" in page
    assert "2015 年度" in page
    assert "待用人单位审核" in page
    assert "1 份" in page
    assert "别人的培训" not in page
    filtered = client.get(reverse("records:my_records"), {"year": "2015"}).content.decode()
    assert "2015年学术会议" in filtered
    assert "新技术培训" not in filtered
    garbage = client.get(reverse("records:my_records"), {"year": "abc", "page": "x"})
    assert garbage.status_code == 200


def test_my_records_for_an_account_without_a_person(client: Client, world: World) -> None:
    """A professional's role on an account with no registered person: a clear message."""
    user = world.boss.assignment.user
    grant(user, Role.PROFESSIONAL)
    client.force_login(user)
    session = client.session
    session["xueshi_role_id"] = user.role_assignments.get(role=Role.PROFESSIONAL).pk
    session.save()
    response = client.get(reverse("records:my_records"))
    assert response.status_code == 200
    assert "尚未登记为专业技术人员" in response.content.decode()


def test_staff_of_a_new_employer_are_declared_for_by_that_employer_only(
    client: Client, world: World
) -> None:
    """After a change of employer, the former employer can no longer declare for the person."""
    new_employer = EmployerFactory(region_id="440500")
    world.person.employments.update(status="ended", ended_on=dt.date(2015, 1, 1))
    employ(world.person, new_employer)
    response = _post(_as(client, world.admin), _form(), query=f"?professional={world.person.pk}")
    assert "不是本单位的在职人员" in response.content.decode()
    assert not HourRecord.objects.exists()
