"""The review chain a record follows: resolved from the policy of its credited year, and
the snapshot of it the record carries (a later change of policy does not move a record
already under review)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.rules import Category
from xueshi.rules.chains import Chain, record_chain
from xueshi.rules.terms import Role as ChainRole


def chain_for(
    professional: Professional,
    category: str,
    credited_year: int,
    taken_on: dt.date | None = None,
) -> Chain:
    """The review chain of the category for the professional's region and series, as the
    rules of the credited year set it: those in force on the day the learning ended
    (``taken_on``) when it ended inside that year — hours taken while a rule was in force
    keep that rule's, docs/adr/0006 — else at the year's close (rules/periods.py), and at the
    close where no chain is in force on that day (rules.chains.record_chain). Hours of 2014
    in Shantou follow the 2014 notice's chain, hours of 2016 the national rules' (docs/adr/0014),
    hours of 2019 the provincial 2018 opinion's, Guangdong electives of 2023-10 the
    opinion's."""
    chain = record_chain(
        current_policy(),
        region=professional.region_id,
        category=Category(category),
        credited_year=credited_year,
        taken_on=taken_on,
        person=person_of(professional),
    )
    if chain is None:
        raise ServiceError(
            f"{professional.region}没有规定 {credited_year} 年度{Category(category).label}的"
            "登记与审核流程，无法登记。",
            field="category",
        )
    return chain


def chain_snapshot(chain: Chain) -> dict[str, Any]:
    return {
        "entered_by": [str(r) for r in chain.entered_by],
        "steps": [str(r) for r in chain.steps],
        "evidence_required": chain.evidence_required,
        "reference": str(chain.reference),
        "region": chain.region,
    }


def chain_roles(snapshot: dict[str, Any]) -> tuple[tuple[ChainRole, ...], tuple[ChainRole, ...]]:
    return (
        tuple(ChainRole(r) for r in snapshot.get("entered_by", [])),
        tuple(ChainRole(r) for r in snapshot.get("steps", [])),
    )
