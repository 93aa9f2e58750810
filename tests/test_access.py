"""Every URL of the project, walked as an anonymous visitor and as every role.

The URLs are discovered at run time from the resolver, so a page added tomorrow is walked
too. For every page:

- no request (GET, or a POST with no data) ends in a server error;
- an anonymous visitor of a page that is not ``@public`` is sent to the login page (or
  refused with 403);
- a signed-in user whose active role the page does not ``@allow`` is refused with 403;
- a page that declares no access at all answers 403 to everyone (deny by default).

Path arguments are filled with the ids of real objects (a professional's employment, an
hour record, a class…), then with an id that does not exist; string arguments with a
region code. Expectations role by role are given only for the people and catalogue pages
(``OWN_PAGES``); every other page is held to the general rules above.

Django's admin is left out: it guards itself with ``is_staff`` (tests/people/test_admin.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.converters import IntConverter, UUIDConverter
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize
from django.views import View

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    employ,
    grant,
    regions,
)
from xueshi.accounts.access import AccessMiddleware, public
from xueshi.accounts.models import Role, User
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.people.models import Employment, EmploymentStatus
from xueshi.records.services import hour_record_declare
from xueshi.training.models import ClassPlan, Enrollment

pytestmark = pytest.mark.django_db

ANONYMOUS = "anonymous"
NO_ROLE = "no_role"
WHO = (ANONYMOUS, NO_ROLE, *Role)
MISSING_ID = 987654321
STRING_VALUE = "440500"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- discovering the URLs --------------------------------------------------------------


@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:name", or the route when the pattern has no name
    parts: tuple[Any, ...]  # the patterns from the root down to this one
    callback: Callable[..., Any]
    app_names: tuple[str, ...]

    def __str__(self) -> str:
        return self.name


def _endpoints(
    patterns: list[Any],
    parts: tuple[Any, ...] = (),
    namespaces: tuple[str, ...] = (),
    app_names: tuple[str, ...] = (),
) -> Iterator[Endpoint]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            spaces = (*namespaces, entry.namespace) if entry.namespace else namespaces
            apps = (*app_names, entry.app_name) if entry.app_name else app_names
            yield from _endpoints(entry.url_patterns, (*parts, entry.pattern), spaces, apps)
        elif isinstance(entry, URLPattern):
            chain = (*parts, entry.pattern)
            label = ":".join((*namespaces, entry.name)) if entry.name else _route(chain)
            yield Endpoint(label, chain, entry.callback, app_names)


def _route(chain: tuple[Any, ...]) -> str:
    return "".join(str(p) for p in chain)


def project_endpoints() -> list[Endpoint]:
    """Every URL pattern of the project, except Django's admin and the modules that guard
    themselves (as AccessMiddleware exempts them)."""
    found = []
    for endpoint in _endpoints(get_resolver().url_patterns):
        if "admin" in endpoint.app_names:
            continue
        module = getattr(endpoint.callback, "__module__", "") or ""
        if module.startswith(AccessMiddleware.EXEMPT_MODULES) or getattr(
            endpoint.callback, "admin_site", None
        ):
            continue
        found.append(endpoint)
    return found


def declared_access(callback: Callable[..., Any]) -> str | frozenset[Role] | None:
    """What the view declares, read the way AccessMiddleware reads it: "public", "signed_in",
    the roles it allows, or None (nothing: denied to everyone)."""
    target = getattr(callback, "view_class", callback)
    if getattr(callback, "xueshi_public", False) or getattr(target, "xueshi_public", False):
        return "public"
    roles = getattr(callback, "xueshi_roles", None) or getattr(target, "xueshi_roles", None)
    if roles is None:
        return None
    if getattr(callback, "xueshi_any_role", False):
        return "signed_in"
    return frozenset(roles)


_ROUTE_PARAM = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")


def _fill_route(pattern: RoutePattern, int_value: int) -> str:
    def value(match: re.Match[str]) -> str:
        converter = pattern.converters[match.group("name")]
        if isinstance(converter, IntConverter):
            return str(converter.to_url(int_value))
        if isinstance(converter, UUIDConverter):
            return "12345678-1234-5678-1234-567812345678"
        return STRING_VALUE

    return _ROUTE_PARAM.sub(value, str(pattern))


def _fill_regex(pattern: RegexPattern, int_value: int) -> str:
    for template, params in normalize(pattern.regex.pattern):
        for candidate in (str(int_value), STRING_VALUE, "x"):
            text = template % dict.fromkeys(params, candidate)
            if pattern.regex.fullmatch(text) or pattern.regex.match(text):
                return text
    return ""


def has_int_argument(endpoint: Endpoint) -> bool:
    return any(
        isinstance(c, IntConverter)
        for p in endpoint.parts
        if isinstance(p, RoutePattern)
        for c in p.converters.values()
    ) or any(isinstance(p, RegexPattern) and p.regex.groups for p in endpoint.parts)


def url_of(endpoint: Endpoint, int_value: int) -> str:
    pieces = []
    for pattern in endpoint.parts:
        if isinstance(pattern, RoutePattern):
            pieces.append(_fill_route(pattern, int_value))
        elif isinstance(pattern, RegexPattern):
            pieces.append(_fill_regex(pattern, int_value))
        else:  # LocalePrefixPattern and the like
            pieces.append(str(pattern))
    return "/" + "".join(pieces)


# --- the people who walk ---------------------------------------------------------------


@dataclass
class World:
    users: dict[str, User | None]
    ids: list[int]  # real object ids to put into the URLs
    objects: dict[str, models.Model]


@pytest.fixture
def world(settings: Any) -> World:
    """One user per role, each with a proper scope, and real objects for the URLs: an
    employer with its staff member and a pending request, a provider with a class and its
    learner, an authority, public subjects and guides, a declared hour record."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    regions()
    employer = EmployerFactory(name="汕头市第一中学", region_id="440500")
    provider = ProviderFactory(name="汕头市行政学院", region_id="440500", sectors=["engineering"])
    authority = AuthorityFactory(region_id="440500", series=["health", "teacher"])
    person = employ(ProfessionalFactory(full_name="陈静", region_id="440500"), employer)
    applicant = ProfessionalFactory(full_name="林申请", region_id="440500")
    request = Employment.objects.create(professional=applicant, employer=employer)

    users: dict[str, User | None] = {ANONYMOUS: None, NO_ROLE: UserFactory()}
    users[Role.PROFESSIONAL] = person.user
    scopes: dict[Role, dict[str, Any]] = {
        Role.EMPLOYER_ADMIN: {"employer": employer},
        Role.EMPLOYER_REVIEWER: {"employer": employer},
        Role.PROVIDER_STAFF: {"provider": provider},
        Role.AUTHORITY_REVIEWER: {"authority": authority},
        Role.BUREAU_STAFF: {"region_id": "440500"},
        Role.SYSADMIN: {},
        Role.SECURITY_ADMIN: {},
        Role.AUDIT_ADMIN: {},
    }
    me = grant(person.user, Role.PROFESSIONAL)
    grant(applicant.user, Role.PROFESSIONAL)
    for role, scope in scopes.items():
        users[role] = UserFactory()
        grant(users[role], role, **scope)

    plan = ClassPlan.objects.create(
        provider=provider,
        region_id="440500",
        title="专业技术人员创新能力建设",
        category="public",
        start_date=dt.date(2014, 6, 2),
        end_date=dt.date(2014, 6, 4),
        hours=Decimal(20),
        status="approved",
    )
    enrollment = Enrollment.objects.create(class_plan=plan, professional=person)
    record = hour_record_declare(
        actor=person.user,
        active=me,
        professional=person,
        category="professional",
        content="新技术培训",
        hours=Decimal(42),
        start_date=dt.date(2014, 6, 2),
        end_date=dt.date(2014, 6, 8),
        evidence=[SimpleUploadedFile("证明.pdf", PDF, content_type="application/pdf")],
        today=dt.date(2014, 9, 1),
    )
    subject = PublicSubject.objects.create(
        region_id="440500", for_year=2014, title="职业道德与诚信建设", hours=Decimal(20)
    )
    guide = SubjectGuide.objects.create(
        authority=authority, year=2014, series="health", title="卫生系列专业科目指南"
    )
    current = Employment.objects.get(professional=person, status=EmploymentStatus.ACTIVE)
    objects: dict[str, models.Model] = {
        "employment": current,
        "request": request,
        "employer": employer,
        "provider": provider,
        "authority": authority,
        "class_plan": plan,
        "enrollment": enrollment,
        "record": record,
        "subject": subject,
        "guide": guide,
        "professional": person,
    }
    objects.update({f"evidence{i}": e for i, e in enumerate(record.evidence.all())})
    ids = sorted({int(o.pk) for o in objects.values()})
    return World(users=users, ids=ids, objects=objects)


