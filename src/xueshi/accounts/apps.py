from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "xueshi.accounts"
    verbose_name = "账户与角色"

    def ready(self) -> None:
        from xueshi.accounts import signals

        signals.connect()
