"""Reads of bureau policy: the published versions in force (what ``xueshi.policy_store``
lays over the repository's policy), drafts in a bureau's scope, and a draft loaded as the
policy it would make."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.policies.models import PolicyDraft, PolicyPublication
from xueshi.policy_store import base_policy, current_policy
from xueshi.rules import PolicyError
from xueshi.rules.layers import Layer, LoadedLayer, layer_load, with_layers
from xueshi.rules.policy import Policy, Source, load_notices_source

logger = logging.getLogger(__name__)


def publications_in_force() -> QuerySet[PolicyPublication]:
    """Every published version not superseded by a later one, in publication order."""
    return PolicyPublication.objects.filter(superseded_by__isnull=True).order_by(
        "published_at", "id"
    )


def layer_of(region: str, notices: str, parameters: str, label: str) -> Layer:
    """A notice's two documents as the loader takes them; ``label`` names them in errors."""
    return Layer(
        region,
        Source(f"{label}/notices.yaml", notices),
        Source(f"{label}/parameters.yaml", parameters),
    )


def publication_layer(publication: PolicyPublication) -> Layer:
    return layer_of(
        publication.region_id,
        publication.notices_yaml,
        publication.parameters_yaml,
        f"{publication.region_id}/第{publication.number}版",
    )


def _layered(
    base: Policy, publications: list[PolicyPublication], extra: list[LoadedLayer]
) -> Policy:
    loaded = []
    for publication in publications:
        try:
            loaded.append(layer_load(base, publication_layer(publication)))
        except PolicyError as exc:  # the repository changed under it: say so, keep the rest
            logger.error("published policy %s no longer loads: %s", publication.pk, exc)
    tag = ",".join(str(p.pk) for p in publications)
    return with_layers(base, [*loaded, *extra], tag=tag + ("+draft" if extra else ""))


class PublishedLayers:
    """What ``xueshi.policy_store`` asks (registered by ``PoliciesConfig.ready``)."""

    def fingerprint(self) -> str:
        try:
            with transaction.atomic():  # a savepoint: a missing table must not break the caller's
                seen = list(
                    PolicyPublication.objects.order_by("id").values_list("id", "published_at")
                )
        except DatabaseError:  # not migrated yet
            return "-"
        # Ids alone could come back after a rollback (tests); the time of publication does not.
        return ";".join(f"{pk}@{at.isoformat()}" for pk, at in seen)

    def apply(self, base: Policy) -> Policy:
        return _layered(base, list(publications_in_force()), [])


def drafts_visible(active: ActiveRole) -> QuerySet[PolicyDraft]:
    """A bureau's drafts are its own region's; nobody else sees any."""
    if active.role is not Role.BUREAU_STAFF or active.assignment.region_id is None:
        return PolicyDraft.objects.none()
    return PolicyDraft.objects.filter(region_id=active.assignment.region_id).select_related(
        "region", "created_by"
    )


def publications_visible(active: ActiveRole) -> QuerySet[PolicyPublication]:
    if active.role is not Role.BUREAU_STAFF or active.assignment.region_id is None:
        return PolicyPublication.objects.none()
    return PolicyPublication.objects.filter(region_id=active.assignment.region_id).select_related(
        "region", "published_by", "supersedes"
    )


@dataclass(frozen=True)
class DraftPolicy:
    """A draft loaded: the policy in force, the policy it would make, what it replaces."""

    before: Policy
    after: Policy
    loaded: LoadedLayer
    supersedes: PolicyPublication | None

    def years(self, until: int) -> list[int]:
        """The years the draft's entries are in force in (and those of the version it
        replaces; an entry without an end: up to ``until``): the years whose verdicts it
        can change."""
        years = set(self.loaded.years(until))
        if self.supersedes is not None:
            old = layer_load(base_policy(), publication_layer(self.supersedes))
            years.update(old.years(until))
        return sorted(years)


def draft_policy(region: str, notices: str, parameters: str, label: str) -> DraftPolicy:
    """Load a draft's documents as the policy they would make once published. Raises
    PolicyError (document and line) if they do not load."""
    layer = layer_of(region, notices, parameters, label)
    new_ids = set(load_notices_source(layer.notices))
    in_force = list(publications_in_force())
    supersedes = next(
        (p for p in in_force if p.region_id == region and p.notice_id in new_ids), None
    )
    kept = [p for p in in_force if p is not supersedes]
    base = base_policy()
    beneath = _layered(base, kept, [])
    loaded = layer_load(beneath, layer)
    return DraftPolicy(current_policy(), _layered(base, kept, [loaded]), loaded, supersedes)


def draft_policy_of(draft: PolicyDraft) -> DraftPolicy:
    return draft_policy(
        draft.region_id, draft.notices_yaml, draft.parameters_yaml, f"草稿{draft.pk or ''}"
    )


def error_lines(exc: PolicyError) -> str:
    """A loader error as the page shows it: the document, the line, the message."""
    message = str(exc)
    where = ""
    if exc.path is not None:
        prefix = f"{exc.path}:{exc.line}: " if exc.line is not None else f"{exc.path}: "
        message = message.removeprefix(prefix)
        document = exc.path.rsplit("/", 1)[-1]
        where = f"{document} 第 {exc.line} 行：" if exc.line is not None else f"{document}："
    return where + message
