"""Verification paths (验证): who verifies a year's (or a cycle's) certificate, in order, and
what a cycle's result decides — as the notices say, each step citing its clause.

Luojiang 2017 §二(一): health staff's certificates are first reviewed by the health authority
(卫计局初审), then verified by the bureau; teachers' are checked and stamped by the education
authority every year (审核验印), and at the end of the five-year cycle verified by it jointly
with the bureau (会同…统一验证); a cycle not completed withholds the next year's appointment
and promotion. §二(二): the bureau's own trainings are verified by it directly with its
training stamp (调训验证). Where no path is in force, nothing is invented: the caller keeps
its own rule (the certificate's stamp) or refuses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .parameters import CONSEQUENCE_LABELS, VerificationPathValue
from .periods import assessment_date
from .policy import Policy, Reference
from .terms import Person, Role


@dataclass(frozen=True, slots=True)
class PathStep:
    """One step of the path a certificate follows, with the clause of the path it is of."""

    act: str
    by: tuple[Role, ...]
    seal: str
    kind: str  # year | cycle | dispatched
    citation: str  # 泉洛政人社〔2017〕27号 二(一)：“……”

    @property
    def joint(self) -> bool:
        return len(self.by) > 1

    def describe(self) -> str:
        who = "会同".join(r.label for r in self.by)
        seal = f"（{self.seal}）" if self.seal else ""
        return f"{who}{self.act}{seal}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "act": self.act,
            "by": [str(r) for r in self.by],
            "seal": self.seal,
            "kind": self.kind,
            "citation": self.citation,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> PathStep:
        return cls(
            act=str(raw["act"]),
            by=tuple(Role(r) for r in raw["by"]),
            seal=str(raw.get("seal", "")),
            kind=str(raw.get("kind", "year")),
            citation=str(raw.get("citation", "")),
        )


@dataclass(frozen=True, slots=True)
class VerificationPath:
    kind: str
    steps: tuple[PathStep, ...]
    reference: Reference
    region: str

    def describe(self) -> str:
        return " → ".join(s.describe() for s in self.steps)


PATH_KINDS = ("year", "cycle", "dispatched")


def verification_path(
    policy: Policy, *, region: str, kind: str, day: dt.date, person: Person | None = None
) -> VerificationPath | None:
    """The path of ``kind`` in force in ``region`` on ``day`` for ``person``, or None."""
    if kind not in PATH_KINDS:
        raise ValueError(f"unknown verification path kind {kind!r}")
    resolved = policy.resolve(f"verification_path.{kind}", region, day, person)
    if resolved is None:
        return None
    value: VerificationPathValue = resolved.value
    citation = f"{resolved.reference.citation}：“{value.clause}”"
    steps = tuple(PathStep(s.act, s.by, s.seal, kind, citation) for s in value.steps)
    return VerificationPath(kind, steps, resolved.reference, resolved.region)


def certificate_path(
    policy: Policy,
    *,
    region: str,
    year: int,
    person: Person | None,
    cycle: tuple[int, ...],
    dispatched: bool = False,
) -> tuple[PathStep, ...]:
    """The steps a certificate of ``year`` follows, read at the year's close like the rest
    of the year (rules/periods.py): the year's path, then — where the certificate closes a
    cycle of more than one year — the cycle's. Empty where the policy sets no path.

    ``dispatched``: every hour of the year is of the bureau's own trainings (统一调训). Where
    the policy has a dispatched path (Luojiang §二(二): 直接验证 with the training stamp), it
    takes the place of the year's path; a cycle's joint verification still follows it."""
    day = assessment_date(year)
    steps: list[PathStep] = []
    found = None
    if dispatched:
        found = verification_path(policy, region=region, kind="dispatched", day=day, person=person)
    if found is None:
        found = verification_path(policy, region=region, kind="year", day=day, person=person)
    if found is not None:
        steps.extend(found.steps)
    if len(cycle) > 1 and cycle[-1] == year:
        closing = verification_path(policy, region=region, kind="cycle", day=day, person=person)
        if closing is not None:
            steps.extend(closing.steps)
    return tuple(steps)


@dataclass(frozen=True, slots=True)
class Stamp:
    """A stamp given: the step it is of and the role that gave it."""

    step: int
    role: Role


@dataclass(frozen=True, slots=True)
class Next:
    """The step waiting (its index and the step) and the roles it still waits for."""

    index: int
    step: PathStep
    waiting: tuple[Role, ...]


def next_stamp(steps: tuple[PathStep, ...], stamps: tuple[Stamp, ...]) -> Next | None:
    """The first step not yet stamped by every role it names; None when the path is done.
    Steps are in order: a later step waits for the earlier ones (卫计局初审 before the bureau);
    the roles of one joint step may stamp in any order."""
    for index, step in enumerate(steps):
        given = {s.role for s in stamps if s.step == index}
        waiting = tuple(r for r in step.by if r not in given)
        if waiting:
            return Next(index, step, waiting)
    return None


@dataclass(frozen=True, slots=True)
class Consequence:
    """What a cycle's result decides for the year after it, with its clause."""

    year: int  # the year it binds
    withheld: tuple[str, ...]  # 评聘, 晋升
    reference: Reference

    def text(self, *, decided: bool, compliant: bool, undecided_why: str = "") -> str:
        acts = "、".join(self.withheld)
        if not decided:
            why = f"（{undecided_why}）" if undecided_why else ""
            return f"{self.year} 年度能否{acts}：无法判定{why}。"
        if compliant:
            return f"周期已完成：{self.year} 年度可按规定{acts}。"
        return f"周期未完成：{self.year} 年度不予{acts}。"


def cycle_consequence(
    policy: Policy, *, region: str, year: int, person: Person | None, cycle: tuple[int, ...]
) -> Consequence | None:
    """The consequence of a cycle closing with ``year`` (None where the year closes no cycle
    or no clause says what follows)."""
    if len(cycle) <= 1 or cycle[-1] != year:
        return None
    resolved = policy.resolve(
        "verification.cycle_consequence", region, assessment_date(year), person
    )
    if resolved is None:
        return None
    value = resolved.value
    return Consequence(
        year=year + int(value["year_offset"]),
        withheld=tuple(CONSEQUENCE_LABELS[w] for w in value["incomplete"]),
        reference=resolved.reference,
    )
