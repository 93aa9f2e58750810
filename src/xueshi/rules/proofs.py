"""The form of the proof a provider issues a learner (继续教育证明): its title, as the notice
of the provider's region names it, with its clause.

Shantou 2014 §四(四) names the form — 《广东省专业技术人员继续教育证明》 (Attachment 1) — for its
year. The other seed notices name none: Kaifeng 2016 and Guangde 2020 speak of a provider's
合格证书 or 成绩证明 without a form, Luojiang 2017 of the provider's 证明 of content, hours and
result (§二(一)). Where no notice in force names a form, the proof takes a neutral title and
says that the form is this system's own, so that no region's proof claims another's name.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .policy import Policy, Reference

NEUTRAL_TITLE = "专业技术人员继续教育培训证明"
NEUTRAL_BASIS = "所在地区的继续教育通知未规定培训证明的格式，本证明的格式由本系统确定。"


@dataclass(frozen=True, slots=True)
class ProofForm:
    """The proof's title and the sentence saying what it rests on (the clause, or that the
    form is the system's own)."""

    title: str
    basis: str
    reference: Reference | None = None


def proof_form(policy: Policy, *, region: str, day: dt.date) -> ProofForm:
    """The form in force in ``region`` on ``day`` (the last day of the class: the training's
    own notice), or the neutral form where no notice names one."""
    resolved = policy.resolve("proof.form", region, day, None)
    if resolved is None:
        return ProofForm(NEUTRAL_TITLE, NEUTRAL_BASIS)
    title = str(resolved.value["title"])
    reference = resolved.reference
    basis = f"本证明依据{reference.notice.citation}第{reference.section}项出具。"
    return ProofForm(title, basis, reference)
