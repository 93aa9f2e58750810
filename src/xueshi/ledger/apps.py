from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "xueshi.ledger"
    verbose_name = "达标台账"
