"""/api/v1/: the endpoints. Each parses, calls one service or selector, answers; the access
middleware's deny-by-default is met by DRF's own (api.permissions.HasScope), so the views are
marked public to it."""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from csp.decorators import csp_update
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse, extend_schema
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)
from oauth2_provider.views import TokenView
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from xueshi.accounts.access import public
from xueshi.api import selectors
from xueshi.api.authentication import Caller
from xueshi.api.errors import PROBLEM
from xueshi.api.models import Scope, VoidResult
from xueshi.api.serializers import (
    CertificateSerializer,
    ChangesQuerySerializer,
    ChangesSerializer,
    ClassPageSerializer,
    ClassQuerySerializer,
    ProblemSerializer,
    PushSerializer,
    ReceiptSerializer,
    VerdictQuerySerializer,
    VerdictSerializer,
    VoidAnswerSerializer,
    VoidSerializer,
)
from xueshi.api.services import PushItem, api_results_push, api_results_void
from xueshi.audit.services import audit_event_write
from xueshi.people.identity import id_numbers_reveal


def problems(*codes: int) -> dict[Any, Any]:
    """The documented error answers of an operation, as problem+json."""
    return {
        (code, PROBLEM): OpenApiResponse(ProblemSerializer, description="problem+json")
        for code in codes
    }


COMMON = (400, 401, 403, 429)


class ApiView(APIView):
    """An endpoint: names its scope; every authenticated call is audited with its client."""

    xueshi_public = True  # the access middleware defers to DRF's authentication
    required_scope: ClassVar[str | None] = None

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        caller = getattr(request, "_auth", None)
        if isinstance(caller, Caller):
            audit_event_write(
                actor=caller.client.user,
                role="api_client",
                action="api_call",
                target=caller.client,
                data={
                    "method": request.method,
                    "path": request._request.path[:200],
                    "status": response.status_code,
                    "via": caller.method,
                },
            )
        return response


def _caller(request: Request) -> Caller:
    caller = request.auth
    assert isinstance(caller, Caller)
    return caller


class ResultsPushView(ApiView):
    required_scope = Scope.HOURS_PUSH

    @extend_schema(
        operation_id="class_results_push",
        summary="报送培训班学员成绩（批量登记学时）",
        request=PushSerializer,
        responses={201: ReceiptSerializer, **problems(*COMMON, 404, 409, 422)},
        tags=["报送"],
    )
    def post(self, request: Request, class_id: int) -> Response:
        serializer = PushSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        items = [PushItem(**item) for item in serializer.validated_data["items"]]
        caller = request.auth
        assert isinstance(caller, Caller)
        receipt = api_results_push(
            client=caller.client,
            class_plan_id=class_id,
            items=items,
            body_sha256=hashlib.sha256(request._request.body).hexdigest(),
        )
        return Response(ReceiptSerializer(receipt).data, status=201)


class ResultsVoidView(ApiView):
    required_scope = Scope.HOURS_PUSH

    @extend_schema(
        operation_id="results_void",
        summary="作废此前报送的学员成绩（按报送编号）",
        request=VoidSerializer,
        responses={200: VoidAnswerSerializer, **problems(*COMMON, 409, 422)},
        tags=["报送"],
    )
    def post(self, request: Request) -> Response:
        serializer = VoidSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = api_results_void(
            client=_caller(request).client,
            external_ids=data["external_ids"],
            reason=data["reason"],
            pushed_by=data["pushed_by"],
        )
        body = {
            "voided": outcome.count(VoidResult.VOIDED),
            "unchanged": outcome.count(VoidResult.UNCHANGED),
            "not_found": outcome.count(VoidResult.NOT_FOUND),
            "items": outcome.items,
        }
        return Response(VoidAnswerSerializer(body).data)


class ReceiptView(ApiView):
    required_scope = Scope.HOURS_PUSH

    @extend_schema(
        operation_id="receipt_get",
        summary="查询报送回执",
        responses={200: ReceiptSerializer, **problems(*COMMON, 404)},
        tags=["报送"],
    )
    def get(self, request: Request, receipt_id: str) -> Response:
        caller = request.auth
        assert isinstance(caller, Caller)
        receipt = selectors.receipt_of(caller.client, receipt_id)
        return Response(ReceiptSerializer(receipt).data)


# --- pulls ---------------------------------------------------------------------------------


