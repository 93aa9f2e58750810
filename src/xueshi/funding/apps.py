from django.apps import AppConfig

FUNDING_EXPORT = "bureau_funding"  # 经费统计's export (a source of xueshi.jobs.exports)


class FundingConfig(AppConfig):
    name = "xueshi.funding"
    verbose_name = "继续教育经费"

    def ready(self) -> None:
        from xueshi.funding.exports import funding_export
        from xueshi.jobs.exports import export_register

        export_register(FUNDING_EXPORT, funding_export)
