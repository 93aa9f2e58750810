from django.apps import AppConfig


class ExamsConfig(AppConfig):
    name = "xueshi.exams"
    verbose_name = "在线考试"

    def ready(self) -> None:
        from xueshi.certificates.verification import document_kind_register
        from xueshi.exams.transcripts import TRANSCRIPT_PREFIX, transcript_shown

        # The public verification page answers a transcript's QR as it does a certificate's.
        document_kind_register(TRANSCRIPT_PREFIX, transcript_shown)
