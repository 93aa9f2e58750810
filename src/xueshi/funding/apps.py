from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "xueshi.funding"
    verbose_name = "继续教育经费"
