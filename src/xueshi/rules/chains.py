"""The review chain of each category: who enters a record and who reviews it, in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .parameters import ReviewChain
from .policy import Policy, Reference
from .terms import Category, Person, Role


@dataclass(frozen=True, slots=True)
class Chain:
    category: Category
    entered_by: tuple[Role, ...]
    steps: tuple[Role, ...]
    evidence_required: bool
    reference: Reference
    evidence_reference: Reference | None
    region: str

    def next_step(self, done: int) -> Role | None:
        """The role that reviews after ``done`` steps have passed; None when complete."""
        return self.steps[done] if done < len(self.steps) else None

    def describe(self) -> str:
        entered = "、".join(r.label for r in self.entered_by).removesuffix("登记")
        steps = " → ".join(r.label for r in self.steps) or "无需审核"
        evidence = "，须上传证明材料" if self.evidence_required else ""
        return f"{self.category.label}：由{entered}登记{evidence}；审核：{steps}。"


def review_chain(
    policy: Policy,
    *,
    region: str,
    category: Category | str,
    day: dt.date,
    person: Person | None = None,
) -> Chain | None:
    """The chain in force for ``category`` in ``region`` on ``day``, or None if not set."""
    category = Category(category)
    resolved = policy.resolve(f"review_chain.{category.value}", region, day, person)
    if resolved is None:
        return None
    chain: ReviewChain = resolved.value
    evidence = policy.resolve("evidence.required", region, day, person)
    required = evidence is not None and category in evidence.value
    return Chain(
        category=category,
        entered_by=chain.entered_by,
        steps=chain.steps,
        evidence_required=required,
        reference=resolved.reference,
        evidence_reference=evidence.reference if required and evidence else None,
        region=resolved.region,
    )
