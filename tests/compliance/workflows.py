"""Random workflows through the services — declarations, provider entries, reviews
(approve, return, reject), corrections and resubmissions, moves between employers and
regions, new registrations — over a small world with every role a review chain asks for.

The world spans Shantou (hours by category, make-up of 2010–2013 allowed during 2014 only),
Luojiang (teachers' five-year cycles with required public courses; medical staff in credits
with a cap on remote credits; no elective category), Kaifeng and Guangde.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.factories import (
    AuthorityFactory,
    EmployerFactory,
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    employ,
    grant,
    make_ric,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.errors import ServiceError
from xueshi.organisations.models import Employer
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.people.services import (
    employment_accept,
    employment_end,
    employment_request,
    professional_register,
)
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services import (
    hour_record_declare,
    hour_record_enter_for_class,
    hour_record_transition,
    hour_record_update_returned,
)
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan
from xueshi.training.selectors import class_entry

OPEN_YEARS = (2013, 2014, 2015, 2016, 2017, 2018, 2020)
TODAY = dt.date(2021, 3, 1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Who each region's people are: (region, series, institution level).
KINDS = (
    ("440500", "engineering", ""),
    ("440500", "health", "tertiary"),
    ("350504", "teacher", ""),
    ("350504", "health", "secondary"),
    ("350504", "engineering", ""),
    ("410200", "engineering", ""),
    ("341882", "engineering", ""),
)


@dataclass
class World:
    rng: random.Random
    employers: list[Employer]
    admins: dict[int, ActiveRole]  # employer → its administrator
    reviewers: dict[int, ActiveRole]  # employer → its reviewer
    bureaus: dict[str, ActiveRole]  # region → its bureau
    authorities: dict[str, ActiveRole]  # region → its health authority
    providers: dict[str, tuple[Any, ActiveRole]]  # region → (provider, its staff)
    log: list[str] = field(default_factory=list)
    salt: int = 0

    def me(self, person: Professional) -> ActiveRole:
        return grant(person.user, Role.PROFESSIONAL)

    def evidence(self) -> list[SimpleUploadedFile]:
        self.salt += 1
        return [
            SimpleUploadedFile(
                "证明.pdf", PDF + str(self.salt).encode(), content_type="application/pdf"
            )
        ]


def make_world() -> World:
    regions()
    rng = random.Random(0)
    employers, admins, reviewers = [], {}, {}
    for region in ("440500", "440500", "350504", "410200", "341882"):
        employer = EmployerFactory(region_id=region)
        employers.append(employer)
        admins[employer.pk] = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
        reviewers[employer.pk] = grant(UserFactory(), Role.EMPLOYER_REVIEWER, employer=employer)
    bureaus, authorities, providers = {}, {}, {}
    for region in ("440500", "350504", "410200", "341882"):
        bureaus[region] = grant(UserFactory(), Role.BUREAU_STAFF, region_id=region)
        authority = AuthorityFactory(region_id=region, series=["health", "teacher"])
        authorities[region] = grant(UserFactory(), Role.AUTHORITY_REVIEWER, authority=authority)
        provider = ProviderFactory(region_id=region)
        providers[region] = (provider, grant(UserFactory(), Role.PROVIDER_STAFF, provider=provider))
    for i, (region, series, institution) in enumerate(KINDS):
        employer = next(e for e in employers if e.region_id == region)
        title = ("junior", "intermediate", "associate_senior", "senior")[i % 4]
        employ(
            ProfessionalFactory(
                region_id=region,
                series=series,
                title_level=title,
                institution_level=institution,
            ),
            employer,
        )
    return World(rng, employers, admins, reviewers, bureaus, authorities, providers)


# --- The operations, each through the services (or a received draft, then the services) -----


# The year each region's notices govern in the seed data; most learning goes there.
HOME_YEAR = {"440500": 2014, "350504": 2017, "410200": 2016, "341882": 2020}


def _year(w: World, person: Professional) -> int:
    if w.rng.random() < 0.7:
        return HOME_YEAR[person.region_id]
    return w.rng.choice(OPEN_YEARS)


def _hours(w: World) -> Decimal:
    return Decimal(w.rng.randint(10, 600)) / 10


def op_declare(w: World, person: Professional) -> None:
    """The professional declares hours; sometimes learning taken the year after (make-up)."""
    year = _year(w, person)
    taken = year + 1 if w.rng.random() < 0.25 else year
    end = dt.date(taken, w.rng.randint(1, 12), w.rng.randint(1, 28))
    hour_record_declare(
        actor=person.user,
        active=w.me(person),
        professional=person,
        category=w.rng.choice(("professional", "professional", "elective", "public")),
        content="申报",
        hours=_hours(w),
        start_date=end - dt.timedelta(days=2),
        end_date=end,
        credited_year=year,
        evidence=w.evidence(),
        today=TODAY,
    )


def op_batch_entry(w: World, person: Professional) -> None:
    """A provider of the person's region enters a class's hours for the person."""
    provider, staff = w.providers[person.region_id]
    year = _year(w, person)
    end = dt.date(year, w.rng.randint(1, 12), w.rng.randint(3, 28))
    plan = ClassPlan.objects.create(
        provider=provider,
        region_id=person.region_id,
        title=f"培训班{w.rng.randint(1, 10**6)}",
        category=w.rng.choice(("public", "professional")),
        required=w.rng.random() < 0.5,
        mode=w.rng.choice(("face_to_face", "online")),
        start_date=end - dt.timedelta(days=2),
        end_date=end,
        hours=_hours(w),
        status="approved",
    )
    hour_record_enter_for_class(
        actor=staff.assignment.user,
        active=staff,
        professional=person,
        entry=class_entry(plan),
    )


def op_received(w: World, person: Professional) -> None:
    """A record the system receives as a draft (credits, a required public course, make-up
    of 2013 taken in 2014 — what no declaration form enters), then submitted by its
    declarant through the services."""
    kind = w.rng.choice(("credits", "course", "makeup"))
    year = _year(w, person)
    end = dt.date(year, w.rng.randint(1, 12), 15)
    fields: dict[str, Any] = {"category": "public", "hours": _hours(w)}
    if kind == "credits":
        fields = {
            "category": "",
            "credits": Decimal(w.rng.randint(10, 100)) / 10,
            "credit_class": w.rng.choice(("I", "II")),
            "mode": w.rng.choice(("online", "online", "face_to_face")),
        }
    elif kind == "course":
        fields["required"] = True
    else:
        year, end = 2013, dt.date(2014, w.rng.randint(1, 12), 15)
        fields["category"] = w.rng.choice(("public", "professional"))
    record = HourRecord.objects.create(
        professional=person,
        content=kind,
        start_date=end - dt.timedelta(days=1),
        end_date=end,
        credited_year=year,
        status=RecordState.DRAFT,
        chain={"entered_by": ["professional"], "steps": _steps(w, person)},
        source=RecordSource.SYSTEM,
        declared_by=person.user,
        declared_role=Role.PROFESSIONAL,
        **fields,
    )
    hour_record_transition(
        record_id=record.pk, actor=person.user, active=w.me(person), action="submit"
    )


def _steps(w: World, person: Professional) -> list[str]:
    if person.series == "health":
        return ["industry_authority", "bureau"]
    return w.rng.choice((["bureau"], ["employer", "bureau"], []))


def _reviewer(w: World, record: HourRecord) -> ActiveRole | None:
    person = Professional.objects.get(pk=record.professional_id)
    match record.next_reviewer_role:
        case "employer":
            return w.reviewers.get(person.employer_id or 0)
        case "bureau":
            return w.bureaus.get(person.region_id)
        case "industry_authority":
            return w.authorities.get(person.region_id)
    return None


def op_review(w: World, person: Professional) -> None:
    """The next reviewer in the chain approves (mostly), returns or rejects a record."""
    waiting = list(
        HourRecord.objects.filter(status=RecordState.IN_REVIEW)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not waiting:
        return
    record = HourRecord.objects.get(pk=w.rng.choice(waiting))
    reviewer = _reviewer(w, record)
    if reviewer is None:
        return
    action = w.rng.choice(("approve", "approve", "approve", "approve", "return", "reject"))
    hour_record_transition(
        record_id=record.pk,
        actor=reviewer.assignment.user,
        active=reviewer,
        action=action,
        comment="" if action == "approve" else "请补充",
    )


def op_resubmit(w: World, person: Professional) -> None:
    """A returned record is corrected (hours, dates) and resubmitted, or resubmitted as is."""
    returned = list(
        HourRecord.objects.filter(status=RecordState.RETURNED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not returned:
        return
    record = HourRecord.objects.select_related("professional").get(pk=w.rng.choice(returned))
    owner = record.professional
    if w.rng.random() < 0.5:
        hour_record_update_returned(
            record_id=record.pk,
            actor=owner.user,
            active=w.me(owner),
            content=record.content + "（已更正）",
            start_date=record.start_date,
            end_date=record.end_date,
            hours=_hours(w),
            resubmit=True,
            today=TODAY,
        )
    else:
        hour_record_transition(
            record_id=record.pk, actor=owner.user, active=w.me(owner), action="resubmit"
        )


def op_diligent(w: World, person: Professional) -> None:
    """Someone who learns enough for their region's year: received records, each approved
    step by step through the services (so compliant rows appear too)."""
    year = HOME_YEAR.get(person.region_id, 2014)
    end = dt.date(year, 9, 15)
    if person.series == "health" and person.region_id == "350504":
        batches: list[dict[str, Any]] = [
            {"category": "", "credits": Decimal(20), "credit_class": "I"},
            {"category": "", "credits": Decimal(15), "mode": "online", "credit_class": "II"},
        ]
    else:
        batches = [
            {"category": "public", "hours": Decimal(30), "required": True},
            {"category": "professional", "hours": Decimal(70)},
            {"category": "elective", "hours": Decimal(20)},
        ]
    me = w.me(person)
    for fields in batches:
        record = HourRecord.objects.create(
            professional=person,
            content="全年学习",
            start_date=end - dt.timedelta(days=3),
            end_date=end,
            credited_year=year,
            status=RecordState.DRAFT,
            chain={"entered_by": ["professional"], "steps": _steps(w, person)},
            source=RecordSource.SYSTEM,
            declared_by=person.user,
            declared_role=Role.PROFESSIONAL,
            **fields,
        )
        record = hour_record_transition(
            record_id=record.pk, actor=person.user, active=me, action="submit"
        )
        while record.status == RecordState.IN_REVIEW:
            reviewer = _reviewer(w, record)
            if reviewer is None:
                break
            record = hour_record_transition(
                record_id=record.pk,
                actor=reviewer.assignment.user,
                active=reviewer,
                action="approve",
            )


def op_move(w: World, person: Professional) -> None:
    """The person joins another employer (maybe in another region), or leaves theirs."""
    if person.employer_id and w.rng.random() < 0.3:
        employment = Employment.objects.get(professional=person, status=EmploymentStatus.ACTIVE)
        employment_end(
            actor=person.user, active=w.me(person), employment_id=employment.pk, today=TODAY
        )
        return
    employer = w.rng.choice([e for e in w.employers if e.pk != person.employer_id])
    employment = employment_request(actor=person.user, active=w.me(person), employer_id=employer.pk)
    admin = w.admins[employer.pk]
    employment_accept(
        actor=admin.assignment.user, active=admin, employment_id=employment.pk, today=TODAY
    )


def op_register(w: World, person: Professional) -> None:
    """Someone new registers (a row in every open year from the start)."""
    region, series, institution = w.rng.choice(KINDS)
    number = w.rng.randint(10**5, 10**6)
    professional_register(
        username=f"new{number}",
        password="a-long-enough-passphrase-9",
        full_name=f"新人{number}",
        id_number=make_ric(),
        series=series,
        title_level=w.rng.choice(("junior", "intermediate", "senior")),
        region_code=region,
        institution_level=institution,
    )


OPERATIONS = (
    (op_declare, 6),
    (op_batch_entry, 4),
    (op_received, 4),
    (op_review, 12),
    (op_resubmit, 3),
    (op_move, 1),
    (op_register, 1),
    (op_diligent, 2),
)


def run_workflows(w: World, steps: int) -> dict[str, int]:
    done: dict[str, int] = {}
    names = [op for op, weight in OPERATIONS for _ in range(weight)]
    for _ in range(steps):
        operation = w.rng.choice(names)
        person = w.rng.choice(list(Professional.objects.order_by("pk")))
        try:
            operation(w, person)
        except ServiceError:
            outcome = "refused"  # the policy or the workflow said no: nothing changed
        else:
            outcome = "done"
        key = f"{operation.__name__}:{outcome}"
        done[key] = done.get(key, 0) + 1
    return done
