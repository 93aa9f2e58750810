"""Load the demo (``data/*.yaml``, read by ``spec.read``): the accounts and organisations of
every region, then each region's story, step by step.

Idempotent: every step looks for what it would create (by username, credit code, ID number,
class title, record content) and does nothing when it exists, and the whole load is one
transaction, so a failed load leaves nothing behind. Dates are the seed years' own (each
service is given the ``today`` the step would have happened on), so the demo is the same on
every machine and in every year.

Writes go through the apps' services (registration, employment, classes, enrolment,
assessment, declaration, hour entry, review), which check the policy and write the audit
trail. Rows no service creates are written directly: accounts of bureaus, authorities and
providers (an administrator's job), the organisations themselves, and records the system
receives from elsewhere (``received`` steps: public hours registered by the system or the
bureau, make-up classes of 2014 credited to 2010–2013, medical credits, district-run courses).
Certificates are issued and their verification paths walked through the services as the
roles the policy names, each on its day of the story (``clock.at``).
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.services import audit_event_write
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.catalogue.services import public_subject_add, subject_guide_add
from xueshi.certificates.models import Certificate, CertificateStatus, Proof
from xueshi.certificates.proof_selectors import passed_learners
from xueshi.certificates.services import (
    certificate_issue,
    certificate_stamp,
    proofs_issue_for_class,
    roster_process,
    roster_submit,
)
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.demo import spec
from xueshi.demo.identifiers import demo_ric, demo_uscc
from xueshi.exams.excel import COLUMNS as QUESTION_COLUMNS
from xueshi.exams.models import Attempt, Credit, Exam, Question
from xueshi.exams.services import (
    attempt_start,
    attempt_submit,
    attempt_token,
    exam_create,
    exam_publish,
    question_import,
    transcript_issue,
)
from xueshi.learning.courses import course_create, course_publish, lesson_add
from xueshi.learning.models import Course, LessonKind, LessonProgress
from xueshi.learning.study import media_fetched, study_heartbeat, study_start
from xueshi.organisations.models import Employer, IndustryAuthority, Provider
from xueshi.organisations.services import regions_sync_from_policy
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.people.services import (
    employer_register,
    employment_accept,
    employment_request,
    professional_register,
)
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord, RecordSource
from xueshi.records.services import (
    chain_for,
    hour_record_declare,
    hour_record_enter_for_class,
    hour_record_transition,
)
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus
from xueshi.training.selectors import class_entry
from xueshi.training.services import (
    class_enroll,
    class_plan_approve,
    class_plan_assess,
    class_plan_create,
    class_plan_file,
    class_plan_reject,
)

# A one-page PDF standing in for a stamped 继续教育证明 (evidence is checked by content).
EVIDENCE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 842 595]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


@dataclass(frozen=True)
class Login:
    username: str
    role: str
    scope: str
    hint: str


class Demo:
    """The demo's world, built from its data; each step is idempotent."""

    def __init__(self, data: spec.DemoData) -> None:
        self.data = data
        self.users: dict[str, User] = {}
        self.active: dict[str, ActiveRole] = {}
        self.employers: dict[str, Employer] = {}
        self.admins: dict[str, str] = {}  # employer key -> its administrator's username
        self.logins: list[Login] = []
        self._password_hash: str | None = None

    # --- accounts and organisations --------------------------------------------------------

    def _user(self, username: str, full_name: str) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            # One hash for the accounts made here: hashing is deliberately slow, and every
            # demo password is the same published one anyway.
            if self._password_hash is None:
                self._password_hash = make_password(self.data.password)
            user = User(username=username, full_name=full_name, password=self._password_hash)
            user.save()
        self.users[username] = user

    def _grant(self, username: str, role: Role, scope: str, hint: str, **of: Any) -> None:
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=self.users[username], role=role, **of
        )
        self.active[username] = ActiveRole(assignment)
        self.logins.append(Login(username, role.label, scope, hint))

    def accounts(self) -> None:
        """Bureaus, authorities, providers, employers and professionals, each kind of every
        region in turn (the order of the logins table)."""
        regions_sync_from_policy(policy=current_policy())
        for region in self.data.regions:
            for b in region.bureaus:
                self._user(b.username, b.full_name)
                region_id = b.region or region.region
                self._grant(b.username, Role.BUREAU_STAFF, b.office, b.hint, region_id=region_id)
        for region in self.data.regions:
            for a in region.authorities:
                self._staffed(a, region.region)
        for region in self.data.regions:
            for p in region.providers:
                self._staffed(p, region.region)
        for region in self.data.regions:
            for e in region.employers:
                self._employer(e, region.region)
        for region in self.data.regions:
            for person in region.people:
                self._professional(person)

    def _staffed(self, body: spec.Authority | spec.Provider, region: str) -> None:
        """An industry authority or a provider, and the login of its reviewer or its staff."""
        model: Any
        if isinstance(body, spec.Authority):
            model, role, staff, of = (
                IndustryAuthority,
                Role.AUTHORITY_REVIEWER,
                "审核员",
                "authority",
            )
            defaults = {"series": list(body.series)}
        else:
            model, role, staff, of = Provider, Role.PROVIDER_STAFF, "教务员", "provider"
            defaults = {"sectors": list(body.sectors)}
        found, _ = model.objects.get_or_create(name=body.name, region_id=region, defaults=defaults)
        if body.username:
            self._user(body.username, f"{body.name}{staff}")
            self._grant(body.username, role, body.name, body.hint, **{of: found})

    def _employer(self, e: spec.Employer, region: str) -> None:
        uscc = demo_uscc(region, e.serial, public_institution=e.public_institution)
        employer = Employer.objects.filter(uscc=uscc).first()
        if employer is None:
            employer = employer_register(
                name=e.name,
                uscc=uscc,
                region_code=region,
                contact_name=e.admin_name,
                contact_phone=self.data.employer_phone,
                admin_username=e.admin,
                admin_password=self.data.password,
                admin_full_name=e.admin_name,
            )
        self.employers[e.key] = employer
        self.admins[e.key] = e.admin
        self.users[e.admin] = User.objects.get(username=e.admin)
        hint = e.hint or "本单位人员与达标情况"
        self._grant(e.admin, Role.EMPLOYER_ADMIN, e.name, hint, employer=employer)
        if e.reviewer:
            self._user(e.reviewer, f"{e.name}审核员")
            hint = "待我审核：专业科目初审"
            self._grant(e.reviewer, Role.EMPLOYER_REVIEWER, e.name, hint, employer=employer)

    def _professional(self, p: spec.Person) -> None:
        number = demo_ric(p.birthplace, p.birth, p.serial)
        employer = self.employers[p.employer]
        person = Professional.objects.id_number_is(number).first()
        if person is None:
            person = professional_register(
                username=p.username,
                password=self.data.password,
                full_name=p.full_name,
                id_number=number,
                series=p.series,
                title_level=p.title_level,
                region_code=employer.region_id,
                institution_level=p.institution_level or "",
            )
        self.users[p.username] = person.user
        self._grant(p.username, Role.PROFESSIONAL, p.full_name, p.hint)
        if not Employment.objects.filter(professional=person, employer=employer).exists():
            request = employment_request(**self._as(p.username), employer_id=employer.pk)
            if p.joined:
                employment_accept(
                    **self._as(self.admins[p.employer]),
                    employment_id=request.pk,
                    today=self.data.accepted,
                )

    # --- the stories -----------------------------------------------------------------------

    def story(self, steps: tuple[spec.Step, ...]) -> None:
        for step in steps:
            match step:
                case spec.Subject():
                    self.subject(step)
                case spec.Guide():
                    self.guide(step)
                case spec.TrainingClass():
                    self.training_class(step)
                case spec.Declaration():
                    self.declaration(step)
                case spec.Received():
                    self.received(step)
                case spec.OnlineCourse():
                    self.online_course(step)
                case spec.CertificateStep():
                    self.certificate(step)

    def _as(self, username: str) -> dict[str, Any]:
        """The ``actor`` and ``active`` arguments of a service called as ``username``."""
        return {"actor": self.users[username], "active": self.active[username]}

    def subject(self, s: spec.Subject) -> None:
        region = self.active[s.by].assignment.region_id
        if PublicSubject.objects.filter(region_id=region, for_year=s.year, title=s.title).exists():
            return
        public_subject_add(
            **self._as(s.by),
            for_year=s.year,
            title=s.title,
            hours=Decimal(s.hours),
            required=s.required,
            makeup=s.makeup,
            note=s.note,
            today=s.published,
        )

    def online_course(self, c: spec.OnlineCourse) -> None:
        """Publish an online course with its lessons (a short generated video each)."""
        a = self.active[c.by].assignment
        mine = Course.objects.filter(
            publisher_region_id=a.region_id, publisher_provider_id=a.provider_id
        )
        course = mine.filter(year=c.year, title=c.title).first()
        if course is None:
            course = self._course_published(c)
        if c.exam is not None and not Exam.objects.filter(course=course).exists():
            self.online_exam(course, c.by, c.exam)
        exam = Exam.objects.filter(course=course).first()
        for p in c.passed:
            if exam is not None:
                self.online_pass(course, exam, p)

    def online_pass(self, course: Course, exam: Exam, p: spec.OnlinePass) -> None:
        """``p.person`` plays the lessons, passes the exam on ``p.day`` (every answer right)
        and prints the 成绩单, through the learner's own services; the hours follow the
        region's route (online_exam.review). Once: a passed attempt is not taken again."""
        user = self.users[p.person]
        if Attempt.objects.filter(exam=exam, professional__user=user, passed=True).exists():
            return
        self._lessons_played(course, user)
        active = self.active[p.person]
        with clock.at(p.day):
            attempt = attempt_start(exam_id=exam.pk, active=active)
            questions = Question.objects.in_bulk(attempt.question_ids)
            right = {str(pk): questions[pk].answer for pk in attempt.question_ids}
            done = attempt_submit(
                attempt_id=attempt.pk, token=attempt_token(attempt), answers=right, active=active
            )
            if not Credit.objects.filter(attempt=done).exists():
                raise ValueError(f"demo pass of {p.person} entered no hours: {done.credit_note}")
            transcript_issue(attempt_id=done.pk, active=active)

    def _lessons_played(self, course: Course, user: User) -> None:
        """Each lesson fetched and played through at normal speed, one heartbeat at its end: the
        server credits the real time it saw pass (study time is the machine's real time,
        ADR 0017, so the story's moments are an hour ago, not at the demo's date)."""
        moment = timezone.now() - dt.timedelta(hours=1)
        for lesson in course.lessons.order_by("order"):
            _, token = study_start(user=user, lesson=lesson, ip_address=None, now=moment)
            media_fetched(user=user, lesson=lesson, last_byte=lesson.size - 1)
            moment += dt.timedelta(seconds=lesson.duration_seconds + 1)
            study_heartbeat(
                user=user,
                token=token,
                position=lesson.duration_seconds,
                playing=True,
                visible=True,
                ip_address=None,
                now=moment,
            )
            if not LessonProgress.objects.filter(
                user=user, lesson=lesson, completed_at__isnull=False
            ).exists():
                raise ValueError(f"demo lesson {lesson} not complete for {user}")
            moment += dt.timedelta(seconds=5)

    def _course_published(self, c: spec.OnlineCourse) -> Course:
        course = course_create(
            **self._as(c.by),
            title=c.title,
            year=c.year,
            hours=Decimal(c.hours),
            description=c.description,
            today=dt.date(c.year, 6, 1),
        )
        for lesson in c.lessons:
            content = (spec.DATA_DIR / "media" / lesson.file).read_bytes()
            lesson_add(
                **self._as(c.by),
                course=course,
                title=lesson.title,
                kind=LessonKind.VIDEO,
                duration_seconds=lesson.seconds,
                upload=SimpleUploadedFile(lesson.file, content, content_type="video/webm"),
            )
        course_publish(**self._as(c.by), course=course)
        return course

    def online_exam(self, course: Course, by: str, e: spec.OnlineExam) -> None:
        """The course's exam, its bank imported from an Excel file as a publisher would
        (exams.services.question_import), then opened."""
        exam = exam_create(
            **self._as(by),
            course_id=course.pk,
            question_count=e.draw,
            duration_minutes=e.minutes,
            max_attempts=e.attempts,
        )
        out = io.BytesIO()
        book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
        sheet = book.add_worksheet("试题")
        sheet.write_row(0, 0, QUESTION_COLUMNS)
        for row, q in enumerate(e.questions, start=1):
            options = list(q.options) + [""] * (6 - len(q.options))
            sheet.write_row(row, 0, [q.kind, q.text, *options, q.answer, q.explanation])
        book.close()
        upload = SimpleUploadedFile("演示试题.xlsx", out.getvalue())
        batch = question_import(**self._as(by), exam_id=exam.pk, upload=upload)
        if not batch.accepted:
            raise ValueError(f"demo questions refused: {batch.report}")
        exam_publish(**self._as(by), exam_id=exam.pk)

    def guide(self, g: spec.Guide) -> None:
        owner = self.active[g.by].assignment.authority
        if SubjectGuide.objects.filter(authority=owner, year=g.year, title=g.title).exists():
            return
        subject_guide_add(
            **self._as(g.by),
            year=g.year,
            series=g.series,
            title=g.title,
            content=g.content,
            today=dt.date(g.year, 4, 20),
        )

    def training_class(self, c: spec.TrainingClass) -> None:
        owner = self.active[c.by].assignment.provider
        if ClassPlan.objects.filter(provider=owner, title=c.title).exists():
            return
        plan = class_plan_create(
            **self._as(c.by),
            title=c.title,
            category=c.category,
            start_date=c.start,
            end_date=c.end,
            hours=Decimal(c.hours),
            required=c.required,
            series=c.series,
            location=f"{owner.name if owner else ''}教学楼",
            capacity=60,
        )
        if c.filed is None:
            return
        plan = class_plan_file(class_plan_id=plan.pk, **self._as(c.by), today=c.filed)
        if not c.decided_by:
            return
        if c.reject:
            class_plan_reject(class_plan_id=plan.pk, **self._as(c.decided_by), reason=c.reject)
            return
        plan = class_plan_approve(
            class_plan_id=plan.pk, **self._as(c.decided_by), comment="同意开班。"
        )
        scores = {}
        for username, learner in c.learners.items():
            enrollment = class_enroll(
                class_plan_id=plan.pk, **self._as(username), today=c.start - dt.timedelta(days=3)
            )
            scores[enrollment.pk] = Decimal(learner.score)
        if scores:
            class_plan_assess(class_plan_id=plan.pk, scores=scores, **self._as(c.by), today=c.end)
        for enrollment in plan.enrollments.filter(passed=True).select_related("professional"):
            record, _ = hour_record_enter_for_class(
                **self._as(c.by),
                professional=enrollment.professional,
                entry=class_entry(plan),
            )
            learner = c.learners[spec.Account(enrollment.professional.user.username)]
            for reviewer in learner.approved_by:
                self.review(record, reviewer, "approve")
        for username in c.enrolled:  # enrolled only: the provider has their hours to enter
            class_enroll(
                class_plan_id=plan.pk, **self._as(username), today=c.start - dt.timedelta(days=3)
            )

    def proofs(self) -> None:
        """Each approved class's proofs, issued by its provider a few days after it ended (as
        Shantou 2014 §四(四) asks), for every learner it entered as passed; a proof already
        issued is not issued again."""
        providers = {
            a.assignment.provider_id: username
            for username, a in self.active.items()
            if a.role is Role.PROVIDER_STAFF and a.assignment.provider_id is not None
        }
        plans = ClassPlan.objects.filter(
            status=ClassStatus.APPROVED, provider_id__in=providers
        ).order_by("end_date", "pk")
        for plan in plans:
            learners = passed_learners(plan)
            if all(learner.proof is not None for learner in learners):
                continue
            with clock.at(plan.end_date + dt.timedelta(days=3)):
                proofs_issue_for_class(
                    **self._as(providers[plan.provider_id]), class_plan_id=plan.pk
                )

    def review(self, record: HourRecord, by: str, action: str, comment: str = "") -> None:
        hour_record_transition(record_id=record.pk, **self._as(by), action=action, comment=comment)

    def _person(self, username: str) -> Professional:
        return Professional.objects.get(user=self.users[username])

    def declaration(self, d: spec.Declaration) -> None:
        person = self._person(d.person)
        if HourRecord.objects.filter(professional=person, content=d.content).exists():
            return
        # Each declaration its own certificate: one file shared by many people's records is
        # what the integrity check flags (records.services.integrity).
        own = f"% {person.pk} {d.content} {d.start}\n".encode()
        proof = SimpleUploadedFile(
            "继续教育证明.pdf", EVIDENCE_PDF + own, content_type="application/pdf"
        )
        record = hour_record_declare(
            **self._as(d.person),
            professional=person,
            category=d.category,
            content=d.content,
            hours=Decimal(d.hours),
            start_date=d.start,
            end_date=d.end,
            form=d.form,
            provider_name=d.provider,
            evidence=[proof],
            submit=d.submit,
            today=d.end + dt.timedelta(days=5),
        )
        for review in d.reviews:
            self.review(record, review.by, review.action, review.comment)

    def received(self, r: spec.Received) -> None:
        """Written with its chain and an audit event naming who registered it."""
        person = self._person(r.person)
        if HourRecord.objects.filter(professional=person, content=r.content).exists():
            return
        if r.chain is not None:
            chain: dict[str, Any] = {
                "entered_by": [str(role) for role in r.chain.entered_by],
                "steps": [str(role) for role in r.chain.steps],
            }
        else:
            found = chain_for(person, r.category or "professional", r.year)
            chain = {
                "entered_by": [str(role) for role in found.entered_by],
                "steps": [str(role) for role in found.steps],
                "evidence_required": found.evidence_required,
                "reference": str(found.reference),
                "region": found.region,
            }
        policy = current_policy()
        registrar = self.active[r.by]
        record = HourRecord.objects.create(
            professional=person,
            category=r.category or "",
            hours=Decimal(r.hours),
            credits=Decimal(r.credits),
            credit_class="II" if r.credits else "",
            mode=r.mode,
            required=r.required,
            content=r.content,
            provider_name=r.provider,
            start_date=r.start,
            end_date=r.end,
            credited_year=r.year,
            status=r.status,
            chain=chain,
            step=0,
            policy_version=policy.version,
            source=RecordSource.SYSTEM,
            declared_by=self.users[r.by],
            declared_role=registrar.role,
        )
        audit_event_write(
            actor=self.users[r.by],
            role=registrar.role,
            action="register",
            target=record,
            to_status=record.status,
            policy_version=policy.version,
            data={"source": "demo_load", "step": 0},
        )

    def certificate(self, c: spec.CertificateStep) -> None:
        """Issued on its day, then each stamp of its path given on its own day by its role
        (a roster first where the data says so). A stamp the certificate already has is not
        given again."""
        person = self._person(c.person)
        certificate = Certificate.objects.filter(
            professional=person, year=c.year, status=CertificateStatus.VALID
        ).first()
        if certificate is None:
            with clock.at(c.issued):
                certificate = certificate_issue(
                    **self._as(c.by), professional_id=person.pk, year=c.year
                )
                # The day it was issued in the story, not the day the demo was loaded.
                Certificate.objects.filter(pk=certificate.pk).update(issued_at=clock.now())
        for given, s in enumerate(c.stamps):
            certificate.refresh_from_db()
            if given < len(certificate.stamps):
                continue
            with clock.at(s.day):
                if s.roster is not None:
                    roster = roster_submit(
                        **self._as(s.roster),
                        year=c.year,
                        certificate_ids=[certificate.pk],
                        today=s.day,
                    )
                    roster_process(**self._as(s.by), roster_id=roster.pk, today=s.day)
                else:
                    certificate_stamp(**self._as(s.by), certificate_id=certificate.pk)


