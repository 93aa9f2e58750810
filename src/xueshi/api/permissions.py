"""Denied by default: a view names the scope it needs (``required_scope``); a caller without
it is refused (403 ``scope_missing``), a view that names none refuses everyone."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from xueshi.api.authentication import Caller


class HasScope(BasePermission):
    message = "本系统没有调用该接口的权限范围。"

    def has_permission(self, request: Request, view: Any) -> bool:
        needed = getattr(view, "required_scope", None)
        caller = request.auth
        if not isinstance(caller, Caller):
            return False
        return needed is not None and needed in caller.scopes
