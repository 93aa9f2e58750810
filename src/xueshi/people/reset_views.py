"""重置密码: an employer's administrator or a bureau resets the password of an account in
its scope (people/password_reset.py decides who may reset whom)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.errors import ServiceError
from xueshi.people import password_reset as reset

PAGE_SIZE = 25


@allow(*reset.RESETTERS)
@require_GET
def password_reset_list(request: RoleRequest) -> HttpResponse:
    """The accounts the active role may reset, searchable by username or name."""
    active = require_active_role(request)
    query = (request.GET.get("q") or "").replace("\x00", "").strip()[:64]
    page = Paginator(reset.reset_candidates(active, query), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [(user, reset.password_reset_refusal(active, user)) for user in page]
    return render(
        request,
        "people/password_reset_list.html",
        {"page": page, "rows": rows, "query": query},
    )


@allow(*reset.RESETTERS)
@require_POST
@never_cache
def password_reset(request: RoleRequest, pk: int) -> HttpResponse:
    """Reset one account; the temporary password is in this answer only (not stored, not
    cached, not in a message that a later page would show)."""
    active = require_active_role(request)
    try:
        user, temporary = reset.user_password_reset(actor=request.user, active=active, user_id=pk)
    except ServiceError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(reverse("people:password_reset_list"))
    return render(
        request, "people/password_reset_done.html", {"target": user, "temporary": temporary}
    )
