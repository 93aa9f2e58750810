"""Pages of online learning: a learner's courses, the player and its heartbeats, the
heartbeat trail; a publisher's courses and lessons; the bureau's study flags."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi import clock
from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role, User
from xueshi.audit.context import current_client_address
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.learning import courses as course_services
from xueshi.learning import selectors
from xueshi.learning.forms import CourseForm, FlagClearForm, LessonForm
from xueshi.learning.media import ranged_response
from xueshi.learning.models import Course, Lesson, LessonProgress, StudyFlag
from xueshi.learning.study import media_fetched, study_heartbeat, study_start
from xueshi.people.forms import add_service_error
from xueshi.records.models import FlagStatus
from xueshi.rules.study import CreditReason

PAGE_SIZE = 30
TRAIL_PAGE_SIZE = 100


def _user(request: RoleRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _ip() -> str | None:
    return current_client_address() or None


def _year(request: RoleRequest) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else clock.year()


# -- the learner --------------------------------------------------------------------------


@allow(Role.PROFESSIONAL)
@require_GET
def my_learning(request: RoleRequest) -> HttpResponse:
    """我的网络学习: the courses that count for me this year, and how far I am."""
    person = selectors.professional_of(_user(request))
    year = _year(request)
    rule = selectors.online_rule(person.region_id, year) if person else None
    found = selectors.courses_for(person, year) if person else []
    return render(
        request,
        "learning/mine.html",
        {
            "year": year,
            "years": range(clock.year(), clock.year() - 6, -1),
            "rule": rule,
            "rows": selectors.progress_of(_user(request), found),
        },
    )


def _studyable(request: RoleRequest, course: Course) -> None:
    person = selectors.professional_of(_user(request))
    if person is None or not any(
        c.pk == course.pk for c in selectors.courses_for(person, course.year)
    ):
        raise Http404("没有找到该课程。")


@allow(Role.PROFESSIONAL)
@require_GET
def course_page(request: RoleRequest, pk: int) -> HttpResponse:
    course = get_object_or_404(
        Course.objects.select_related("region", "publisher_region", "publisher_provider"), pk=pk
    )
    _studyable(request, course)
    lessons = list(course.lessons.order_by("order"))
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(user=_user(request), lesson__in=lessons)
    }
    rows = [(lesson, progress.get(lesson.pk)) for lesson in lessons]
    summary = selectors.progress_of(_user(request), [course])[0]
    return render(
        request,
        "learning/course.html",
        {
            "course": course,
            "rows": rows,
            "summary": summary,
            "publisher": selectors.publisher_name(course),
        },
    )


def _lesson(request: RoleRequest, pk: int) -> Lesson:
    lesson = get_object_or_404(Lesson.objects.select_related("course__region"), pk=pk)
    _studyable(request, lesson.course)
    return lesson


@allow(Role.PROFESSIONAL)
@require_GET
def lesson_page(request: RoleRequest, pk: int) -> HttpResponse:
    """The player: the page asks the server for a heartbeat token when playing starts."""
    lesson = _lesson(request, pk)
    progress = LessonProgress.objects.filter(user=_user(request), lesson=lesson).first()
    siblings = list(lesson.course.lessons.order_by("order").only("pk", "order", "title"))
    index = next(i for i, x in enumerate(siblings) if x.pk == lesson.pk)
    return render(
        request,
        "learning/lesson.html",
        {
            "lesson": lesson,
            "course": lesson.course,
            "progress": progress,
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
            "heartbeat_seconds": settings.XUESHI_STUDY_HEARTBEAT_SECONDS,
        },
    )


@allow(Role.PROFESSIONAL, Role.BUREAU_STAFF, Role.PROVIDER_STAFF)
@require_GET
def lesson_media(request: RoleRequest, pk: int) -> HttpResponseBase:
    """The lesson's file, with range requests (a player seeks by asking for a range). A
    learner's fetches are recorded: a lesson never fetched earns nothing."""
    active = require_active_role(request)
    lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
    if active.role == Role.PROFESSIONAL:
        _studyable(request, lesson.course)
    elif not selectors.may_manage(active, lesson.course):
        raise Http404("没有找到该课时。")
    try:
        handle = lesson.file.open("rb")
    except FileNotFoundError:
        raise Http404("课时文件不存在。") from None
    response, last = ranged_response(
        handle,
        size=lesson.size,
        content_type=lesson.content_type,
        range_header=request.headers.get("Range", ""),
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["Content-Disposition"] = "inline"
    # A PDF lesson shows in a frame of the lesson's page (django-csp reads ``_csp_update``).
    response["X-Frame-Options"] = "SAMEORIGIN"
    setattr(response, "_csp_update", {"frame-ancestors": ["'self'"]})  # noqa: B010
    if last >= 0 and active.role == Role.PROFESSIONAL:
        media_fetched(user=_user(request), lesson=lesson, last_byte=last)
    return response


def _json(request: RoleRequest) -> dict[str, Any]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@allow(Role.PROFESSIONAL)
@require_POST
def start(request: RoleRequest, pk: int) -> JsonResponse:
    """Open the lesson on this account (ending any other) and hand out the first token."""
    lesson = get_object_or_404(Lesson.objects.select_related("course"), pk=pk)
    try:
        _, token = study_start(
            user=_user(request),
            lesson=lesson,
            ip_address=_ip(),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ServiceError as error:
        return JsonResponse({"ok": False, "message": error.message}, status=403)
    return JsonResponse(
        {"ok": True, "token": token, "every": settings.XUESHI_STUDY_HEARTBEAT_SECONDS}
    )


@allow(Role.PROFESSIONAL)
@require_POST
def heartbeat(request: RoleRequest) -> JsonResponse:
    """Spend a heartbeat token. Only the token, the position and whether the lesson plays
    and is visible are read; anything else the browser sends (``completed``…) is ignored."""
    data = _json(request)
    answer = study_heartbeat(
        user=_user(request),
        token=str(data.get("token", "")),
        position=data.get("position"),
        playing=data.get("playing") is True,
        visible=data.get("visible") is True,
        ip_address=_ip(),
    )
    body: dict[str, Any] = {"ok": answer.ok, "message": answer.message}
    if answer.ok:
        body.update(
            token=answer.token,
            credited=round(answer.credited_seconds, 1),
            total=round(answer.total_seconds, 1),
            furthest=round(answer.furthest_seconds, 1),
            complete=answer.complete,
        )
    else:
        body["code"] = answer.code
    return JsonResponse(body, status=200 if answer.ok else 409)


def _trail_rows(page: Any) -> list[dict[str, Any]]:
    return [{"beat": beat, "reason": CreditReason(beat.reason).label} for beat in page.object_list]


@allow(Role.PROFESSIONAL)
@require_GET
def lesson_trail(request: RoleRequest, pk: int) -> HttpResponse:
    """学时明细: every heartbeat of mine in this lesson and what it earned, and why."""
    lesson = _lesson(request, pk)
    trail = selectors.trail_of(_user(request), lesson)
    page = Paginator(trail, TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/trail.html",
        {
            "lesson": lesson,
            "page": page,
            "rows": _trail_rows(page),
            "progress": LessonProgress.objects.filter(user=_user(request), lesson=lesson).first(),
        },
    )


# -- the publisher ------------------------------------------------------------------------


def _region_codes(request: RoleRequest) -> list[str]:
    active = require_active_role(request)
    a = active.assignment
    region = a.region if a.region is not None else (a.provider.region if a.provider else None)
    return selectors.region_codes(region) if region is not None else []


@allow(Role.BUREAU_STAFF, Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def manage_courses(request: RoleRequest) -> HttpResponse:
    """网络课程: the courses I publish, and a new one."""
    active = require_active_role(request)
    form = CourseForm(
        request.POST or None,
        region_codes=_region_codes(request),
        initial={"year": clock.year()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = course_services.course_create(
                actor=_user(request),
                active=active,
                title=form.cleaned_data["title"],
                year=form.cleaned_data["year"],
                hours=form.cleaned_data["hours"],
                subject=form.cleaned_data["subject"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已创建课程“{course.title}”，请上传课时后发布。")
            return HttpResponseRedirect(reverse("learning:manage_course", args=[course.pk]))
    page = Paginator(
        selectors.managed_courses(active).order_by("-year", "title", "id"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(request, "learning/manage.html", {"form": form, "page": page})


def _managed(request: RoleRequest, pk: int) -> Course:
    course = get_object_or_404(Course.objects.select_related("region"), pk=pk)
    if not selectors.may_manage(require_active_role(request), course):
        raise Http404("没有找到该课程。")
    return course


@allow(Role.BUREAU_STAFF, Role.PROVIDER_STAFF)
@require_http_methods(["GET", "POST"])
def manage_course(request: RoleRequest, pk: int) -> HttpResponse:
    """One course: its lessons, a lesson upload, publishing."""
    course = _managed(request, pk)
    form = LessonForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        minutes = form.cleaned_data["duration_minutes"]
        try:
            lesson = course_services.lesson_add(
                actor=_user(request),
                active=require_active_role(request),
                course=course,
                title=form.cleaned_data["title"],
                kind=form.cleaned_data["kind"],
                duration_seconds=max(1, round(minutes * 60)),
                upload=form.cleaned_data["file"],
            )
        except ServiceError as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"已上传课时“{lesson.title}”。")
            return HttpResponseRedirect(reverse("learning:manage_course", args=[course.pk]))
    rule = selectors.online_rule(course.region_id, course.year)
    return render(
        request,
        "learning/manage_course.html",
        {
            "course": course,
            "lessons": course.lessons.order_by("order"),
            "form": form,
            "rule": rule,
            "counts": selectors.counts_under(course, rule),
        },
    )


@allow(Role.BUREAU_STAFF, Role.PROVIDER_STAFF)
@require_POST
def manage_publish(request: RoleRequest, pk: int) -> HttpResponse:
    course = _managed(request, pk)
    try:
        course_services.course_publish(
            actor=_user(request), active=require_active_role(request), course=course
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"课程“{course.title}”已发布。")
    return HttpResponseRedirect(reverse("learning:manage_course", args=[course.pk]))


# -- the bureau's flags --------------------------------------------------------------------


@allow(Role.BUREAU_STAFF)
@require_GET
def flags(request: RoleRequest) -> HttpResponse:
    """学习疑点: flags of learners in my region, open ones first."""
    found = selectors.flags_for(require_active_role(request))
    status = request.GET.get("status", FlagStatus.OPEN)
    if status in FlagStatus.values:
        found = found.filter(status=status)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/flags.html",
        {"page": page, "status": status, "statuses": FlagStatus.choices},
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def flag_page(request: RoleRequest, pk: int) -> HttpResponse:
    """One flag: the session's heartbeat trail, and clearing it with a comment."""
    active = require_active_role(request)
    flag = get_object_or_404(selectors.flags_for(active), pk=pk)
    form = FlagClearForm(request.POST or None)
    if request.method == "POST":
        if flag.status != FlagStatus.OPEN:
            raise PermissionDenied("该疑点已核实。")
        if form.is_valid():
            with transaction.atomic():
                locked = StudyFlag.objects.select_for_update().get(pk=flag.pk)
                if locked.status == FlagStatus.OPEN:
                    locked.status = FlagStatus.CLEARED
                    locked.cleared_by = _user(request)
                    locked.cleared_at = timezone.now()
                    locked.comment = form.cleaned_data["comment"]
                    locked.save(update_fields=["status", "cleared_by", "cleared_at", "comment"])
                    audit_event_write(
                        actor=_user(request), role=active.role, action="learning.flag_clear",
                        target=locked, from_status="open", to_status="cleared",
                        comment=locked.comment,
                    )  # fmt: skip
            messages.success(request, "已核实并排除该疑点。")
            return HttpResponseRedirect(reverse("learning:flags"))
    trail = (
        flag.session.heartbeats.order_by("received_at", "id")
        if flag.session
        else StudyFlag.objects.none()
    )
    page = Paginator(trail, TRAIL_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "learning/flag.html",
        {"flag": flag, "form": form, "page": page, "rows": _trail_rows(page)},
    )
