"""The bridge from the models to the rules core: a record in the database as the rules see
it, and the verdict of a person and a year from the records that decide it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from xueshi.compliance.models import PersonYear
from xueshi.compliance.profiles import profile_of, requirements_of
from xueshi.people.models import Professional
from xueshi.people.selectors import person_of
from xueshi.policy_store import current_policy
from xueshi.records.history import records_as_of
from xueshi.records.models import HourRecord
from xueshi.rules import Category, CreditClass, Mode, Record, Verdict, evaluate, verdict_from_sums
from xueshi.rules.counting import STATUS_OF_STATE, UNREAD_STATES
from xueshi.rules.workflow import RecordState

# The longest cycle a policy sets (teachers: 5 years) bounds the records to read.
LOOKBACK_YEARS = 10


def rules_record(record: HourRecord) -> Record:
    if record.category:
        return Record(
            credited_year=record.credited_year,
            category=Category(record.category),
            hours=record.hours,
            required=record.required,
            mode=Mode(record.mode),
            status=STATUS_OF_STATE[RecordState(record.status)],
            taken_on=record.end_date,
            label=record.content,
        )
    return Record(
        credited_year=record.credited_year,
        credits=record.credits,
        credit_class=CreditClass(record.credit_class) if record.credit_class else None,
        mode=Mode(record.mode),
        status=STATUS_OF_STATE[RecordState(record.status)],
        taken_on=record.end_date,
        label=record.content,
    )


def person_year_records(
    professional: Professional, year: int, as_of: dt.date | None = None
) -> list[HourRecord]:
    """The records a verdict of ``year`` reads; with ``as_of``, as they stood at the end of
    that day (the audit trail's statuses then: a record approved later was still pending, one
    entered later is left out, one voided later still stood)."""
    records = HourRecord.objects.filter(
        professional=professional,
        credited_year__gt=year - LOOKBACK_YEARS,
        credited_year__lte=year,
    ).order_by("credited_year", "end_date", "id")
    if as_of is None:
        return list(records.exclude(status__in=UNREAD_STATES))
    return [r for r in records_as_of(list(records), as_of) if r.status not in UNREAD_STATES]


def person_year_verdict(
    professional: Professional,
    year: int,
    extra: Sequence[Record] = (),
    as_of: dt.date | None = None,
) -> tuple[Verdict, list[HourRecord]]:
    """The verdict of ``professional`` for ``year`` and the records it was made from, in the
    order the verdict's notes index them. Raises NoRequirement where nothing is in force.

    ``extra``: records the person does not have, judged after theirs (a what-if: nothing is
    saved); the verdict's notes index them from ``len(records)`` on. ``as_of``: from the
    records as they stood at the end of that day (``person_year_records``)."""
    records = person_year_records(professional, year, as_of)
    verdict = evaluate(
        current_policy(),
        region=professional.region_id,
        year=year,
        person=person_of(professional),
        records=[*(rules_record(r) for r in records), *extra],
    )
    return verdict, records


@dataclass(frozen=True)
class Standing:
    """Where a person stands for a year, as a certificate is issued from it."""

    verdict: Verdict  # from a ledger row: its sums, no notes on single records
    pending: int  # records still under review (or returned for correction)
    source: str  # "ledger" or "evaluation"


def person_year_standing(professional: Professional, year: int) -> Standing:
    """The person's standing for ``year``: from their ledger row where the year is open and
    the row was computed under the policy in force for the profile they have now (what the
    bureau's figures show), else evaluated from the records. Raises NoRequirement where
    nothing is in force."""
    policy = current_policy()
    profile = profile_of(
        professional.region_id,
        year,
        professional.series,
        professional.title_level,
        professional.institution_level,
    )
    row = PersonYear.objects.filter(
        professional=professional, year=year, policy_version=policy.version
    ).first()
    reqs = requirements_of(policy)(profile)
    current = row is not None and profile == profile_of(
        row.region_id, year, row.series, row.title_level, row.institution_level
    )
    if row is not None and current and row.compliant is not None and reqs is not None:
        verdict = verdict_from_sums(
            policy, reqs, person=person_of(professional), sums=row.column_sums
        )
        return Standing(verdict, row.pending, "ledger")
    verdict, _ = person_year_verdict(professional, year)
    return Standing(verdict, len(verdict.pending), "evaluation")
