"""A provider enters the hours of the learners who passed a class (批量登记): the class's
facts come as a ClassEntry, built by the training app; records reads no training object."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from xueshi import standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_events_write_many
from xueshi.db import BULK_BATCH, insert_like
from xueshi.errors import ServiceError
from xueshi.people.models import Professional
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services.chains import chain_for, chain_roles, chain_snapshot
from xueshi.records.services.integrity import (
    integrity_flags_write_many,
    integrity_screen_class,
    learning_of,
)
from xueshi.rules import Category, Mode
from xueshi.rules.integrity import Learning
from xueshi.rules.terms import Role as ChainRole
from xueshi.rules.workflow import Action, RecordState, State, next_state


@dataclass(frozen=True, slots=True)
class ClassEntry:
    """What each learner's record of a class carries of the class, as plain values: the
    training app builds it (``training.selectors.class_entry``) and records reads no
    training object. ``class_plan_id`` fills the record's key to the class."""

    class_plan_id: int
    title: str
    category: Category
    required: bool
    hours: Decimal
    mode: Mode
    start_date: dt.date
    end_date: dt.date
    provider_id: int
    provider_name: str

    @property
    def credited_year(self) -> int:
        """A class's hours count for the year it ends in."""
        return self.end_date.year

    @property
    def learning(self) -> Learning:
        """The class as the integrity checks read an entry of it."""
        return learning_of(
            category=self.category.value,
            content=self.title,
            start=self.start_date,
            end=self.end_date,
            hours=self.hours,
            mode=self.mode.value,
            provider=self.provider_name,
            class_id=self.class_plan_id,
        )


@transaction.atomic
def hour_record_enter_for_class(
    *,
    actor: User,
    active: ActiveRole,
    professional: Professional,
    entry: ClassEntry,
) -> tuple[HourRecord, bool]:
    """A provider enters the hours of a learner who passed a class: the batch entry of one
    (``hour_record_enter_for_class_bulk``). Idempotent: the same learner and class give the
    same record (created is False the second time)."""
    created = hour_record_enter_for_class_bulk(
        actor=actor, active=active, professional_ids=[professional.pk], entry=entry
    )
    record = HourRecord.objects.exclude(status=RecordState.VOIDED).get(
        class_plan_id=entry.class_plan_id, professional=professional, source=RecordSource.BATCH
    )
    return record, professional.pk in created


Profile = tuple[str, str, str, str]


