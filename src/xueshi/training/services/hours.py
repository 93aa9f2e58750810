"""Batch entry of passed learners' hours from an Excel file (批量录入)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.policy_store import current_policy
from xueshi.rules import Deadline
from xueshi.training import batch as batch_rows
from xueshi.training.excel import SheetRow, read_rows
from xueshi.training.models import ClassPlan, ClassStatus, HourBatch
from xueshi.training.selectors import entered_learners
from xueshi.training.services.common import deadline_or_none, lock_own_class

# --- batch entry of hours ------------------------------------------------------------------


def hours_entry_deadline(plan: ClassPlan) -> Deadline | None:
    """学时登记期限 of the class (Shantou: 5 working days after it ends; Luojiang: 30 days)."""
    return deadline_or_none("hours_entry", plan.region_id, plan.end_date)


@transaction.atomic
def hour_batch_upload(
    *,
    class_plan_id: int,
    upload: UploadedFile,
    actor: Any,
    active: ActiveRole,
    today: dt.date | None = None,
    rows: list[SheetRow] | None = None,
) -> HourBatch:
    """批量录入: the provider uploads the scores of a finished class's learners.

    Every row is checked and reported. If any row has an error nothing is entered and the
    batch is kept, not accepted, with its report. Otherwise, in this one transaction, each
    learner's score is recorded and each passed learner's hours are entered (idempotent:
    a re-upload creates nothing new). Refused outright, with nothing saved: a class not
    approved or not yet ended, an upload after the policy's entry deadline, a file that is
    not a spreadsheet, empty, too large or too long.

    ``rows``: the file's rows when the caller has read them already (the background job
    reads the file before this transaction, so that its progress can say how many rows).
    """
    today = today or timezone.localdate()
    plan = lock_own_class(active, class_plan_id)
    if plan.status != ClassStatus.APPROVED:
        raise ServiceError("只有已核准的培训班才能批量登记学时。")
    if today < plan.end_date:
        raise ServiceError(f"培训班 {plan.end_date} 结班，结班后才能登记学时。")
    due = hours_entry_deadline(plan)
    if due is not None and today > due.due:
        raise ServiceError(
            f"{due.explanation.rstrip('。')}；已逾期，不能再登记。依据：{due.reference}",
            field="file",
        )
    limit = settings.XUESHI_BATCH_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ServiceError(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后上传。", field="file")
    data = upload.read()
    if not data:
        raise ServiceError("文件是空的。", field="file")
    if rows is None:
        rows = read_rows(data)

    entered = entered_learners(plan)
    checked = batch_rows.check_rows(plan, rows, entered=entered)
    errors = sum(1 for row in checked if row.result == batch_rows.ERROR)
    batch = HourBatch(
        class_plan=plan,
        uploaded_by=actor,
        file_name=(upload.name or "未命名.xlsx")[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        rows=len(checked),
    )
    if not errors:
        # Scores kept and passed learners' hours entered for the whole file at once.
        batch_rows.enter_rows(plan, checked, actor=actor, active=active)
        batch.created = sum(1 for row in checked if row.result == batch_rows.CREATED)
        batch.unchanged = sum(1 for row in checked if row.result == batch_rows.UNCHANGED)
        batch.accepted = True
    batch.report = [row.as_report() for row in checked]
    batch.save()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="hour_batch_upload",
        target=batch,
        to_status="accepted" if batch.accepted else "refused",
        policy_version=current_policy().version,
        data={
            "class_plan": plan.pk,
            "rows": batch.rows,
            "errors": errors,
            "created": batch.created,
            "unchanged": batch.unchanged,
            "sha256": batch.sha256,
        },
    )
    return batch