@transaction.atomic
def demo_load(data: spec.DemoData | None = None) -> list[Login]:
    """Create the demo (or find it created) and return the logins, in the order shown."""
    demo = Demo(data or spec.read())
    demo.accounts()
    for region in demo.data.regions:
        demo.story(region.story)
    demo.proofs()
    demo_open_ledger()
    return demo.logins


def demo_open_ledger() -> dict[int, int]:
    """Open the compliance ledger for every year the demo's records are credited to (as the
    year-end job does in production), so that the bureaus' dashboards read it; years already
    open are kept up to date by the services themselves. Returns the rows written by year."""
    credited = set(
        HourRecord.objects.exclude(status=RecordState.DRAFT)
        .values_list("credited_year", flat=True)
        .distinct()
        .order_by()
    )
    opened = set(LedgerYear.objects.values_list("year", flat=True))
    written: dict[int, int] = {}
    for year in sorted(credited - opened):
        written.update(ledger_rebuild(year=year))
    return written


def demo_counts() -> dict[str, int]:
    """How many of each thing the database holds (what a second load must not change)."""
    return {
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "employers": Employer.objects.count(),
        "providers": Provider.objects.count(),
        "authorities": IndustryAuthority.objects.count(),
        "professionals": Professional.objects.count(),
        "employments": Employment.objects.count(),
        "subjects": PublicSubject.objects.count(),
        "guides": SubjectGuide.objects.count(),
        "classes": ClassPlan.objects.count(),
        "proofs": Proof.objects.count(),
        "records": HourRecord.objects.count(),
        "courses": Course.objects.count(),
        "exams": Exam.objects.count(),
        "pending_requests": Employment.objects.filter(status=EmploymentStatus.REQUESTED).count(),
        "certificates": Certificate.objects.count(),
    }
