from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "xueshi.jobs"
    verbose_name = "后台任务"
