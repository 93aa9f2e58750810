"""The exam pages through the client, as each role: deny by default, the learner's journey
through the forms, explanations only when the exam allows them, the publisher's import."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.exams.conftest import World, answers, started, xlsx
from xueshi.accounts.access import ActiveRole
from xueshi.exams.models import Attempt, Question

pytestmark = pytest.mark.django_db


def client_of(active: ActiveRole) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def test_the_learner_takes_the_exam_through_the_pages(guangde: World) -> None:
    _, me = guangde.learner()
    client = client_of(me)
    listing = client.get("/exams/").content.decode()
    assert guangde.exam.title in listing
    page = client.get(f"/exams/{guangde.exam.pk}/").content.decode()
    assert "合格分数：60 分" in page
    assert "三(一)" in page
    response = client.post(f"/exams/{guangde.exam.pk}/start/")
    attempt = Attempt.objects.get(professional__user=me.assignment.user)
    assert response["Location"] == f"/exams/attempts/{attempt.pk}/"
    sheet = client.get(response["Location"]).content.decode()
    for pk in attempt.question_ids:
        assert f'name="q{pk}"' in sheet
    token = sheet.split('name="token" value="')[1].split('"')[0]
    given = answers(attempt)
    saved = client.post(
        f"/exams/attempts/{attempt.pk}/save",
        data={"token": token, "answers": dict(list(given.items())[:2])},
        content_type="application/json",
    )
    assert saved.status_code == 200
    form = {"token": token} | {f"q{k}": list(v) for k, v in given.items()}
    client.post(f"/exams/attempts/{attempt.pk}/submit/", form)
    result = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert "100.0 分" in result
    assert "合格" in result
    assert "请打印成绩单，由人社部门验证登记后计入" in result
    assert "解析1" in result or "解析2" in result or "解析3" in result
    pdf = client.post(f"/exams/attempts/{attempt.pk}/transcript/", follow=True)
    assert pdf["Content-Type"] == "application/pdf"


def test_a_save_with_an_undrawn_question_answers_400_in_chinese(guangde: World) -> None:
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    stranger = Question.objects.exclude(pk__in=attempt.question_ids).first()
    assert stranger is not None
    response = client_of(me).post(
        f"/exams/attempts/{attempt.pk}/save",
        data={"token": token, "answers": {str(stranger.pk): "A"}},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "不属于本次考试抽到的试题" in response.json()["error"]


def test_explanations_are_hidden_when_the_exam_says_so(guangde: World) -> None:
    guangde.exam.shows_explanations = False
    guangde.exam.save()
    _, me = guangde.learner()
    attempt, token = started(guangde, me)
    client = client_of(me)
    client.post(f"/exams/attempts/{attempt.pk}/submit/", {"token": token})
    result = client.get(f"/exams/attempts/{attempt.pk}/").content.decode()
    assert "0.0 分" in result
    assert "解析1" not in result
    assert "不公布答案与解析" in result


def test_roles_are_denied_what_is_not_theirs(guangde: World) -> None:
    _, me = guangde.learner()
    _, other = guangde.learner()
    attempt, _ = started(guangde, me)
    assert client_of(guangde.bureau).get("/exams/").status_code == 403
    assert client_of(me).get("/exams/manage/").status_code == 403
    assert client_of(other).get(f"/exams/attempts/{attempt.pk}/").status_code == 404
    assert Client().get("/exams/").status_code in (302, 403)


def test_the_publisher_imports_a_file_and_sees_each_rows_result(guangde: World) -> None:
    client = client_of(guangde.bureau)
    assert guangde.exam.title in client.get("/exams/manage/").content.decode()
    upload = xlsx([["单选题", "新题？", "甲", "乙", None, None, "C", ""]])
    page = client.post(f"/exams/manage/{guangde.exam.pk}/", {"file": upload}).content.decode()
    assert "答案“C”无效，应为 A–B 中的字母" in page
    assert "整份文件未导入" in page
    template = client.get("/exams/manage/template.xlsx")
    assert template.status_code == 200
    assert template.content.startswith(b"PK")
