"""Django admin for accounts: users and their roles (for the system administrator)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db import transaction
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from xueshi.accounts.models import RoleAssignment, User
from xueshi.audit.services import audit_event_write


def _role_audit(request: HttpRequest, action: str, assignment: RoleAssignment) -> None:
    """Who gave or took which role, in which scope (等保 8.1.4.2 e–f: the access policy is set
    by an authorised subject, and every change of it is audited)."""
    audit_event_write(
        actor=request.user,
        role="admin",
        action=action,
        target=assignment,
        data={
            "user": assignment.user_id,
            "role": assignment.role,
            "region": assignment.region_id,
            "employer": assignment.employer_id,
            "provider": assignment.provider_id,
            "authority": assignment.authority_id,
        },
    )


def _inline_roles_save(request: HttpRequest, formset: BaseInlineFormSet) -> None:
    with transaction.atomic():
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            _role_audit(request, "role_revoke", deleted)
            deleted.delete()
        for assignment in instances:
            action = "role_change" if assignment.pk else "role_grant"
            assignment.save()
            _role_audit(request, action, assignment)
        formset.save_m2m()


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

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        if formset.model is RoleAssignment:
            _inline_roles_save(request, formset)
        else:
            super().save_formset(request, form, formset, change)


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

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            _role_audit(request, "role_change" if change else "role_grant", obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        with transaction.atomic():
            _role_audit(request, "role_revoke", obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for assignment in queryset:
                _role_audit(request, "role_revoke", assignment)
            super().delete_queryset(request, queryset)
