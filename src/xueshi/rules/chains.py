"""The review chain of each category: who enters a record and who reviews it, in order."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .parameters import ReviewChain
from .periods import assessment_date
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


def chain_day(credited_year: int, taken_on: dt.date | None) -> dt.date:
    """The day whose rules review a record of ``credited_year``: the day its learning ended
    when that is inside the year (hours taken while a rule was in force keep that rule's,
    docs/adr/0006), else the year's close."""
    if taken_on is not None and taken_on.year == credited_year:
        return taken_on
    return assessment_date(credited_year)


def record_chain(
    policy: Policy,
    *,
    region: str,
    category: Category | str,
    credited_year: int,
    taken_on: dt.date | None = None,
    person: Person | None = None,
) -> Chain | None:
    """The chain a record of ``credited_year`` follows (and the clause a pending or rejected
    one cites): the one in force on ``chain_day``; on a day no chain is in force (Shantou
    2015-01-01 … 2015-09-30, between the 2014 notice's year and 人社部令第25号), the one at
    the year's close, as the ``categories`` rule is read (docs/adr/0006 §3, 0014)."""
    day = chain_day(credited_year, taken_on)
    chain = review_chain(policy, region=region, category=category, day=day, person=person)
    close = assessment_date(credited_year)
    if chain is None and day != close:
        chain = review_chain(policy, region=region, category=category, day=close, person=person)
    return chain
