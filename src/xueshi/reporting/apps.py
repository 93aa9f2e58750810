from django.apps import AppConfig

# The exports of the reporting pages (xueshi.jobs.exports' sources).
EMPLOYER_EXPORT = "employer_compliance"
BUREAU_EXPORT = "bureau_compliance"
CHARTS_EXPORT = "bureau_charts"


class ReportingConfig(AppConfig):
    name = "xueshi.reporting"
    verbose_name = "统计与查询"

    def ready(self) -> None:
        from xueshi.jobs.exports import export_register
        from xueshi.reporting.exports import bureau_export, charts_export, employer_export

        export_register(EMPLOYER_EXPORT, employer_export)
        export_register(BUREAU_EXPORT, bureau_export)
        export_register(CHARTS_EXPORT, charts_export)
