from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "xueshi.operations"
    label = "operations"
    verbose_name = "运维"
