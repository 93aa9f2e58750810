"""Django admin for online learning (for the system administrator)."""

from __future__ import annotations

from django.contrib import admin

from xueshi.learning.models import Course, Lesson, StudyFlag


class LessonInline(admin.TabularInline):
    model = Lesson
    extra = 0
    fields = ("order", "title", "kind", "duration_seconds", "original_name", "size")
    readonly_fields = ("original_name", "size")


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ("year", "title", "category", "hours", "region", "published")
    list_filter = ("year", "category", "published")
    search_fields = ("title",)
    list_select_related = ("region",)
    inlines = [LessonInline]


@admin.register(StudyFlag)
class StudyFlagAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "user", "status")
    list_filter = ("kind", "status")