def _client(world: World, who: str) -> Client:
    client = Client(raise_request_exception=True)
    user = world.users[who]
    if user is not None:
        user.refresh_from_db()  # a POST of the walk may have reset its password
        client.force_login(user)
    return client


# --- the walk ------------------------------------------------------------------------


@dataclass
class Answer:
    who: str
    method: str
    url: str
    endpoint: Endpoint
    status: int | None
    location: str
    error: str

    def __str__(self) -> str:
        outcome = self.error or f"{self.status} {self.location}".strip()
        return f"{self.method} {self.url} ({self.endpoint}) as {self.who}: {outcome}"


def _ask(client: Client, method: str, url: str) -> tuple[int | None, str, str]:
    try:
        response = client.get(url) if method == "GET" else client.post(url, {})
    except Exception as error:  # the walk reports every failure, not just the first
        return None, "", f"{type(error).__name__}: {error}"
    return response.status_code, response.get("Location", ""), ""


def _may_enter(access: str | frozenset[Role] | None, who: str) -> bool:
    if access == "public":
        return True
    if access is None or who == ANONYMOUS:
        return False
    if access == "signed_in":
        return True
    return who != NO_ROLE and Role(who) in access


def walk(world: World, endpoints: list[Endpoint]) -> list[Answer]:
    """Every endpoint, as everyone; GETs first, then empty POSTs (which may change data)."""
    answers = []
    for method in ("GET", "POST"):
        for endpoint in endpoints:
            access = declared_access(endpoint.callback)
            for who in WHO:
                # Those the view does not let in are turned away before it runs: one URL
                # shows it. Those it lets in try every real id and one that does not exist.
                values = [1]
                if _may_enter(access, who) and has_int_argument(endpoint):
                    values = [*world.ids, MISSING_ID]
                for value in values:
                    url = url_of(endpoint, value)
                    # A fresh sign-in each time: a POST may sign out or switch the role.
                    status, location, error = _ask(_client(world, who), method, url)
                    answers.append(Answer(who, method, url, endpoint, status, location, error))
    return answers


