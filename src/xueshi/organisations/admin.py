"""Django admin for regions and organisations (for the system administrator).

Regions are mirrored from policy/regions (``regions_sync_from_policy``): they are shown
read-only, since an edit here would be overwritten and would disagree with the policy.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xueshi.organisations.models import Employer, IndustryAuthority, Provider, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent", "path")
    list_filter = ("level",)
    search_fields = ("code", "name")
    ordering = ("path",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ("name", "uscc", "region", "contact_name", "contact_phone", "created_at")
    list_filter = ("region",)
    search_fields = ("name", "uscc", "contact_name")
    list_select_related = ("region",)
    readonly_fields = ("created_at",)


@admin.register(IndustryAuthority)
class IndustryAuthorityAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "series")
    list_filter = ("region",)
    search_fields = ("name",)
    list_select_related = ("region",)


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "uscc", "filing_status", "sectors", "created_at")
    list_filter = ("filing_status", "region")
    search_fields = ("name", "uscc")
    list_select_related = ("region",)
    readonly_fields = ("created_at",)
