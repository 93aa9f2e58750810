from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "xueshi.certificates"
    verbose_name = "继续教育证书"

    def ready(self) -> None:
        from xueshi.certificates.tasks import (
            certificate_print_task,
            print_job_back,
            proof_batch_back,
            proof_batch_task,
        )
        from xueshi.jobs.models import JobKind
        from xueshi.jobs.registry import task_register

        task_register(
            JobKind.CERTIFICATE_PRINT, certificate_print_task, back=print_job_back, retry=True
        )
        task_register(JobKind.PROOF_BATCH, proof_batch_task, back=proof_batch_back, retry=True)

        from xueshi.certificates.class_catalogue import ProofCatalogue
        from xueshi.records.class_catalogue import catalogue_register

        catalogue_register(ProofCatalogue())
