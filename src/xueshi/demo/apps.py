from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of the five seed regions and its ``demo_load`` command; no models."""

    name = "xueshi.demo"
    label = "demo"
    verbose_name = "演示数据"
