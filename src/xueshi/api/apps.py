from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "xueshi.api"
    label = "api"
    verbose_name = "开放接口"

    def ready(self) -> None:
        from xueshi.api import schema  # noqa: F401  (registers the OpenAPI extensions)
