"""Every change of a class and what hangs on it: drafting, filing with the policy's deadline,
approval by the body the policy names, enrolment, attendance, assessment and the provider's
batch entry of passed learners' hours.

Each service is one transaction: the row is locked, the rules decide, the change is saved
and an audit event is written. Services raise ServiceError with a complete Chinese message
and change nothing when the request is refused.
"""

from __future__ import annotations

from xueshi.training.services.classes import (
    class_plan_approve,
    class_plan_create,
    class_plan_file,
    class_plan_reject,
    class_plan_update,
)
from xueshi.training.services.common import EDITABLE, default_pass_mark
from xueshi.training.services.hours import (
    class_plan_lock_for_entry,
    hour_batch_enter,
    hour_batch_upload,
    hours_entry_deadline,
)
from xueshi.training.services.learners import (
    attendance_sign_in,
    attendance_sign_out,
    class_enroll,
    class_plan_assess,
)

__all__ = [
    "EDITABLE",
    "attendance_sign_in",
    "attendance_sign_out",
    "class_enroll",
    "class_plan_approve",
    "class_plan_assess",
    "class_plan_create",
    "class_plan_file",
    "class_plan_lock_for_entry",
    "class_plan_reject",
    "class_plan_update",
    "default_pass_mark",
    "hour_batch_enter",
    "hour_batch_upload",
    "hours_entry_deadline",
]
