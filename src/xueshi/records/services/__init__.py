"""Every change of an hour record: declare, enter (providers' batches), and the review
transitions. Each is one transaction: the row is locked, the rules core decides, the record
is saved and an audit event is written with the policy version.

- ``declaration``: 学时申报 by the professional, the employer or a provider;
- ``class_entry``: a provider's entry of a class's passed learners (one, or a whole batch);
- ``transitions``: submit, approve, return, reject, resubmit along the record's chain;
- ``updates``: a returned record or a draft corrected by its declarant;
- ``chains``, ``evidence``: the review chain a record carries, its evidence files.
"""

from __future__ import annotations

from xueshi.records.services.chains import chain_for
from xueshi.records.services.class_entry import (
    ClassEntry,
    hour_record_enter_for_class,
    hour_record_enter_for_class_bulk,
)
from xueshi.records.services.declaration import MAX_HOURS, hour_record_declare
from xueshi.records.services.evidence import evidence_attach, evidence_files_removed_on_failure
from xueshi.records.services.integrity import (
    integrity_check,
    integrity_flag_clear,
    integrity_flags_write,
    integrity_flags_write_many,
    integrity_screen_class,
    learning_of,
)
from xueshi.records.services.transitions import hour_record_transition
from xueshi.records.services.updates import hour_record_update_draft, hour_record_update_returned

__all__ = [
    "MAX_HOURS",
    "ClassEntry",
    "chain_for",
    "evidence_attach",
    "evidence_files_removed_on_failure",
    "hour_record_declare",
    "hour_record_enter_for_class",
    "hour_record_enter_for_class_bulk",
    "hour_record_transition",
    "hour_record_update_draft",
    "hour_record_update_returned",
    "integrity_check",
    "integrity_flag_clear",
    "integrity_flags_write",
    "integrity_flags_write_many",
    "integrity_screen_class",
    "learning_of",
]
