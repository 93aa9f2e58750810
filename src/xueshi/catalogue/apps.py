from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "xueshi.catalogue"
    verbose_name = "科目目录"
