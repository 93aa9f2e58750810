"""The policy the running system uses: ``settings.XUESHI_POLICY_DIR``, loaded once, with the
notices bureaus have published laid over it.

It sits at the bottom of the layers, beside the rules core, because every writer asks the
rules (review chains, deadlines, categories); what the policy says about where a person
stands is ``xueshi.compliance``'s.

Published notices live in the database (``xueshi.policies``), an app far above this one:
it registers a ``PolicyLayers`` here (``layers_register``), as the ledger's keeper registers
with ``xueshi.standing``. Whether they changed is asked once per request and once per job
(``policy_check_due``, cheap: one indexed query, only if the policy is used), not on every
call: a request or a job sees one policy from start to end.
"""

from __future__ import annotations

import threading
from typing import Protocol

from django.conf import settings

from xueshi.rules import load_policy
from xueshi.rules.policy import Policy


class PolicyLayers(Protocol):
    """What publishes notices over the repository's policy."""

    def fingerprint(self) -> str:
        """Changes whenever what ``apply`` lays over the base changes (cheap to ask)."""
        ...

    def apply(self, base: Policy) -> Policy:
        """``base`` with the published notices laid over it."""
        ...


_bases: dict[str, Policy] = {}
_layered: dict[tuple[str, str], Policy] = {}
_layers: list[PolicyLayers] = []
_local = threading.local()


def layers_register(layers: PolicyLayers) -> None:
    _layers[:] = [layers]


def _base() -> Policy:
    key = str(settings.XUESHI_POLICY_DIR)
    if key not in _bases:
        _bases[key] = load_policy(settings.XUESHI_POLICY_DIR)
    return _bases[key]


def policy_check_due() -> None:
    """Ask again, at the next ``current_policy()`` of this thread, whether notices were
    published (the start of a request, of a job)."""
    _local.fingerprint = None


def current_policy() -> Policy:
    base = _base()
    if not _layers:
        return base
    fingerprint: str | None = getattr(_local, "fingerprint", None)
    if fingerprint is None:
        fingerprint = _layers[0].fingerprint()
        _local.fingerprint = fingerprint
    key = (base.version, fingerprint)
    policy = _layered.get(key)
    if policy is None:
        policy = _layers[0].apply(base)
        _layered.clear()  # only the newest is wanted
        _layered[key] = policy
    return policy


def base_policy() -> Policy:
    """The repository's policy alone (the seed notices), without published ones."""
    return _base()


def policy_reload() -> None:
    """Forget the loaded policy: its files changed (a test editing a copy of them)."""
    _bases.pop(str(settings.XUESHI_POLICY_DIR), None)
    _layered.clear()
    policy_check_due()