@transaction.atomic
def hour_record_enter_for_class_bulk(
    *,
    actor: User,
    active: ActiveRole,
    professional_ids: Sequence[int],
    entry: ClassEntry,
) -> set[int]:
    """``hour_record_enter_for_class`` for a whole batch: the same records (entered, then
    submitted on the provider's own roster), the same two audit events each and the same
    ledger refresh, in a few statements instead of six per learner (bench/batch_xlsx.py).
    Idempotent like it: learners whose hours for the class are already entered are left
    alone. All or nothing: a learner whose chain the provider may not enter refuses the
    whole call. Returns the ids of the professionals whose record was created."""
    # Only these learners' records are read, never the whole class's (a class pushed in
    # parts would read it once a part). Voided records (withdrawn by the system that pushed
    # them) leave room for a new one.
    wanted = sorted(set(professional_ids))
    existing: set[int] = set()
    for start in range(0, len(wanted), BULK_BATCH):
        existing.update(
            HourRecord.objects.filter(
                class_plan_id=entry.class_plan_id,
                source=RecordSource.BATCH,
                professional_id__in=wanted[start : start + BULK_BATCH],
            )
            .exclude(status=RecordState.VOIDED)
            .values_list("professional_id", flat=True)
        )
    todo = [pk for pk in wanted if pk not in existing]
    if not todo:
        return set()
    year = entry.credited_year
    policy_version = current_policy().version
    role = active.role
    # Records differ only by person, and their chain by the person's profile: one prototype
    # record per profile, its values prepared for the database once.
    people: dict[Profile, list[int]] = defaultdict(list)
    for start in range(0, len(todo), BULK_BATCH):
        for pk, *profile in Professional.objects.filter(
            pk__in=todo[start : start + BULK_BATCH]
        ).values_list("id", "region_id", "series", "title_level", "institution_level"):
            people[(profile[0], profile[1], profile[2], profile[3])].append(pk)
    # Integrity (records.services.integrity): a learner who already has this learning on
    # record is refused, naming the record; other doubts become flags on the new records.
    region_of = {pk: key[0] for key, ids in people.items() for pk in ids}
    refused, flagged = integrity_screen_class(
        entry=entry.learning, professional_ids=todo, region_of=region_of
    )
    if refused:
        named = Professional.objects.filter(pk__in=list(refused)[:5])
        names = dict(named.values_list("id", "full_name"))
        first = "；".join(f"{names.get(pk, pk)}：{why}" for pk, why in list(refused.items())[:5])
        more = f"等 {len(refused)} 名学员" if len(refused) > 5 else ""
        raise ServiceError(f"{first}{more}。未登记。")
    prototypes: dict[Profile, HourRecord] = {}
    for key, ids in people.items():
        professional = Professional.objects.get(pk=ids[0])
        chain = chain_for(professional, entry.category, year)
        if ChainRole.PROVIDER not in chain.entered_by:
            who = "、".join(r.label for r in chain.entered_by)
            raise ServiceError(
                f"{entry.category.label}学时由{who}登记，施教机构不能批量登记。"
                f"依据：{chain.reference.citation}"
            )
        snapshot = chain_snapshot(chain)
        entered_by, steps = chain_roles(snapshot)
        # The provider's own roster is the evidence of a class it ran (S6, L6).
        after = next_state(
            State(RecordState.DRAFT, 0),
            Action.SUBMIT,
            ChainRole.PROVIDER,
            entered_by=entered_by,
            steps=steps,
        )
        prototypes[key] = HourRecord(
            professional_id=ids[0],
            category=entry.category.value,
            hours=entry.hours,
            mode=entry.mode.value,
            form="training",
            content=entry.title,
            provider_id=entry.provider_id,
            provider_name=entry.provider_name,
            start_date=entry.start_date,
            end_date=entry.end_date,
            credited_year=year,
            required=entry.required,
            status=after.status.value,
            chain=snapshot,
            step=after.step,
            policy_version=policy_version,
            source=RecordSource.BATCH,
            class_plan_id=entry.class_plan_id,
            declared_by=actor,
            declared_role=role,
        )
        insert_like(prototypes[key], "professional_id", ids)
    # The new records' ids, for their audit events (a plain cursor: the ORM's row handling
    # cost twice the query at 100,000 records).
    meta = HourRecord._meta
    person = meta.get_field("professional").column
    created: dict[int, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(todo), BULK_BATCH):
            chunk = todo[start : start + BULK_BATCH]
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"SELECT {meta.pk.column}, {person} FROM {meta.db_table} "  # nosec B608
                f"WHERE {meta.get_field('class_plan').column} = %s "
                f"AND {meta.get_field('source').column} = %s "
                f"AND {meta.get_field('status').column} <> %s AND {person} IN ({marks})",
                [entry.class_plan_id, RecordSource.BATCH.value, RecordState.VOIDED.value, *chunk],
            )
            created.update((professional_id, record_id) for record_id, professional_id in cursor)
    for key, ids in people.items():
        targets = [created[pk] for pk in ids]
        common: dict[str, Any] = {
            "actor": actor,
            "role": role,
            "target_type": HourRecord,
            "target_ids": targets,
            "policy_version": policy_version,
        }
        audit_events_write_many(action="enter", to_status=RecordState.DRAFT.value, **common)
        audit_events_write_many(
            action=Action.SUBMIT.value,
            from_status=RecordState.DRAFT.value,
            to_status=prototypes[key].status,
            **common,
        )
        standing.records_entered(prototype=prototypes[key], professional_ids=ids)
    if flagged:
        integrity_flags_write_many(
            flagged={created[pk]: findings for pk, findings in flagged.items()},
            actor=actor,
            role=role,
            policy_version=policy_version,
        )
    return set(created)
