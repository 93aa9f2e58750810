"""Access denied by default.

A view is reachable only if it says who may reach it: ``@public`` (anyone, e.g. the policy
lookup and the login page) or ``@allow(Role.X, …)`` (signed-in users whose *active* role is
one of those). A view that says nothing answers 403. ``AccessMiddleware`` enforces this for
every URL; tests/test_access.py walks every URL as every role.

What a role may see *inside* a view is the selectors' job: they take the active role and
return only its scope (an employer's staff, a bureau's region and below…).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django_htmx.middleware import HtmxDetails

from xueshi.accounts.models import Role, RoleAssignment, User

View = TypeVar("View", bound=Callable[..., Any])

SESSION_KEY = "xueshi_role_id"


def public(view: View) -> View:
    """Anyone may reach this view, signed in or not."""
    view.xueshi_public = True  # type: ignore[attr-defined]
    return view


def allow(*roles: Role) -> Callable[[View], View]:
    """Signed-in users whose active role is one of ``roles`` may reach this view."""

    def decorate(view: View) -> View:
        view.xueshi_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def signed_in(view: View) -> View:
    """Any signed-in user, whatever their role (their own account pages)."""
    view.xueshi_roles = frozenset(Role)  # type: ignore[attr-defined]
    view.xueshi_any_role = True  # type: ignore[attr-defined]
    return view


@dataclass(frozen=True)
class ActiveRole:
    """The role a user acts in for this request, and what scopes it."""

    assignment: RoleAssignment

    @property
    def role(self) -> Role:
        return Role(self.assignment.role)

    @property
    def label(self) -> str:
        return str(self.assignment)


class XueshiRequest(HttpRequest):
    """A request as the views receive it: what ``AccessMiddleware`` and django-htmx's
    middleware add, typed (views annotate ``request: XueshiRequest``; never instantiated)."""

    active_role: ActiveRole | None
    htmx: HtmxDetails
    _xueshi_assignments: list[RoleAssignment]


class SignedInRequest(XueshiRequest):
    """A request to a view that declares its roles (``@allow``, ``@signed_in``): the access
    middleware has made sure someone is signed in, so ``user`` is a ``User``."""

    user: User


class RoleRequest(SignedInRequest):
    """A request to a view that allows certain roles (``@allow``): the middleware has let it
    through only in one of them, so ``active_role`` is set."""

    active_role: ActiveRole


def role_assignments(request: HttpRequest) -> list[RoleAssignment]:
    """The signed-in user's role assignments, read once per request (the access check and
    the navigation's role switcher both need them)."""
    cached: list[RoleAssignment] | None = getattr(request, "_xueshi_assignments", None)
    if cached is not None:
        return cached
    user = request.user
    assignments = (
        list(
            RoleAssignment.objects.filter(user=user)
            .select_related("region", "employer", "provider", "authority")
            .order_by("id")
        )
        if user.is_authenticated
        else []
    )
    cast(XueshiRequest, request)._xueshi_assignments = assignments
    return assignments


def active_role(request: HttpRequest) -> ActiveRole | None:
    if not request.user.is_authenticated:
        return None
    assignments = role_assignments(request)
    if not assignments:
        return None
    chosen = request.session.get(SESSION_KEY)
    for assignment in assignments:
        if assignment.pk == chosen:
            return ActiveRole(assignment)
    return ActiveRole(assignments[0])


class AccessMiddleware:
    """Sets ``request.active_role`` and refuses every view that does not declare access."""

    # Django's own apps protect themselves (the admin checks is_staff).
    EXEMPT_MODULES = ("django.contrib.admin", "django.contrib.staticfiles", "django.views.static")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cast(XueshiRequest, request).active_role = active_role(request)
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        target = getattr(view, "view_class", view)
        module = getattr(view, "__module__", "") or ""
        match = getattr(request, "resolver_match", None)
        if match is not None and "admin" in match.app_names:
            return None  # the admin site requires an active staff user itself
        if module.startswith(self.EXEMPT_MODULES) or getattr(view, "admin_site", None):
            return None
        if getattr(view, "xueshi_public", False) or getattr(target, "xueshi_public", False):
            return None
        roles = getattr(view, "xueshi_roles", None) or getattr(target, "xueshi_roles", None)
        if roles is None:
            raise PermissionDenied("该页面未声明访问权限。")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        current = cast(XueshiRequest, request).active_role
        if getattr(view, "xueshi_any_role", False):
            return None
        if current is None or current.role not in roles:
            raise PermissionDenied("当前角色无权访问该页面。")
        return None


def require_active_role(request: HttpRequest) -> ActiveRole:
    current: ActiveRole | None = getattr(request, "active_role", None)
    if current is None:
        raise PermissionDenied("当前账户没有可用的角色。")
    return current
