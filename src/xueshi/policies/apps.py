from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    """Policy as a bureau publishes it: drafts, the impact preview, published versions."""

    name = "xueshi.policies"
    label = "policies"
    verbose_name = "政策发布"

    def ready(self) -> None:
        from django.core.signals import request_started

        from xueshi import policy_store
        from xueshi.jobs.models import JobKind
        from xueshi.jobs.registry import task_register
        from xueshi.policies.selectors import PublishedLayers
        from xueshi.policies.tasks import policy_preview_back, policy_preview_task

        policy_store.layers_register(PublishedLayers())
        # A request sees the notices published before it started, from start to end.
        request_started.connect(_check_due, dispatch_uid="xueshi.policies.check_due")
        task_register(
            JobKind.POLICY_PREVIEW,
            policy_preview_task,
            back=policy_preview_back,
            open_result=True,
            retry=True,  # it only reads
        )


def _check_due(**kwargs: object) -> None:
    from xueshi.policy_store import policy_check_due

    policy_check_due()
