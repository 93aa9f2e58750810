"""Reads of jobs: a person sees the jobs they started (the system administrator, all)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from xueshi.accounts.models import Role
from xueshi.jobs.models import Job


def jobs_visible(user: Any, role: Role | None = None) -> QuerySet[Job]:
    jobs = Job.objects.select_related("region")
    if role is Role.SYSADMIN:
        return jobs
    if not getattr(user, "pk", None):
        return jobs.none()
    return jobs.filter(requested_by=user)
