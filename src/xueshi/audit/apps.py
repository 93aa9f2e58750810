from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xueshi.audit"
    verbose_name = "审计日志"
