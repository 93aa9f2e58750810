"""Batch entry of passed learners' hours (批量登记): from learners' results already read
(``hour_batch_enter``: the API, online exams), or from an Excel file (``hour_batch_upload``,
which reads the file into those results and enters them)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.policy_store import current_policy
from xueshi.rules import Deadline
from xueshi.training import batch as batch_rows
from xueshi.training.batch import LearnerScore, rows_digest
from xueshi.training.excel import read_rows
from xueshi.training.models import ClassPlan, ClassStatus, HourBatch
from xueshi.training.services.common import deadline_or_none, lock_own_class

# --- batch entry of hours ------------------------------------------------------------------


def hours_entry_deadline(plan: ClassPlan) -> Deadline | None:
    """学时登记期限 of the class (Shantou: 5 working days after it ends; Luojiang: 30 days)."""
    return deadline_or_none("hours_entry", plan.region_id, plan.end_date)


def _class_open_for_entry(active: ActiveRole, class_plan_id: int, today: dt.date) -> ClassPlan:
    """The provider's own class, locked, if its hours may be entered today: approved, ended,
    and not past the policy's entry deadline."""
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
    return plan


def class_plan_lock_for_entry(
    *, active: ActiveRole, class_plan_id: int, today: dt.date | None = None
) -> ClassPlan:
    """The provider's own class, locked, if its learners' hours may be entered today; else
    ServiceError. For callers that check rows before entering them (the open API), in their
    transaction."""
    return _class_open_for_entry(active, class_plan_id, today or clock.today())


@transaction.atomic
def hour_batch_enter(
    *,
    class_plan_id: int,
    rows: Sequence[LearnerScore],
    source: str,
    actor: User,
    active: ActiveRole,
    today: dt.date | None = None,
    digest: str = "",
) -> HourBatch:
    """批量登记: the provider enters the results of a finished class's learners.

    Every row is checked and reported. If any row has an error nothing is entered and the
    batch is kept, not accepted, with its report. Otherwise, in this one transaction, each
    learner's score is recorded and each passed learner's hours are entered (idempotent:
    entering the same learners again creates nothing new). Refused outright, with nothing
    saved: a class not approved or not yet ended, a batch after the policy's entry deadline,
    a batch with no row or more rows than ``settings.XUESHI_BATCH_MAX_ROWS``.

    ``source``: where the rows came from, as the provider sees it (the file's name, "在线考试").
    ``digest``: the SHA-256 of what was received (a file's); by default, of the rows.
    """
    today = today or clock.today()
    plan = _class_open_for_entry(active, class_plan_id, today)
    if not rows:
        raise ServiceError("没有学员成绩，未登记。")
    max_rows = int(settings.XUESHI_BATCH_MAX_ROWS)
    if len(rows) > max_rows:
        raise ServiceError(f"超过 {max_rows:,} 名学员，请分批登记。")

    # Whose hours are entered already: read for the rows' learners by the check.
    checked = batch_rows.check_rows(plan, rows)
    errors = sum(1 for row in checked if row.result == batch_rows.ERROR)
    batch = HourBatch(
        class_plan=plan,
        uploaded_by=actor,
        file_name=source[:200],
        sha256=digest or rows_digest(rows),
        rows=len(checked),
    )
    if not errors:
        # Scores kept and passed learners' hours entered for the whole batch at once.
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


@transaction.atomic
def hour_batch_upload(
    *,
    class_plan_id: int,
    upload: UploadedFile,
    actor: User,
    active: ActiveRole,
    today: dt.date | None = None,
    rows: list[LearnerScore] | None = None,
) -> HourBatch:
    """批量录入 from an Excel file: the file read into learners' results and entered by
    ``hour_batch_enter`` (row by row report, all or nothing, idempotent).

    The class's own refusals come first, then the file's, with nothing saved: not a
    spreadsheet, empty, too large or too long.

    ``rows``: the file's rows when the caller has read them already (the background job
    reads the file before this transaction, so that its progress can say how many rows).
    """
    today = today or clock.today()
    _class_open_for_entry(active, class_plan_id, today)
    limit = settings.XUESHI_BATCH_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise ServiceError(f"文件超过 {limit // (1024 * 1024)} MB，请拆分后上传。", field="file")
    data = upload.read()
    if not data:
        raise ServiceError("文件是空的。", field="file")
    if rows is None:
        rows = read_rows(data)
    return hour_batch_enter(
        class_plan_id=class_plan_id,
        rows=rows,
        source=upload.name or "未命名.xlsx",
        digest=hashlib.sha256(data).hexdigest(),
        actor=actor,
        active=active,
        today=today,
    )
