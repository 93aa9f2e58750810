"""Who is calling: a signed request (app key, timestamp, nonce, body digest, HMAC) or an
OAuth2 client-credentials token. Either way ``request.user`` is the client's account and
``request.auth`` a ``Caller`` with the client and the scopes this call carries."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework.authentication import BaseAuthentication
from rest_framework.request import Request

from xueshi.api import signing
from xueshi.api.client_secrets import unseal
from xueshi.api.errors import Unauthenticated
from xueshi.api.models import ApiClient, ApiNonce

NONCE = re.compile(r"[A-Za-z0-9_-]{8,64}")
TIMESTAMP = re.compile(r"[0-9]{1,12}")


@dataclass(frozen=True)
class Caller:
    client: ApiClient
    scopes: frozenset[str]
    method: str  # "signature" or "oauth2"


def _header(request: Request, name: str) -> str:
    return str(request.META.get("HTTP_" + name.upper().replace("-", "_"), "")).strip()


class SignatureAuthentication(BaseAuthentication):
    """A request signed with the client's secret (api.signing). Refused: an unknown or stopped
    client, a timestamp off the server's clock by more than ``XUESHI_API_CLOCK_SKEW``, a nonce
    the client used within ``XUESHI_API_NONCE_SECONDS``, a signature that does not match
    (a tampered method, path, query or body)."""

    def authenticate(self, request: Request) -> tuple[Any, Caller] | None:
        key = _header(request, signing.HEADER_KEY)
        if not key:
            return None  # not a signed request: another scheme may apply
        timestamp = _header(request, signing.HEADER_TIMESTAMP)
        nonce = _header(request, signing.HEADER_NONCE)
        given = _header(request, signing.HEADER_SIGNATURE).lower()
        algorithm = _header(request, signing.HEADER_ALGORITHM).upper() or signing.HMAC_SHA256
        if not (timestamp and nonce and given):
            raise Unauthenticated(
                "签名请求须同时带 App Key、时间戳、随机数和签名。", code="signature_missing"
            )
        if algorithm not in signing.ALGORITHMS:
            raise Unauthenticated(
                f"不支持的签名算法，可用：{'、'.join(signing.ALGORITHMS)}。",
                code="signature_method_unsupported",
            )
        if not TIMESTAMP.fullmatch(timestamp):
            raise Unauthenticated("时间戳应为 Unix 秒数。", code="signature_stale")
        if not NONCE.fullmatch(nonce):
            raise Unauthenticated("随机数应为 8–64 位字母、数字、“-”或“_”。", code="nonce_invalid")
        client = ApiClient.objects.select_related("user", "assignment").filter(app_key=key).first()
        if client is None or not client.active:
            raise Unauthenticated("App Key 无效或已停用。", code="client_unknown")
        now = timezone.now()
        sent = dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC)
        if abs((now - sent).total_seconds()) > settings.XUESHI_API_CLOCK_SKEW:
            raise Unauthenticated(
                f"请求时间戳与服务器时间相差超过 {settings.XUESHI_API_CLOCK_SKEW} 秒，请校准时钟后"
                "重新签名发送。",
                code="signature_stale",
            )
        django_request = request._request
        expected = signing.sign_request(
            secret=unseal(client.secret_sealed),
            method=request.method or "",
            path=django_request.path,
            query=django_request.META.get("QUERY_STRING", ""),
            body=django_request.body,
            timestamp=timestamp,
            nonce=nonce,
            algorithm=algorithm,
        )
        if not signing.signatures_equal(expected, given):
            raise Unauthenticated(
                "签名不符：请求的方法、路径、查询参数或请求体与签名不一致，或密钥有误。",
                code="signature_invalid",
            )
        _nonce_use(client, nonce, now)
        return client.user, Caller(client, frozenset(client.scopes), "signature")

    def authenticate_header(self, request: Request) -> str:
        return f'{signing.HMAC_SHA256} realm="xueshi"'


def _nonce_use(client: ApiClient, nonce: str, now: dt.datetime) -> None:
    """Record the nonce, or refuse it as a replay (the unique constraint decides, so two
    copies of one request sent at once cannot both pass)."""
    window = dt.timedelta(seconds=settings.XUESHI_API_NONCE_SECONDS)
    ApiNonce.objects.filter(client=client, seen_at__lt=now - window).delete()
    try:
        with transaction.atomic():
            ApiNonce.objects.create(client=client, nonce=nonce, seen_at=now)
    except IntegrityError:
        raise Unauthenticated(
            "该随机数已使用过：重放的请求不予受理。重发请求请用新的随机数重新签名。",
            code="nonce_replayed",
        ) from None


class ClientTokenAuthentication(OAuth2Authentication):
    """An OAuth2 client-credentials token (django-oauth-toolkit): the token names no user, its
    application names the client; the call carries the token's scopes that the client still
    holds."""

    def authenticate(self, request: Request) -> tuple[Any, Caller] | None:
        found = super().authenticate(request)
        if found is None:
            if getattr(request, "oauth2_error", None) and _header(request, "Authorization"):
                raise Unauthenticated("访问令牌无效或已过期，请重新获取。", code="token_invalid")
            return None
        _, token = found
        client = (
            ApiClient.objects.select_related("user", "assignment")
            .filter(application_id=token.application_id)
            .first()
        )
        if client is None or not client.active:
            raise Unauthenticated("该令牌所属的接入系统已停用。", code="client_unknown")
        scopes = frozenset(token.scope.split()) & frozenset(client.scopes)
        return client.user, Caller(client, scopes, "oauth2")
