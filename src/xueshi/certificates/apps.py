from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "xueshi.certificates"
    verbose_name = "继续教育证书"
