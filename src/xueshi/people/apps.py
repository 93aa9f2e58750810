from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "xueshi.people"
    verbose_name = "专业技术人员"
