from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    """Where a person stands: the models→rules bridge, person-year verdicts, the ledger."""

    name = "xueshi.compliance"
    label = "compliance"
    verbose_name = "达标核查与台账"

    def ready(self) -> None:
        from xueshi import standing
        from xueshi.compliance import checks  # noqa: F401  (registers the system checks)
        from xueshi.compliance.services import LedgerKeeper
        from xueshi.compliance.tasks import YEAR_END_COMMAND, ledger_rebuild_task, year_end_task
        from xueshi.compliance.views import year_end_starter
        from xueshi.jobs.models import JobKind
        from xueshi.jobs.registry import (
            Starter,
            command_starter_register,
            starter_register,
            task_register,
        )

        standing.keeper_register(LedgerKeeper())
        # A year's rebuild is one transaction, and rebuilding again gives the same ledger.
        task_register(JobKind.YEAR_END, year_end_task, retry=True)
        task_register(JobKind.LEDGER_REBUILD, ledger_rebuild_task, retry=True)
        starter_register(Starter("compliance/_year_end_start.html", year_end_starter))
        command_starter_register(YEAR_END_COMMAND)
