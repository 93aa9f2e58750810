"""A Shantou 2014 class of a filed provider, approved; learners entered as passed (hours
entered, or a passing mark), and helpers to issue and read back their proofs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from tests.support.factories import EmployerFactory, UserFactory, employ, grant
from tests.training.conftest import World, enrol, learner
from tests.training.conftest import world as world  # the fixture, re-exported
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.people.models import Professional
from xueshi.records.services import hour_record_enter_for_class
from xueshi.training.models import ClassPlan
from xueshi.training.selectors import class_entry
from xueshi.training.services import class_plan_assess


@dataclass
class ProofWorld:
    world: World
    plan: ClassPlan
    entered: Professional  # hours entered by the provider
    assessed: Professional  # a passing mark only (an online exam)
    failed: Professional  # enrolled, failed
    assessed_me: ActiveRole
    employer_admin: ActiveRole

    @property
    def staff(self) -> ActiveRole:
        return self.world.staff


@pytest.fixture
def in_july_2014() -> Iterator[None]:
    with time_machine.travel(dt.datetime(2014, 7, 1, 2, tzinfo=dt.UTC)):
        yield


def proof_world_make(world: World, **fields: Any) -> ProofWorld:
    plan = world.approved(**fields)
    employer = EmployerFactory(region_id="440500", name="汕头市建筑设计院")
    people = []
    for name in ("林伟", "陈静", "吴昊"):
        person, me = learner(full_name=name, region_id="440500")
        employ(person, employer)
        enrol(plan, person, me)
        people.append((person, me))
    (entered, _), (assessed, assessed_me), (failed, _) = people
    hour_record_enter_for_class(
        actor=world.staff.assignment.user,
        active=world.staff,
        professional=entered,
        entry=class_entry(plan),
    )
    scores: dict[int, Decimal | None] = {
        e.pk: Decimal(86) if e.professional_id == assessed.pk else Decimal(40)
        for e in plan.enrollments.exclude(professional=entered)
    }
    class_plan_assess(
        class_plan_id=plan.pk,
        scores=scores,
        actor=world.staff.assignment.user,
        active=world.staff,
        today=plan.end_date,
    )
    return ProofWorld(
        world=world,
        plan=plan,
        entered=entered,
        assessed=assessed,
        failed=failed,
        assessed_me=assessed_me,
        employer_admin=grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer),
    )


@pytest.fixture
def proofs(world: World, in_july_2014: None, settings: Any) -> ProofWorld:
    settings.XUESHI_JOBS_INLINE = True
    return proof_world_make(world)