def _login_url() -> str:
    return str(resolve_url(settings.LOGIN_URL))


def test_every_url_as_everyone(world: World) -> None:
    """No server error anywhere; anonymous visitors are sent to log in; roles a page does not
    allow are refused; pages that declare nothing are refused to everyone."""
    endpoints = project_endpoints()
    assert any(e.name == "people:register" for e in endpoints)
    login = _login_url()
    failures = []
    for answer in walk(world, endpoints):
        access = declared_access(answer.endpoint.callback)
        if answer.error or (answer.status or 500) >= 500:
            failures.append(f"server error: {answer}")
        elif answer.who == ANONYMOUS and access != "public":
            sent_to_login = answer.status == 302 and answer.location.startswith(login)
            if not (sent_to_login or answer.status == 403):
                failures.append(f"anonymous not sent to log in: {answer}")
        elif access is None and answer.status != 403:
            failures.append(f"undeclared page not refused: {answer}")
        elif not _may_enter(access, answer.who) and answer.status != 403:
            failures.append(f"role not allowed but not refused: {answer}")
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures)


def test_every_page_of_the_project_declares_who_may_reach_it() -> None:
    """Deny by default answers 403 for a page without a declaration; this names the page, so
    whoever added it sees why it is unreachable."""
    undeclared = [str(e) for e in project_endpoints() if declared_access(e.callback) is None]
    assert undeclared == []


# --- expectations for the people and catalogue pages ----------------------------------

SIGNED_IN = tuple(w for w in WHO if w != ANONYMOUS)
EMPLOYER = (Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER)

