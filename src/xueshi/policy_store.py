"""The policy the running system uses: ``settings.XUESHI_POLICY_DIR``, loaded once.

It sits at the bottom of the layers, beside the rules core, because every writer asks the
rules (review chains, deadlines, categories); what the policy says about where a person
stands is ``xueshi.compliance``'s.
"""

from __future__ import annotations

from django.conf import settings

from xueshi.rules import load_policy
from xueshi.rules.policy import Policy

_policies: dict[str, Policy] = {}


def current_policy() -> Policy:
    key = str(settings.XUESHI_POLICY_DIR)
    if key not in _policies:
        _policies[key] = load_policy(settings.XUESHI_POLICY_DIR)
    return _policies[key]
