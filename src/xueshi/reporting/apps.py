from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "xueshi.reporting"
    verbose_name = "统计与查询"