# (url name, object whose id is the argument, who gets 200, who gets 302). Everyone else:
# anonymous → the login page, the others → 403.
OWN_PAGES: list[tuple[str, str | None, tuple[str, ...], tuple[str, ...]]] = [
    ("people:register", None, (ANONYMOUS,), SIGNED_IN),
    ("people:employer_register", None, (ANONYMOUS,), SIGNED_IN),
    ("people:my_employment", None, (Role.PROFESSIONAL,), ()),
    ("people:employment_leave", "employment", (Role.PROFESSIONAL,), ()),
    ("people:employer_staff", None, EMPLOYER, ()),
    ("people:employment_decline", "request", EMPLOYER, ()),
    ("people:employer_reviewer_add", None, (Role.EMPLOYER_ADMIN,), ()),
    ("catalogue:public_subjects", None, SIGNED_IN, ()),
    ("catalogue:public_subject_add", None, (Role.BUREAU_STAFF,), ()),
    ("catalogue:guides", None, SIGNED_IN, ()),
    ("catalogue:guide_add", None, (Role.AUTHORITY_REVIEWER,), ()),
    ("catalogue:providers", None, SIGNED_IN, ()),
    ("catalogue:provider_status", "provider", (Role.BUREAU_STAFF,), ()),
]


@pytest.mark.parametrize(("name", "target", "ok", "redirected"), OWN_PAGES)
def test_people_and_catalogue_pages_role_by_role(
    world: World, name: str, target: str | None, ok: tuple[str, ...], redirected: tuple[str, ...]
) -> None:
    from django.urls import reverse

    args = [world.objects[target].pk] if target else []
    url = reverse(name, args=args)
    login = _login_url()
    got = {}
    for who in WHO:
        response = _client(world, who).get(url)
        got[who] = response.status_code
        if who in ok:
            assert response.status_code == 200, (who, response.status_code)
        elif who in redirected:
            assert response.status_code == 302, (who, response.status_code)
        elif who == ANONYMOUS:
            assert response.status_code == 302, (who, response.status_code)
            assert response["Location"].startswith(login)
        else:
            assert response.status_code == 403, (who, response.status_code)
    assert set(got) == set(WHO)


def test_post_only_actions_refuse_other_roles_and_change_nothing(world: World) -> None:
    from django.urls import reverse

    request = Employment.objects.get(pk=world.objects["request"].pk)
    accept = reverse("people:employment_accept", args=[request.pk])
    for who in (Role.PROFESSIONAL, Role.PROVIDER_STAFF, Role.BUREAU_STAFF, Role.SYSADMIN):
        assert _client(world, who).post(accept).status_code == 403
    assert _client(world, ANONYMOUS).post(accept).status_code == 302
    request.refresh_from_db()
    assert request.status == EmploymentStatus.REQUESTED
    assert _client(world, Role.EMPLOYER_REVIEWER).post(accept).status_code == 302
    request.refresh_from_db()
    assert request.status == EmploymentStatus.ACTIVE


# --- deny by default, shown on a throwaway page ------------------------------------------


def undeclared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("secret")


class UndeclaredPage(View):
    def get(self, request: HttpRequest) -> HttpResponse:
        return HttpResponse("secret")


@public
def declared_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("open")


urlpatterns = [
    path("undeclared/", undeclared_view, name="undeclared"),
    path("undeclared-class/", UndeclaredPage.as_view(), name="undeclared_class"),
    path("declared/", declared_view, name="declared"),
    path("accounts/", include("xueshi.accounts.urls")),
]


@override_settings(ROOT_URLCONF=__name__)
def test_a_page_that_declares_no_access_is_refused_to_everyone(world: World) -> None:
    for who in WHO:
        client = _client(world, who)
        for url in ("/undeclared/", "/undeclared-class/"):
            response = client.get(url)
            assert response.status_code == 403, (who, url)
            assert b"secret" not in response.content
        assert client.get("/declared/").content == b"open"
    names = {e.name for e in project_endpoints()}
    assert {"undeclared", "undeclared_class", "declared"} <= names
    undeclared = {e.name for e in project_endpoints() if declared_access(e.callback) is None}
    assert undeclared == {"undeclared", "undeclared_class"}


@pytest.mark.django_db
def test_a_page_reads_the_role_assignments_once() -> None:
    """The access check and the navigation's role switcher share one read of the user's
    role assignments; the switcher still lists them all."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    regions()
    user = UserFactory()
    grant(user, Role.BUREAU_STAFF, region_id="440500")
    grant(user, Role.BUREAU_STAFF, region_id="350504")
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(resolve_url("web:policy"))
    assert response.status_code == 200
    reads = [q["sql"] for q in queries if 'FROM "accounts_roleassignment"' in q["sql"]]
    assert len(reads) == 1, reads
    assert len(response.context["role_choices"]) == 2
