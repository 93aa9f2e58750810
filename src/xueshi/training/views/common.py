"""Helpers the training views share."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.urls import reverse

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.training import selectors
from xueshi.training.models import ClassPlan

PAGE_SIZE = 25
READERS = (Role.PROVIDER_STAFF, Role.BUREAU_STAFF, Role.AUTHORITY_REVIEWER)


def page_of(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def detail_redirect(plan_id: int, **params: str) -> HttpResponseRedirect:
    url = reverse("training:class_detail", args=[plan_id])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return HttpResponseRedirect(url)


def own_class(active: ActiveRole, class_id: int) -> ClassPlan:
    plan = selectors.class_for(active, class_id)
    if plan is None or active.role is not Role.PROVIDER_STAFF:
        raise Http404("培训班不存在。")
    return plan


def approver_label(plan: ClassPlan) -> str:
    return selectors.approver_label(plan)