class VerdictView(ApiView):
    """POST, not GET: the ID number stays out of addresses and their logs."""

    required_scope = Scope.COMPLIANCE_READ

    @extend_schema(
        operation_id="verdict_get",
        summary="查询某人某年度的达标结论（附条款）",
        request=VerdictQuerySerializer,
        responses={200: VerdictSerializer, **problems(*COMMON, 404)},
        tags=["查询"],
    )
    def post(self, request: Request) -> Response:
        query = VerdictQuerySerializer(data=request.data)
        query.is_valid(raise_exception=True)
        found = selectors.verdict_of(
            _caller(request).client,
            query.validated_data["id_number"],
            query.validated_data["year"],
            query.validated_data.get("as_of"),
        )
        return Response(VerdictSerializer(found).data)


class CertificateView(ApiView):
    required_scope = Scope.CERTIFICATES_READ

    @extend_schema(
        operation_id="certificate_get",
        summary="按编号查询证书",
        responses={200: CertificateSerializer, **problems(*COMMON, 404)},
        tags=["查询"],
    )
    def get(self, request: Request, number: str) -> Response:
        found = selectors.certificate_of(_caller(request).client, number)
        return Response(CertificateSerializer(found).data)


PAGE_SIZE = 100


class ClassListView(ApiView):
    required_scope = Scope.CLASSES_READ

    @extend_schema(
        operation_id="classes_list",
        summary="本地区（或本机构）的培训班，每页 100 个",
        parameters=[ClassQuerySerializer],
        responses={200: ClassPageSerializer, **problems(*COMMON)},
        tags=["查询"],
    )
    def get(self, request: Request) -> Response:
        query = ClassQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        plans = selectors.classes_of(_caller(request).client, query.validated_data.get("year"))
        count = plans.count()
        page = query.validated_data["page"]
        start = (page - 1) * PAGE_SIZE
        body = {
            "count": count,
            "page": page,
            "pages": max(1, -(-count // PAGE_SIZE)),
            "results": list(plans[start : start + PAGE_SIZE]),
        }
        return Response(ClassPageSerializer(body).data)


class ChangesView(ApiView):
    required_scope = Scope.COMPLIANCE_READ

    @extend_schema(
        operation_id="compliance_changes",
        summary="某年度达标台账自游标以来的变化（供镜像同步）",
        parameters=[ChangesQuerySerializer],
        responses={200: ChangesSerializer, **problems(*COMMON)},
        tags=["查询"],
    )
    def get(self, request: Request) -> Response:
        query = ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        client = _caller(request).client
        changes = selectors.ledger_changes(client, **query.validated_data)
        # A mirror matches people by their full ID numbers: each one handed out is audited.
        with transaction.atomic():
            numbers = id_numbers_reveal(
                actor=client.user,
                role=client.assignment.role,
                professionals=[row.professional for row in changes.rows],
                purpose=f"接口同步达标台账：{client.name}"[:200],
            )
        return Response(ChangesSerializer(changes, context={"id_numbers": numbers}).data)


# --- schema, its pages, the token endpoint ------------------------------------------------------


@public
def schema_view(request: HttpRequest) -> HttpResponse:
    # ?format=json or ?format=yaml (the default): DRF's own negotiation, not the API's.
    view = SpectacularAPIView.as_view(content_negotiation_class=DefaultContentNegotiation)
    return view(request)


# The documentation pages run the vendored Swagger UI and Redoc (drf-spectacular-sidecar, no
# CDN); both set styles inline, which this site's policy allows on these two pages only.
_DOC_STYLES = csp_update({"style-src": ["'unsafe-inline'"], "worker-src": ["blob:"]})


@public
@_DOC_STYLES
def swagger_view(request: HttpRequest) -> HttpResponse:
    return SpectacularSwaggerSplitView.as_view(
        url_name="api:schema", template_name="api/swagger_ui.html"
    )(request)


@public
@_DOC_STYLES
def redoc_view(request: HttpRequest) -> HttpResponse:
    return SpectacularRedocView.as_view(url_name="api:schema", template_name="api/redoc.html")(
        request
    )


@public
@csrf_exempt
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any other address under /api/v1/ (a class id that is not a number…): problem+json."""
    body = {
        "type": "https://xueshi.invalid/problems/not_found",
        "title": "不存在",
        "status": 404,
        "detail": "没有这个接口地址，请对照接口文档（/api/v1/docs/）。",
        "code": "not_found",
    }
    return JsonResponse(
        body, status=404, content_type=PROBLEM, json_dumps_params={"ensure_ascii": False}
    )


# OAuth2 client credentials: POST grant_type=client_credentials with the app key and secret.
token_view = public(TokenView.as_view())
