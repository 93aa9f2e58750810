"""The impact preview of a draft: its verdicts beside those of the policy in force, for the
people of the bureau's region, over the years the draft governs (``compliance.impact``)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django_tasks import task

from xueshi.compliance.impact import ledger_impact
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job
from xueshi.jobs.services import Outcome, Progress, job_run
from xueshi.policies.models import PolicyDraft
from xueshi.policies.selectors import draft_policy_of, error_lines
from xueshi.rules import PolicyError


def _preview(job: Job, progress: Progress) -> Outcome:
    draft = PolicyDraft.objects.select_related("region").filter(pk=job.subject_id or 0).first()
    if draft is None:
        raise ServiceError("草稿已不存在。")
    try:
        checked = draft_policy_of(draft)
    except PolicyError as exc:
        raise ServiceError(error_lines(exc)) from exc
    years = [int(y) for y in job.params.get("years") or [draft.year]]
    progress(0, None, "正在读取台账…")

    def report(done: int, total: int, message: str) -> None:
        progress(done, total, message)

    impact = ledger_impact(checked.before, checked.after, draft.region, years, report)
    result: dict[str, Any] = impact.as_dict()
    result |= {
        "draft": draft.pk,
        "digest": draft.digest,
        "policy_version": checked.before.version,
        "draft_version": checked.after.version,
    }
    message = (
        f"{draft.region.name}{'、'.join(map(str, impact.years))} 年度：共 {impact.people} 人次，"
        f"结论改变 {impact.changed} 人次（转为达标 {impact.became_compliant}，"
        f"转为未达标 {impact.became_short}）。"
    )
    return Outcome(
        message=message,
        result=result,
        url=reverse("policies:preview", args=[draft.pk, job.pk]),
    )


@task()
def policy_preview_task(job_id: int) -> dict[str, Any]:
    return job_run(job_id, _preview)


def policy_preview_back(job: Job) -> tuple[str, str] | None:
    if job.subject_id is None:
        return None
    return reverse("policies:draft", args=[job.subject_id]), "返回政策草稿"
