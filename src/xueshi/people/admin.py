"""Django admin for professionals and employment (for the system administrator).

Employment is history: it is shown, never deleted here (a change of employer ends one and
starts another through the services, with audit events).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from xueshi.organisations.validators import normalise_ric
from xueshi.people.identity import id_index
from xueshi.people.models import Employment, Professional


def _id_number_search(queryset: QuerySet[Any], term: str, prefix: str = "") -> QuerySet[Any]:
    """The rows whose ID number is ``term`` exactly (by the blind index), or none."""
    try:
        number = normalise_ric(term)
    except ValidationError:
        return queryset.none()
    return queryset.filter(**{f"{prefix}id_number_index": id_index(number)})


class ProfessionalAdminForm(forms.ModelForm):
    # Not a model field: the number is stored encrypted. Typed in full, never shown back.
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=32,
        required=False,
        help_text="留空则不变。号码加密保存，此处不回显。",
    )

    class Meta:
        model = Professional
        fields = (
            "user",
            "full_name",
            "series",
            "title_level",
            "institution_level",
            "region",
            "employer",
        )

    def clean_id_number(self) -> str:
        value = self.cleaned_data.get("id_number", "")
        if not value:
            if self.instance.pk is None:
                raise ValidationError("请填写公民身份号码。")
            return ""
        number = normalise_ric(value)
        clash = Professional.objects.id_number_is(number).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError("该身份号码已属于另一位专业技术人员。")
        return number

    def save(self, commit: bool = True) -> Any:
        if self.cleaned_data.get("id_number"):
            self.instance.id_number = self.cleaned_data["id_number"]
        return super().save(commit)


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
    # The whole ID number is searched exactly (by its blind index): the system administrator
    # may look a person up by it, but the list shows it masked.
    search_fields = ("full_name", "user__username", "employer__name")
    list_select_related = ("region", "employer")
    autocomplete_fields = ("user", "employer")
    readonly_fields = ("created_at",)
    inlines = [EmploymentInline]

    @admin.display(description="公民身份号码")
    def masked_id(self, obj: Professional) -> str:
        return obj.masked_id_number

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | _id_number_search(queryset, search_term.strip())
        return found, duplicates


@admin.register(Employment)
class EmploymentAdmin(admin.ModelAdmin):
    list_display = ("professional", "employer", "status", "requested_at", "started_on", "ended_on")
    list_filter = ("status",)
    search_fields = ("professional__full_name", "employer__name")
    list_select_related = ("professional", "employer")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Any], search_term: str
    ) -> tuple[QuerySet[Any], bool]:
        found, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            found = found | _id_number_search(queryset, search_term.strip(), "professional__")
        return found, duplicates

    # View only: employment changes go through the services, which keep history and audit.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
