"""Pages of classes: the provider's classes and filing, the approvers' queue, the catalogue
and enrolment, the class page (roster, attendance, assessment) and batch entry of hours.

Views parse, call one service or selector, and render; services refuse with a Chinese
message (ServiceError) and change nothing.
"""

from xueshi.training.views.batches import (
    batch_detail,
    batch_report_xlsx,
    batch_template,
    batch_upload,
)
from xueshi.training.views.classes import (
    annual_plan,
    class_approve,
    class_edit,
    class_file,
    class_new,
    class_reject,
    filing_queue,
    provider_classes,
)
from xueshi.training.views.learners import (
    attendance_sign_in,
    attendance_sign_out,
    class_assess,
    class_catalogue,
    class_detail,
    class_enroll,
    my_enrollments,
)

__all__ = [
    "annual_plan",
    "attendance_sign_in",
    "attendance_sign_out",
    "batch_detail",
    "batch_report_xlsx",
    "batch_template",
    "batch_upload",
    "class_approve",
    "class_assess",
    "class_catalogue",
    "class_detail",
    "class_edit",
    "class_enroll",
    "class_file",
    "class_new",
    "class_reject",
    "filing_queue",
    "my_enrollments",
    "provider_classes",
]
