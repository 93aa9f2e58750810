from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "xueshi.records"
    verbose_name = "学时记录与审核"
