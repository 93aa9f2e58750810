"""成绩单: the printable proof of a passed attempt (Guangde 2020 §三(一): the learner prints it
and the bureau verifies it before the hours count)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from xueshi.accounts.access import ActiveRole
from xueshi.audit.services import audit_event_write
from xueshi.certificates.keys import keyring
from xueshi.certificates.token import code_new, token_sign
from xueshi.errors import ServiceError
from xueshi.exams.models import Attempt, Transcript
from xueshi.exams.selectors import learner_of
from xueshi.exams.transcripts import TRANSCRIPT_PREFIX


def transcript_number(attempt: Attempt) -> str:
    """CJD + the course's year + the attempt's id: unique without a counter to race on."""
    return f"{TRANSCRIPT_PREFIX}{attempt.exam.course.year}{attempt.pk:08d}"


@transaction.atomic
def transcript_issue(*, attempt_id: int, active: ActiveRole) -> Transcript:
    """The transcript of the learner's own passed attempt (made once; asked again, the same
    one). Its number and verification code are signed with the certificates' key."""
    professional = learner_of(active)
    if professional is None:
        raise ServiceError("只有专业技术人员本人可以打印成绩单。")
    attempt = (
        Attempt.objects.select_for_update(of=("self",))
        .select_related("exam", "exam__course")
        .filter(pk=attempt_id, professional=professional)
        .first()
    )
    if attempt is None:
        raise ServiceError("考试记录不存在。")
    if not attempt.passed:
        raise ServiceError("只有考试合格才能打印成绩单。")
    existing = Transcript.objects.filter(attempt=attempt).first()
    if existing is not None:
        return existing
    number = transcript_number(attempt)
    code = code_new()
    try:
        with transaction.atomic():
            transcript = Transcript.objects.create(
                attempt=attempt,
                number=number,
                verification_code=code,
                token=token_sign(number=number, code=code, ring=keyring()),
            )
    except IntegrityError:
        raise ServiceError("成绩单编号冲突，请重试。") from None
    audit_event_write(
        actor=professional.user,
        role=active.role,
        action="transcript_issue",
        target=transcript,
        to_status="issued",
        data={"attempt": attempt.pk, "number": number},
    )
    return transcript
