"""Every write about certificates: one transaction that locks what it changes and writes
its audit event (``xueshi.audit.services``).

- ``certificates``: issue, reissue, revoke, and the numbers;
- ``booklets``: Guangde's numbered booklet, its renewal, replacement and re-entries;
- ``rosters``: the employer's verification roster and the bureau's stamp;
- ``stamps``: a certificate's verification path, walked step by step by the roles it names;
- ``printing``: the employer's batch print;
- ``proofs``: the provider's 继续教育证明, one or a class's batch, reissue and withdrawal.
"""

from xueshi.certificates.services.booklets import booklet_issue, booklet_reentry_confirm
from xueshi.certificates.services.certificates import (
    certificate_issue,
    certificate_reissue,
    certificate_revoke,
    certificate_rule,
    number_next,
)
from xueshi.certificates.services.printing import print_job_request, print_job_status
from xueshi.certificates.services.proofs import (
    proof_batch_request,
    proof_issue,
    proof_reissue,
    proof_withdraw,
    proofs_issue_for_class,
)
from xueshi.certificates.services.rosters import roster_process, roster_submit
from xueshi.certificates.services.stamps import certificate_stamp

__all__ = [
    "booklet_issue",
    "booklet_reentry_confirm",
    "certificate_issue",
    "certificate_reissue",
    "certificate_revoke",
    "certificate_rule",
    "certificate_stamp",
    "number_next",
    "print_job_request",
    "print_job_status",
    "proof_batch_request",
    "proof_issue",
    "proof_reissue",
    "proof_withdraw",
    "proofs_issue_for_class",
    "roster_process",
    "roster_submit",
]
