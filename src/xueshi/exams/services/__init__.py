"""Every change of an exam, its questions and its attempts: one transaction each, the row
locked, an audit event written.

- ``manage``: the course's publisher sets up the exam, imports questions, opens it;
- ``attempts``: a learner starts an attempt (questions drawn), saves answers, submits; the
  server closes an attempt at its deadline; a passed attempt enters the course's hours once;
- ``transcripts``: the 成绩单 of a passed attempt.
"""

from __future__ import annotations

from xueshi.exams.services.attempts import (
    attempt_answers_save,
    attempt_refresh,
    attempt_start,
    attempt_submit,
    attempt_token,
    attempts_expire,
)
from xueshi.exams.services.manage import exam_create, exam_publish, question_import
from xueshi.exams.services.transcripts import transcript_issue

__all__ = [
    "attempt_answers_save",
    "attempt_refresh",
    "attempt_start",
    "attempt_submit",
    "attempt_token",
    "attempts_expire",
    "exam_create",
    "exam_publish",
    "question_import",
    "transcript_issue",
]
