"""Django admin for accounts: users and their roles (for the system administrator)."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from xueshi.accounts.models import RoleAssignment, User

admin.site.site_header = "学时 · 系统管理"
admin.site.site_title = "学时系统管理"
admin.site.index_title = "数据管理"


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    fields = ("role", "region", "employer", "provider", "authority", "created_at")
    readonly_fields = ("created_at",)
    autocomplete_fields = ("employer", "provider", "authority")
    verbose_name = "角色授权"
    verbose_name_plural = "角色授权"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "full_name", "is_active", "is_staff", "last_login", "date_joined")
    search_fields = ("username", "full_name", "email")
    list_filter = ("is_active", "is_staff", "is_superuser", "role_assignments__role")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("个人信息", {"fields": ("full_name", "email")}),
        (
            "权限",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("重要日期", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "full_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleAssignmentInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "region", "employer", "provider", "authority", "created_at")
    list_filter = ("role", "region")
    search_fields = (
        "user__username",
        "user__full_name",
        "employer__name",
        "provider__name",
        "authority__name",
    )
    autocomplete_fields = ("user", "employer", "provider", "authority")
    list_select_related = ("user", "region", "employer", "provider", "authority")
    readonly_fields = ("created_at",)
