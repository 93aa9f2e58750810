from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "xueshi.training"
    verbose_name = "办班与培训"

    def ready(self) -> None:
        from xueshi.jobs.models import JobKind
        from xueshi.jobs.registry import task_register
        from xueshi.training.tasks import batch_import_back, hour_batch_import_task

        task_register(
            JobKind.HOUR_BATCH_IMPORT,
            hour_batch_import_task,
            back=batch_import_back,
            open_result=True,  # the batch report is what the provider wants once through
            retry=True,  # all or nothing in one transaction, and idempotent
        )
