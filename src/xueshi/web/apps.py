from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "xueshi.web"
    label = "web"
    verbose_name = "网站"
