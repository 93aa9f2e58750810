from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "xueshi.exams"
    verbose_name = "在线考试"

    def ready(self) -> None:
        from xueshi.certificates.verification import document_kind_register
        from xueshi.exams.transcripts import (
            TRANSCRIPT_PREFIX,
            record_transcripts,
            transcript_shown,
        )
        from xueshi.records.documents import record_documents_register

        # The public verification page answers a transcript's QR as it does a certificate's.
        document_kind_register(TRANSCRIPT_PREFIX, transcript_shown)
        # A record a passed exam entered shows its 成绩单 to the reviewer, with its check.
        record_documents_register(record_transcripts)
