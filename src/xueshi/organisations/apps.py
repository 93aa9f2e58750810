from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "xueshi.organisations"
    verbose_name = "地区与单位"
