from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "xueshi.jobs"
    verbose_name = "后台任务"

    def ready(self) -> None:
        from xueshi.jobs.exports import export_back, export_task
        from xueshi.jobs.models import JobKind
        from xueshi.jobs.registry import task_register

        # Writes nothing to the database but its outcome; a rerun writes a new file.
        task_register(JobKind.EXPORT, export_task, back=export_back, retry=True)
