"""How drf-spectacular describes the two ways in (loaded by ApiConfig.ready)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from xueshi.api.models import Scope


class SignatureScheme(OpenApiAuthenticationExtension):
    target_class = "xueshi.api.authentication.SignatureAuthentication"
    name = "signature"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-Xueshi-Signature",
            "description": (
                "签名请求：同时发送 X-Xueshi-App-Key、X-Xueshi-Timestamp（Unix 秒）、"
                "X-Xueshi-Nonce（15 分钟内不重复）、"
                "X-Xueshi-Signature-Method（HMAC-SHA256 或 HMAC-SM3）和 X-Xueshi-Signature："
                "对“方法、路径、查询串、时间戳、随机数、请求体摘要”六行的 HMAC，十六进制。"
                "见 docs/api.md。"
            ),
        }


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "xueshi.api.authentication.ClientTokenAuthentication"
    name = "oauth2"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "oauth2",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": "/api/v1/oauth/token/",
                    "scopes": {scope.value: scope.label for scope in Scope},
                }
            },
        }
