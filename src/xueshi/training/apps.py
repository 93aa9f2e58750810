from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "xueshi.training"
    verbose_name = "办班与培训"
