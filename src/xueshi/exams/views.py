"""Pages of online exams: a learner's exams, the exam page (saved as they go, the server's
countdown), the result with its explanations and the 成绩单; a publisher's exams, their
settings, question imports and opening. Views parse, call one service or selector, render."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow
from xueshi.accounts.models import Role, User
from xueshi.errors import ServiceError
from xueshi.exams import selectors
from xueshi.exams.excel import template_write
from xueshi.exams.forms import ExamForm, QuestionFileForm
from xueshi.exams.models import Attempt, Exam, Question
from xueshi.exams.services import (
    attempt_answers_save,
    attempt_refresh,
    attempt_start,
    attempt_submit,
    attempt_token,
    exam_create,
    exam_publish,
    question_import,
    transcript_issue,
)
from xueshi.exams.services.attempts import CLOSED, LATE, pass_mark_of
from xueshi.exams.transcripts import transcript_pdf
from xueshi.learning.selectors import progress_of
from xueshi.people.forms import add_service_error
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PAGE_SIZE = 30


def _user(request: RoleRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _learner(request: RoleRequest) -> Professional:
    person = selectors.learner_of(request.active_role)
    if person is None:
        raise Http404("没有专业技术人员档案")
    return person


# -- the learner ----------------------------------------------------------------------------


@allow(Role.PROFESSIONAL)
@require_GET
def my_exams(request: RoleRequest) -> HttpResponse:
    """我的在线考试: the exams open to me, where I stand in each, my transcripts."""
    person = _learner(request)
    exams = list(selectors.exams_open_to(person))
    attempts: dict[int, list[Attempt]] = {}
    for attempt in selectors.attempts_of(person).filter(exam__in=exams):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    rows = []
    for exam in exams:
        own = attempts.get(exam.pk, [])
        scored = [a.score for a in own if a.score is not None]
        rows.append(
            {
                "exam": exam,
                "used": len(own),
                "best": max(scored) if scored else None,
                "passed": next((a for a in own if a.passed), None),
                "open": next((a for a in own if a.is_open), None),
            }
        )
    return render(request, "exams/mine.html", {"rows": rows})


@allow(Role.PROFESSIONAL)
@require_GET
def exam_page(request: RoleRequest, pk: int) -> HttpResponse:
    person = _learner(request)
    exam = selectors.exams_open_to(person).filter(pk=pk).first()
    if exam is None:
        raise Http404("考试不存在")
    own = list(selectors.attempts_of(person, exam).order_by("number"))
    mark, reference = pass_mark_of(exam, person, clock.today())
    progress = progress_of(_user(request), [exam.course])[0]
    return render(
        request,
        "exams/exam.html",
        {
            "exam": exam,
            "attempts": own,
            "left": max(exam.max_attempts - len(own), 0),
            "pass_mark": mark,
            "reference": reference,
            "progress": progress,
            "open": next((a for a in own if a.is_open), None),
            "passed": any(a.passed for a in own),
        },
    )


@allow(Role.PROFESSIONAL)
@require_POST
def start(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        attempt = attempt_start(exam_id=pk, active=request.active_role)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("exams:exam", args=[pk]))
    return HttpResponseRedirect(reverse("exams:attempt", args=[attempt.pk]))


def _result_rows(attempt: Attempt) -> list[dict[str, Any]]:
    questions = Question.objects.in_bulk(attempt.question_ids)
    rows = []
    for number, pk in enumerate(attempt.question_ids, start=1):
        question = questions[pk]
        given = attempt.answers.get(str(pk), "")
        rows.append(
            {
                "number": number,
                "question": question,
                "options": list(zip("ABCDEF", question.options, strict=False)),
                "given": given,
                "right": given == question.answer,
            }
        )
    return rows


@allow(Role.PROFESSIONAL)
@require_GET
def attempt_page(request: RoleRequest, pk: int) -> HttpResponse:
    """The exam while it is open (questions, the server's time left); its result after."""
    try:
        attempt = attempt_refresh(attempt_id=pk, active=request.active_role)
    except ServiceError as exc:
        raise Http404(exc.message) from None
    rows = _result_rows(attempt)
    context: dict[str, Any] = {"attempt": attempt, "exam": attempt.exam, "rows": rows}
    if attempt.is_open:
        left = int((attempt.deadline_at - clock.now()).total_seconds())
        context.update(token=attempt_token(attempt), seconds_left=max(left, 0))
        return render(request, "exams/attempt.html", context)
    credit = getattr(attempt, "credit", None) if attempt.passed else None
    context.update(
        record=HourRecord.objects.filter(pk=credit.record_id).first() if credit else None,
        explained=attempt.exam.shows_explanations,
        late=attempt.status == "timed_out",
    )
    return render(request, "exams/result.html", context)


def _posted_answers(request: RoleRequest) -> dict[str, str]:
    """The form's answers: fields ``q<question id>``, one value or several letters."""
    given: dict[str, str] = {}
    for key in request.POST:
        if key.startswith("q") and key[1:].isdigit():
            given[key[1:]] = "".join(request.POST.getlist(key))[:8]
    return given


@allow(Role.PROFESSIONAL)
@require_POST
def save(request: RoleRequest, pk: int) -> JsonResponse:
    """Save the answers so far (JSON ``{token, answers}``); 400 with the reason."""
    try:
        body = json.loads(request.body or b"{}")
        token, answers = str(body.get("token", "")), body.get("answers", {})
    except (ValueError, AttributeError):
        return JsonResponse({"error": "请求格式无效，未保存。"}, status=400)
    try:
        attempt_answers_save(
            attempt_id=pk, token=token, answers=answers, active=request.active_role
        )
    except ServiceError as exc:
        closed = exc.message in (LATE, CLOSED)
        return JsonResponse({"error": exc.message, "closed": closed}, status=400)
    return JsonResponse({"saved": True, "at": f"{timezone.localtime():%H:%M:%S}"})


@allow(Role.PROFESSIONAL)
@require_POST
def submit(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        attempt = attempt_submit(
            attempt_id=pk,
            token=request.POST.get("token", ""),
            answers=_posted_answers(request),
            active=request.active_role,
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        if attempt.passed:
            messages.success(request, f"交卷成功：{attempt.score} 分，考试合格。")
        else:
            messages.warning(request, f"交卷成功：{attempt.score} 分，未达到合格分数。")
    return HttpResponseRedirect(reverse("exams:attempt", args=[pk]))


@allow(Role.PROFESSIONAL)
@require_POST
def transcript(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        made = transcript_issue(attempt_id=pk, active=request.active_role)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return HttpResponseRedirect(reverse("exams:attempt", args=[pk]))
    return HttpResponseRedirect(reverse("exams:transcript_pdf", args=[made.pk]))


@allow(Role.PROFESSIONAL)
@require_GET
def transcript_download(request: RoleRequest, pk: int) -> HttpResponse:
    found = selectors.transcripts_of(_learner(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("成绩单不存在")
    response = HttpResponse(transcript_pdf(found), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{found.number}.pdf"'
    return response


# -- the publisher --------------------------------------------------------------------------

PUBLISHERS = (Role.BUREAU_STAFF, Role.PROVIDER_STAFF)


@allow(*PUBLISHERS)
@require_GET
def manage(request: RoleRequest) -> HttpResponse:
    """课程考试: the exams of my courses, and my courses without one."""
    courses = selectors.courses_managed(request.active_role).order_by("-year", "title", "id")
    exams = {e.course_id: e for e in selectors.exams_managed(request.active_role)}
    page = Paginator(list(courses), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(course, exams.get(course.pk)) for course in page]
    return render(request, "exams/manage.html", {"rows": rows, "page": page})


@allow(*PUBLISHERS)
@require_http_methods(["GET", "POST"])
def manage_create(request: RoleRequest, course: int) -> HttpResponse:
    found = selectors.courses_managed(request.active_role).filter(pk=course).first()
    if found is None:
        raise Http404("课程不存在")
    form = ExamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exam = exam_create(
                course_id=found.pk,
                actor=_user(request),
                active=request.active_role,
                **form.cleaned_data,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, "已创建考试，请导入试题后开放。")
            return HttpResponseRedirect(reverse("exams:manage_exam", args=[exam.pk]))
    return render(request, "exams/manage_create.html", {"course": found, "form": form})


@allow(*PUBLISHERS)
@require_http_methods(["GET", "POST"])
def manage_exam(request: RoleRequest, pk: int) -> HttpResponse:
    """One exam: its settings, its bank (a page at a time), imports with their reports."""
    exam: Exam | None = selectors.exams_managed(request.active_role).filter(pk=pk).first()
    if exam is None:
        raise Http404("考试不存在")
    form = QuestionFileForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            batch = question_import(
                exam_id=exam.pk,
                upload=form.cleaned_data["file"],
                actor=_user(request),
                active=request.active_role,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
        else:
            report = batch
            if batch.accepted:
                messages.success(
                    request, f"已导入：新增 {batch.created} 道，已有 {batch.unchanged} 道。"
                )
            else:
                messages.error(
                    request, "文件中有错误，整份文件未导入。请按校验报告修改后重新上传。"
                )
    questions = Paginator(exam.questions.order_by("id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "exams/manage_exam.html",
        {
            "exam": exam,
            "form": form,
            "report": report,
            "questions": questions,
            "imports": exam.imports.select_related("uploaded_by")[:10],
            "bank_size": exam.questions.filter(active=True).count(),
        },
    )


@allow(*PUBLISHERS)
@require_POST
def manage_publish(request: RoleRequest, pk: int) -> HttpResponse:
    try:
        exam_publish(exam_id=pk, actor=_user(request), active=request.active_role)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "考试已开放，学完课程的专业技术人员可以参加。")
    return HttpResponseRedirect(reverse("exams:manage_exam", args=[pk]))


@allow(*PUBLISHERS)
@require_GET
def question_template(request: RoleRequest) -> HttpResponse:
    response = HttpResponse(template_write(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E8%AF%95%E9%A2%98%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
