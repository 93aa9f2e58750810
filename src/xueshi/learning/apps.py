from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "xueshi.learning"
    verbose_name = "在线学习"
