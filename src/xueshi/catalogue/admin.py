"""Django admin for the catalogue (for the system administrator)."""

from __future__ import annotations

from django.contrib import admin

from xueshi.catalogue.models import PublicSubject, SubjectGuide


@admin.register(PublicSubject)
class PublicSubjectAdmin(admin.ModelAdmin):
    list_display = ("for_year", "title", "hours", "required", "makeup", "region", "note")
    list_filter = ("for_year", "required", "makeup", "region")
    search_fields = ("title", "note")
    list_select_related = ("region",)


@admin.register(SubjectGuide)
class SubjectGuideAdmin(admin.ModelAdmin):
    list_display = ("year", "series", "title", "authority")
    list_filter = ("year", "series")
    search_fields = ("title", "content", "authority__name")
    list_select_related = ("authority",)
    autocomplete_fields = ("authority",)
