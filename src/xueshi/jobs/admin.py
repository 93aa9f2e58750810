from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from xueshi.jobs.models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Read-only: jobs change only through their tasks."""

    list_display = ["id", "kind", "title", "status", "done", "total", "requested_by", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["title", "task_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
