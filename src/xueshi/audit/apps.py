from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "xueshi.audit"
    verbose_name = "审计日志"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        post_migrate.connect(_seal_after_migrate, sender=self)


def _seal_after_migrate(**kwargs: object) -> None:
    """Rows written before the chain existed (or left unsealed by a process that died) are
    sealed, in id order, when the database is migrated."""
    from xueshi.audit.chain import audit_seal

    audit_seal()
