"""接入系统: the bureau's pages to register the systems that call the open API, give and take
their scopes, rotate their secrets and stop them, and read what each did (its audit trail).
The secret is shown once, right after it is made."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from xueshi.accounts.access import RoleRequest, allow
from xueshi.accounts.models import Role
from xueshi.api import selectors
from xueshi.api.models import ApiClient, ClientKind, Scope
from xueshi.api.services import (
    KIND_SCOPES,
    api_client_register,
    api_client_revoke,
    api_client_scopes_set,
    api_client_secret_rotate,
)
from xueshi.errors import ServiceError
from xueshi.organisations.models import IndustryAuthority, Provider

SECRET_ONCE = "xueshi_api_secret_once"  # nosec B105: a session key's name, not a secret
PAGE = 50


class ClientForm(forms.Form):
    name = forms.CharField(label="系统名称", max_length=128)
    kind = forms.ChoiceField(label="类型", choices=ClientKind.choices)
    provider = forms.ModelChoiceField(
        label="施教机构或网络学习平台", queryset=Provider.objects.none(), required=False
    )
    authority = forms.ModelChoiceField(
        label="行业主管部门", queryset=IndustryAuthority.objects.none(), required=False
    )
    scopes = forms.MultipleChoiceField(
        label="权限范围", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: object, region_path: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        field = self.fields["provider"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Provider.objects.filter(region__path__startswith=region_path)
        field = self.fields["authority"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = IndustryAuthority.objects.filter(region__path__startswith=region_path)


class ScopesForm(forms.Form):
    scopes = forms.MultipleChoiceField(
        label="权限范围", choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )


def _region_path(request: RoleRequest) -> str:
    region = request.active_role.assignment.region
    if region is None:
        raise Http404
    return region.path


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET"])
def clients(request: RoleRequest) -> HttpResponse:
    page = Paginator(selectors.clients_visible(request.active_role), PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "api/clients.html",
        {"page": page, "region": request.active_role.assignment.region},
    )


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET", "POST"])
def client_new(request: RoleRequest) -> HttpResponse:
    path = _region_path(request)
    form = ClientForm(request.POST or None, region_path=path)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            client, secret = api_client_register(
                actor=request.user,
                active=request.active_role,
                name=data["name"],
                kind=data["kind"],
                scopes=data["scopes"],
                provider_id=data["provider"].pk if data["provider"] else None,
                authority_id=data["authority"].pk if data["authority"] else None,
            )
        except ServiceError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            request.session[SECRET_ONCE] = {"client": client.pk, "secret": secret}
            messages.success(request, f"已登记接入系统“{client.name}”。")
            return redirect("api_clients:client", pk=client.pk)
    kinds = {
        ClientKind(kind).label: "、".join(Scope(s).label for s in scopes)
        for kind, scopes in KIND_SCOPES.items()
    }
    return render(request, "api/client_new.html", {"form": form, "kinds": kinds})


def _client(request: RoleRequest, pk: int) -> ApiClient:
    client = selectors.clients_visible(request.active_role).filter(pk=pk).first()
    if client is None:
        raise Http404("接入系统不存在，或不是本地区登记的。")
    return client


@allow(Role.BUREAU_STAFF)
@require_http_methods(["GET"])
def client(request: RoleRequest, pk: int) -> HttpResponse:
    found = _client(request, pk)
    once = request.session.get(SECRET_ONCE)
    secret = ""  # nosec B105: empty unless the session holds the one-time secret
    if once and once.get("client") == found.pk:
        secret = once["secret"]
        del request.session[SECRET_ONCE]
    events = Paginator(selectors.client_events(found), PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "api/client.html",
        {
            "client": found,
            "secret": secret,
            "scopes_form": ScopesForm(initial={"scopes": found.scopes}),
            "scope_labels": [Scope(s).label for s in found.scopes],
            "events": events,
            "receipts": found.receipts.order_by("-created_at")[:20],
        },
    )


@allow(Role.BUREAU_STAFF)
@require_POST
def client_scopes(request: RoleRequest, pk: int) -> HttpResponse:
    found = _client(request, pk)
    form = ScopesForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请至少选择一项权限范围。")
        return redirect("api_clients:client", pk=found.pk)
    try:
        api_client_scopes_set(
            actor=request.user,
            active=request.active_role,
            client_id=found.pk,
            scopes=form.cleaned_data["scopes"],
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "权限范围已更新，自下一次调用起生效。")
    return redirect("api_clients:client", pk=found.pk)


@allow(Role.BUREAU_STAFF)
@require_POST
def client_rotate(request: RoleRequest, pk: int) -> HttpResponse:
    found = _client(request, pk)
    try:
        secret = api_client_secret_rotate(
            actor=request.user, active=request.active_role, client_id=found.pk
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        request.session[SECRET_ONCE] = {"client": found.pk, "secret": secret}
        messages.success(request, "已更换密钥：旧密钥和已发的令牌即刻失效。")
    return redirect("api_clients:client", pk=found.pk)


@allow(Role.BUREAU_STAFF)
@require_POST
def client_revoke(request: RoleRequest, pk: int) -> HttpResponse:
    found = _client(request, pk)
    try:
        api_client_revoke(actor=request.user, active=request.active_role, client_id=found.pk)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已停用“{found.name}”：它的一切请求将被拒绝。")
    return redirect("api_clients:client", pk=found.pk)
