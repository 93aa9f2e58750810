from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    name = "xueshi.inspections"
    verbose_name = "抽查与处理"
