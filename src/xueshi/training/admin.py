"""Django admin for classes: read-only, for the system administrator to inspect.

Every change of a class, an enrolment, attendance or a batch goes through the services
(locked, checked against the policy, audited), never through the admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xueshi.training.models import Attendance, ClassPlan, Enrollment, HourBatch


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ClassPlan)
class ClassPlanAdmin(ReadOnlyAdmin):
    list_display = ("title", "provider", "region", "category", "start_date", "status")
    list_filter = ("status", "category", "approver_role")
    search_fields = ("title", "provider__name")
    list_select_related = ("provider", "region")


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdmin):
    list_display = ("class_plan", "professional", "score", "passed", "created_at")
    search_fields = ("class_plan__title", "professional__full_name")
    list_select_related = ("class_plan", "professional")


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("enrollment", "day", "half_day", "signed_in_at", "signed_out_at")
    list_select_related = ("enrollment__class_plan", "enrollment__professional")


@admin.register(HourBatch)
class HourBatchAdmin(ReadOnlyAdmin):
    list_display = ("class_plan", "file_name", "rows", "created", "unchanged", "accepted")
    list_filter = ("accepted",)
    search_fields = ("class_plan__title", "file_name")
    list_select_related = ("class_plan",)
