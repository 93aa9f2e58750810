"""Exports in tests: ask a page for its export (a POST with the page's query string), follow
the job it starts to its file and download it as the person who asked."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.test import Client
from django.urls import resolve, reverse

from xueshi.jobs.exports import FORMATS, export_task
from xueshi.jobs.models import Job, JobStatus


def export_job(client: Client, url: str, params: dict[str, Any], file_format: str = "xlsx") -> Job:
    """The job the export button of ``url`` starts with ``params`` (its query string); run
    here if the test's task backend only queued it."""
    query = f"?{urlencode(params, doseq=True)}" if params else ""
    response = client.post(f"{url}{query}", {"format": file_format})
    assert response.status_code == 302, response.status_code
    match = resolve(response.url.split("?")[0])
    assert match.view_name == "jobs:detail", response.url
    job = Job.objects.get(pk=match.kwargs["pk"])
    if not job.finished:
        export_task.call(job.pk)
        job.refresh_from_db()
    return job


def export_download(
    client: Client, url: str, params: dict[str, Any] | None = None, file_format: str = "xlsx"
) -> bytes:
    """The file of the export of ``url`` with ``params``, downloaded by the job's link."""
    job = export_job(client, url, params or {}, file_format)
    assert job.status == JobStatus.DONE, job.error
    assert job.result_url == reverse("jobs:download", args=[job.pk])
    response = client.get(job.result_url)
    assert response.status_code == 200
    assert response["Content-Type"] == FORMATS[job.result["format"]]
    assert "attachment" in response["Content-Disposition"]
    return b"".join(response.streaming_content)
