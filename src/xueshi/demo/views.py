"""The demo user's choice of scenario (演示日期): kept in the session, from the server's list."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from xueshi.accounts.access import public
from xueshi.accounts.redirects import local_path
from xueshi.demo import scenarios


@public
@require_POST
def scenario_switch(request: HttpRequest) -> HttpResponse:
    """Switch the session to a listed scenario; a name not in the list changes nothing."""
    if not scenarios.enabled():
        raise Http404("演示日期只在演示环境中可以切换。")
    key = request.POST.get("scenario", "")
    scenario = scenarios.BY_KEY.get(key)
    if scenario is None:
        messages.error(request, "没有这个演示场景。")
    else:
        request.session[scenarios.SESSION_KEY] = scenario.key
        day = f"{scenario.date:%Y-%m-%d}"
        messages.success(request, f"演示日期已切换为 {day}（{scenario.label}）。")
    return redirect(local_path(request.POST.get("next"), "/"))
