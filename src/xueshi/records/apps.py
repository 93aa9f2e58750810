from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "xueshi.records"
    verbose_name = "学时记录与审核"

    def ready(self) -> None:
        from xueshi.accounts.dashboard import register
        from xueshi.records.reminders import workload_panel

        register(workload_panel)
