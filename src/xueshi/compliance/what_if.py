"""What if: the person's year as it would stand with learning they have not done yet — a
course of so many hours, or a class they are enrolled in — judged by the same engine as
their real year (``person_year`` with the learning added as approved records), with the
clauses. Nothing is saved: the added learning is a rules ``Record``, never a row."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from xueshi.compliance.person_year import PersonYear, person_year
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.rules import Category, Mode, Record
from xueshi.rules.verdict import fmt
from xueshi.training.models import Enrollment
from xueshi.training.selectors import class_entry


@dataclass(frozen=True)
class Addition:
    """Learning the person imagines: what it would be as a record of ``year``."""

    label: str
    record: Record


def course_addition(year: int, category: Category, hours: Decimal) -> Addition:
    """A course of ``hours`` in ``category``, taken in ``year`` and recognised."""
    return Addition(
        f"{category.label} {fmt(hours)} 学时的课程",
        Record(credited_year=year, category=category, hours=hours, label="（假设）课程"),
    )


def enrolled_classes(professional: Professional, year: int) -> list[Enrollment]:
    """The classes ending in ``year`` the person is enrolled in and has no record of yet."""
    recorded = HourRecord.objects.filter(
        professional=professional, class_plan__isnull=False
    ).values("class_plan_id")
    return list(
        Enrollment.objects.filter(professional=professional, class_plan__end_date__year=year)
        .exclude(class_plan_id__in=recorded)
        .select_related("class_plan", "class_plan__provider")
        .order_by("class_plan__start_date", "id")
    )


def class_addition(enrollment: Enrollment) -> Addition:
    """The class as its record would be once the provider entered it and it was approved."""
    entry = class_entry(enrollment.class_plan)
    return Addition(
        f"培训班《{entry.title}》（{entry.category.label} {fmt(entry.hours)} 学时）",
        Record(
            credited_year=entry.credited_year,
            category=entry.category,
            hours=entry.hours,
            required=entry.required,
            mode=Mode(entry.mode),
            taken_on=entry.end_date,
            label=f"（假设）{entry.title}",
        ),
    )


@dataclass(frozen=True)
class WhatIf:
    addition: Addition
    now: PersonYear
    then: PersonYear

    @property
    def changes(self) -> bool:
        return self.now.compliant != self.then.compliant


def what_if(professional: Professional, year: int, addition: Addition) -> WhatIf:
    """The year as it stands and as it would with ``addition``."""
    return WhatIf(
        addition,
        person_year(professional, year),
        person_year(professional, year, [addition.record]),
    )
