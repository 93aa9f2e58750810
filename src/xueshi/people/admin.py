"""Django admin for professionals and employment (for the system administrator).

Employment is history: it is shown, never deleted here (a change of employer ends one and
starts another through the services, with audit events).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from xueshi.organisations.validators import normalise_ric
from xueshi.people.models import Employment, Professional


class ProfessionalAdminForm(forms.ModelForm):
    class Meta:
        model = Professional
        fields = (
            "user",
            "full_name",
            "id_number",
            "series",
            "title_level",
            "institution_level",
            "region",
            "employer",
        )

    def clean_id_number(self) -> str:
        return normalise_ric(self.cleaned_data.get("id_number", ""))


class EmploymentInline(admin.TabularInline):
    model = Employment
    fk_name = "professional"
    extra = 0
    fields = ("employer", "status", "requested_at", "started_on", "ended_on", "decided_by")
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    form = ProfessionalAdminForm
    list_display = (
        "full_name",
        "masked_id",
        "series",
        "title_level",
        "institution_level",
        "region",
        "employer",
        "created_at",
    )
    list_filter = ("series", "title_level", "institution_level", "region")
    # The whole ID number is searched exactly: the system administrator may look a person up
    # by it, but the list shows it masked.
    search_fields = ("full_name", "=id_number", "user__username", "employer__name")
    list_select_related = ("region", "employer")
    autocomplete_fields = ("user", "employer")
    readonly_fields = ("created_at",)
    inlines = [EmploymentInline]

    @admin.display(description="公民身份号码")
    def masked_id(self, obj: Professional) -> str:
        return obj.masked_id_number


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin):
    list_display = ("professional", "employer", "status", "requested_at", "started_on", "ended_on")
    list_filter = ("status",)
    search_fields = ("professional__full_name", "=professional__id_number", "employer__name")
    list_select_related = ("professional", "employer")

    # View only: employment changes go through the services, which keep history and audit.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
