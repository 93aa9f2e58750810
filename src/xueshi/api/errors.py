"""Every error of the API as problem+json (RFC 9457): ``type``, ``title``, ``status``, a
Chinese ``detail`` a person can act on, and a stable ``code`` a program can branch on (the
codes are listed in docs/api.md; they never change meaning)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response

from xueshi.errors import ServiceError

PROBLEM = "application/problem+json"
TYPE_BASE = "https://xueshi.invalid/problems/"

TITLES = {
    400: "请求有误",
    401: "未认证",
    403: "无权访问",
    404: "不存在",
    405: "方法不允许",
    406: "无法提供所要求的格式",
    409: "冲突",
    413: "请求过大",
    415: "不支持的请求格式",
    422: "不予受理",
    429: "请求过于频繁",
}

# DRF's own codes, renamed where its name is not the one we publish.
CODES = {
    "not_authenticated": "not_authenticated",
    "authentication_failed": "authentication_failed",
    "permission_denied": "scope_missing",
    "not_found": "not_found",
    "method_not_allowed": "method_not_allowed",
    "not_acceptable": "not_acceptable",
    "unsupported_media_type": "unsupported_media_type",
    "throttled": "throttled",
    "parse_error": "malformed_json",
    "invalid": "invalid",
}


class Problem(exceptions.APIException):
    """An error with its own stable code and Chinese detail."""

    def __init__(self, detail: str, *, code: str, status_code: int = 400) -> None:
        super().__init__(detail, code)
        self.status_code = status_code
        self.problem_code = code


class Unauthenticated(Problem):
    def __init__(self, detail: str, *, code: str) -> None:
        super().__init__(detail, code=code, status_code=status.HTTP_401_UNAUTHORIZED)


def _first_message(detail: Any) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            if message:
                return message if key == "non_field_errors" else f"{key}：{message}"
        return ""
    if isinstance(detail, list):
        for value in detail:
            message = _first_message(value)
            if message:
                return message
        return ""
    return str(detail)


def problem_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    # Imported here: DRF's settings import this module, and rest_framework.views imports them.
    from rest_framework.views import exception_handler

    if isinstance(exc, ServiceError):
        exc = Problem(exc.message, code="refused", status_code=422)
    elif isinstance(exc, Http404):
        exc = Problem(
            "所查询的对象不存在，或不在本系统的权限范围内。", code="not_found", status_code=404
        )
    elif isinstance(exc, PermissionDenied):
        exc = Problem("无权访问。", code="scope_missing", status_code=403)
    response = exception_handler(exc, context)
    if response is None:
        return None
    assert isinstance(exc, exceptions.APIException)
    status_code = response.status_code
    body: dict[str, Any] = {}
    if isinstance(exc, Problem):
        code, detail = exc.problem_code, str(exc.detail)
    elif isinstance(exc, exceptions.ValidationError):
        code = "invalid"
        detail = "请求数据有误：" + (_first_message(exc.detail) or "请检查各字段。")
        body["errors"] = exc.detail
    elif isinstance(exc, exceptions.Throttled):
        code = "throttled"
        wait = exc.wait
        detail = (
            f"请求过于频繁，请 {int(wait) + 1} 秒后再试。" if wait else "请求过于频繁，请稍后再试。"
        )
    elif isinstance(exc, exceptions.NotAuthenticated):
        code = "not_authenticated"
        detail = "未认证：请用签名请求或 OAuth2 访问令牌调用接口。"
    elif isinstance(exc, exceptions.PermissionDenied):
        code = "scope_missing"
        detail = "本系统没有调用该接口的权限范围。"
    else:
        codes = exc.get_codes()
        raw = codes if isinstance(codes, str) else "error"
        code = CODES.get(raw, raw)
        detail = _first_message(exc.detail)
    problem = {
        "type": TYPE_BASE + code,
        "title": TITLES.get(status_code, "错误"),
        "status": status_code,
        "detail": detail,
        "code": code,
        **body,
    }
    response.data = problem
    response.content_type = PROBLEM
    return response


class JsonOnlyNegotiation(BaseContentNegotiation):
    """The API speaks JSON only: whatever Accept says, answer JSON (or problem+json) rather
    than 406."""

    def select_parser(self, request: Request, parsers: list[Any]) -> Any:
        content_type = request.content_type.split(";")[0].strip().lower()
        for parser in parsers:
            if parser.media_type == content_type:
                return parser
        return None

    def select_renderer(
        self, request: Request, renderers: list[Any], format_suffix: str | None = None
    ) -> tuple[Any, str]:
        return renderers[0], renderers[0].media_type
