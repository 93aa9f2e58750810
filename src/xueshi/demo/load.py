"""Load the demo: organisations and accounts, then the stories of each region's people.

Idempotent: every step looks for what it would create (by username, credit code, ID number,
class title, record content) and does nothing when it exists, and the whole load is one
transaction, so a failed load leaves nothing behind. Dates are the seed years' own (each
service is given the ``today`` the step would have happened on), so the demo is the same on
every machine and in every year.

Writes go through the apps' services (registration, employment, classes, enrolment,
assessment, declaration, hour entry, review), which check the policy and write the audit
trail. Rows no service creates are written directly: accounts of bureaus, authorities and
providers (an administrator's job), the organisations themselves, and records the system
receives from elsewhere (public hours registered by the system or the bureau, make-up
classes of 2014 credited to 2010–2013, medical credits, and district-run courses).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.services import audit_event_write
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.catalogue.services import public_subject_add, subject_guide_add
from xueshi.compliance.models import LedgerYear
from xueshi.compliance.services import ledger_rebuild
from xueshi.demo.cast import (
    AUTHORITIES,
    BUREAUS,
    EMPLOYERS,
    PASSWORD,
    PEOPLE,
    PROVIDERS,
    PersonSpec,
)
from xueshi.demo.identifiers import demo_ric, demo_uscc
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
from xueshi.records.models import HourRecord, RecordSource, RecordStatus
from xueshi.records.services import (
    chain_for,
    hour_record_declare,
    hour_record_enter_for_class,
    hour_record_transition,
)
from xueshi.training.models import ClassPlan
from xueshi.training.services import (
    class_enroll,
    class_plan_approve,
    class_plan_assess,
    class_plan_create,
    class_plan_file,
    class_plan_reject,
)

D = dt.date

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
    """The demo's world, built step by step; each ``ensure`` step is idempotent."""

    def __init__(self) -> None:
        self.users: dict[str, User] = {}
        self.active: dict[str, ActiveRole] = {}
        self.employers: dict[str, Employer] = {}
        self.providers: dict[str, Provider] = {}
        self.authorities: dict[str, IndustryAuthority] = {}
        self.people: dict[str, Professional] = {}
        self.logins: list[Login] = []
        self._password_hash: str | None = None

    # --- accounts and organisations --------------------------------------------------------

    def _user(self, username: str, full_name: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            # One hash for the accounts made here: hashing is deliberately slow, and every
            # demo password is the same published one anyway.
            if self._password_hash is None:
                self._password_hash = make_password(PASSWORD)
            user = User(username=username, full_name=full_name, password=self._password_hash)
            user.save()
        self.users[username] = user
        return user

    def _grant(self, username: str, role: Role, **scope: Any) -> ActiveRole:
        assignment, _ = RoleAssignment.objects.get_or_create(
            user=self.users[username], role=role, **scope
        )
        self.active[username] = ActiveRole(assignment)
        return self.active[username]

    def _login(self, username: str, role: Role, scope: str, hint: str) -> None:
        self.logins.append(Login(username, role.label, scope, hint))

    def organisations(self) -> None:
        regions_sync_from_policy(policy=current_policy())
        for b in BUREAUS:
            self._user(b.username, b.full_name)
            self._grant(b.username, Role.BUREAU_STAFF, region_id=b.region)
            self._login(b.username, Role.BUREAU_STAFF, b.office, b.hint)
        for a in AUTHORITIES:
            authority, _ = IndustryAuthority.objects.get_or_create(
                name=a.name, region_id=a.region, defaults={"series": list(a.series)}
            )
            self.authorities[a.key] = authority
            if a.username:
                self._user(a.username, f"{a.name}审核员")
                self._grant(a.username, Role.AUTHORITY_REVIEWER, authority=authority)
                self._login(a.username, Role.AUTHORITY_REVIEWER, a.name, a.hint)
        for p in PROVIDERS:
            provider, _ = Provider.objects.get_or_create(
                name=p.name, region_id=p.region, defaults={"sectors": list(p.sectors)}
            )
            self.providers[p.key] = provider
            if p.username:
                self._user(p.username, f"{p.name}教务员")
                self._grant(p.username, Role.PROVIDER_STAFF, provider=provider)
                self._login(p.username, Role.PROVIDER_STAFF, p.name, p.hint)
        for e in EMPLOYERS:
            uscc = demo_uscc(e.region, e.serial, public_institution=e.public_institution)
            employer = Employer.objects.filter(uscc=uscc).first()
            if employer is None:
                employer = employer_register(
                    name=e.name,
                    uscc=uscc,
                    region_code=e.region,
                    contact_name=e.admin_name,
                    contact_phone="0754-88000000",
                    admin_username=e.admin,
                    admin_password=PASSWORD,
                    admin_full_name=e.admin_name,
                )
            self.employers[e.key] = employer
            self.users[e.admin] = User.objects.get(username=e.admin)
            self._grant(e.admin, Role.EMPLOYER_ADMIN, employer=employer)
            self._login(e.admin, Role.EMPLOYER_ADMIN, e.name, e.hint or "本单位人员与达标情况")
            if e.reviewer:
                self._user(e.reviewer, f"{e.name}审核员")
                self._grant(e.reviewer, Role.EMPLOYER_REVIEWER, employer=employer)
                self._login(e.reviewer, Role.EMPLOYER_REVIEWER, e.name, "待我审核：专业科目初审")

    def professionals(self) -> None:
        for p in PEOPLE:
            self.people[p.username] = self._professional(p)
            self._login(p.username, Role.PROFESSIONAL, p.full_name, p.hint)

    def _professional(self, spec: PersonSpec) -> Professional:
        number = demo_ric(spec.birthplace, spec.birth, spec.serial)
        employer = self.employers[spec.employer]
        person = Professional.objects.filter(id_number=number).first()
        if person is None:
            person = professional_register(
                username=spec.username,
                password=PASSWORD,
                full_name=spec.full_name,
                id_number=number,
                series=spec.series,
                title_level=spec.title_level,
                region_code=employer.region_id,
                institution_level=spec.institution_level,
            )
        self.users[spec.username] = person.user
        self._grant(spec.username, Role.PROFESSIONAL)
        if not Employment.objects.filter(professional=person, employer=employer).exists():
            request = employment_request(
                actor=person.user, active=self.active[spec.username], employer_id=employer.pk
            )
            if spec.joined:
                admin = next(e.admin for e in EMPLOYERS if e.key == spec.employer)
                employment_accept(
                    actor=self.users[admin],
                    active=self.active[admin],
                    employment_id=request.pk,
                    today=D(2013, 12, 2),
                )
        person.refresh_from_db()
        return person

    # --- catalogue ---------------------------------------------------------------------------

    def subject(
        self,
        bureau: str,
        year: int,
        title: str,
        hours: int,
        *,
        published: dt.date,
        required: bool = False,
        makeup: bool = False,
        note: str = "",
    ) -> None:
        region = self.active[bureau].assignment.region_id
        if PublicSubject.objects.filter(region_id=region, for_year=year, title=title).exists():
            return
        public_subject_add(
            actor=self.users[bureau],
            active=self.active[bureau],
            for_year=year,
            title=title,
            hours=Decimal(hours),
            required=required,
            makeup=makeup,
            note=note,
            today=published,
        )

    def guide(self, authority: str, year: int, series: str, title: str, content: str) -> None:
        owner = self.active[authority].assignment.authority
        if SubjectGuide.objects.filter(authority=owner, year=year, title=title).exists():
            return
        subject_guide_add(
            actor=self.users[authority],
            active=self.active[authority],
            year=year,
            series=series,
            title=title,
            content=content,
            today=D(year, 4, 20),
        )

    # --- classes -----------------------------------------------------------------------------

    def klass(
        self,
        provider: str,
        title: str,
        *,
        category: str,
        start: dt.date,
        end: dt.date,
        hours: int,
        series: str = "",
        required: bool = False,
        filed: dt.date | None = None,
        decided_by: str = "",
        reject: str = "",
        learners: dict[str, int] | None = None,
        approvals: dict[str, list[str]] | None = None,
        location: str = "",
    ) -> ClassPlan | None:
        """A class of ``provider``: drafted; filed on ``filed``; approved (or rejected with
        ``reject``) by ``decided_by``; ``learners`` enrol and are scored; those who passed have
        their hours entered the day after it ends, and ``approvals`` lists, per learner, who
        approves the record in turn. Returns None if the class existed already."""
        staff = self.active[provider]
        owner = staff.assignment.provider
        if ClassPlan.objects.filter(provider=owner, title=title).exists():
            return None
        actor = self.users[provider]
        plan = class_plan_create(
            actor=actor,
            active=staff,
            title=title,
            category=category,
            start_date=start,
            end_date=end,
            hours=Decimal(hours),
            required=required,
            series=series,
            location=location or f"{owner.name if owner else ''}教学楼",
            capacity=60,
        )
        if filed is None:
            return plan
        plan = class_plan_file(class_plan_id=plan.pk, actor=actor, active=staff, today=filed)
        if not decided_by:
            return plan
        approver = self.active[decided_by]
        if reject:
            return class_plan_reject(
                class_plan_id=plan.pk, actor=self.users[decided_by], active=approver, reason=reject
            )
        plan = class_plan_approve(
            class_plan_id=plan.pk,
            actor=self.users[decided_by],
            active=approver,
            comment="同意开班。",
        )
        scores = {}
        for username in learners or {}:
            enrollment = class_enroll(
                class_plan_id=plan.pk,
                actor=self.users[username],
                active=self.active[username],
                today=start - dt.timedelta(days=3),
            )
            scores[enrollment.pk] = Decimal((learners or {})[username])
        if scores:
            class_plan_assess(
                class_plan_id=plan.pk, scores=scores, actor=actor, active=staff, today=end
            )
        for enrollment in plan.enrollments.filter(passed=True).select_related("professional"):
            record, _ = hour_record_enter_for_class(
                actor=actor,
                active=staff,
                professional=enrollment.professional,
                class_plan=plan,
                today=end + dt.timedelta(days=1),
            )
            username = enrollment.professional.user.username
            for reviewer in (approvals or {}).get(username, []):
                self.review(record, reviewer, "approve")
        return plan

    # --- records -----------------------------------------------------------------------------

    def review(self, record: HourRecord, username: str, action: str, comment: str = "") -> None:
        hour_record_transition(
            record_id=record.pk,
            actor=self.users[username],
            active=self.active[username],
            action=action,
            comment=comment,
        )

    def declare(
        self,
        username: str,
        content: str,
        *,
        category: str,
        hours: int,
        start: dt.date,
        end: dt.date,
        form: str = "training",
        provider_name: str = "",
        submit: bool = True,
        reviews: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        """学时申报 by the person with a PDF proof, then each (reviewer, action, comment)."""
        person = self.people[username]
        if HourRecord.objects.filter(professional=person, content=content).exists():
            return
        record = hour_record_declare(
            actor=self.users[username],
            active=self.active[username],
            professional=person,
            category=category,
            content=content,
            hours=Decimal(hours),
            start_date=start,
            end_date=end,
            form=form,
            provider_name=provider_name,
            evidence=[
                SimpleUploadedFile("继续教育证明.pdf", EVIDENCE_PDF, content_type="application/pdf")
            ],
            submit=submit,
            today=end + dt.timedelta(days=5),
        )
        for reviewer, action, comment in reviews:
            self.review(record, reviewer, action, comment)

    def received(
        self,
        username: str,
        content: str,
        *,
        year: int,
        end: dt.date,
        by: str,
        category: str = "",
        hours: int = 0,
        credits: int = 0,
        mode: str = "face_to_face",
        required: bool = False,
        chain: dict[str, Any] | None = None,
        status: str = RecordStatus.APPROVED,
        step: int = 0,
        provider_name: str = "",
        days: int = 3,
    ) -> None:
        """A record the system receives rather than one declared through it (see the module
        docstring), written with its chain and an audit event naming who registered it."""
        person = self.people[username]
        if HourRecord.objects.filter(professional=person, content=content).exists():
            return
        if chain is None:
            found = chain_for(person, category or "professional", year)
            chain = {
                "entered_by": [str(r) for r in found.entered_by],
                "steps": [str(r) for r in found.steps],
                "evidence_required": found.evidence_required,
                "reference": str(found.reference),
                "region": found.region,
            }
        policy = current_policy()
        record = HourRecord.objects.create(
            professional=person,
            category=category,
            hours=Decimal(hours),
            credits=Decimal(credits),
            credit_class="II" if credits else "",
            mode=mode,
            required=required,
            content=content,
            provider_name=provider_name,
            start_date=end - dt.timedelta(days=days - 1),
            end_date=end,
            credited_year=year,
            status=status,
            chain=chain,
            step=step,
            policy_version=policy.version,
            source=RecordSource.SYSTEM,
            declared_by=self.users[by],
            declared_role=self.active[by].role,
        )
        audit_event_write(
            actor=self.users[by],
            role=self.active[by].role,
            action="register",
            target=record,
            to_status=record.status,
            policy_version=policy.version,
            data={"source": "demo_load", "step": step},
        )

    # --- the stories -------------------------------------------------------------------------

    def shantou(self) -> None:
        """汕头市 2014–2016 under the city's 2014 notice, and 2020 under the province's 2018
        opinion: public hours entered by providers and recognised by the bureau; professional
        hours reviewed by the employer, then the bureau; electives by the employer (S9, S10)."""
        bureau, reviewer, design = (
            "shantou-bureau",
            "shantou-hospital-reviewer",
            "shantou-design-admin",
        )
        for title in ("《粤东西北地区振兴战略》", "《新型城镇化实践与发展》"):
            self.subject(bureau, 2014, title, 20, published=D(2014, 4, 11), note="任选其一，3 天")
        for year, title in (
            (2013, "《新时期广东生态文明建设》"),
            (2012, "《广东文化强省建设》"),
            (2011, "《广东加快转变经济发展方式》"),
            (2010, "《专业技术人员能力建设教程》"),
        ):
            self.subject(
                bureau,
                year,
                title,
                20,
                published=D(2014, 4, 11),
                makeup=True,
                note="2014 年补修往年度公需科目，由汕头市行政学院举办",
            )
        self.guide(
            "shantou-health",
            2014,
            "health",
            "2014年卫生专业科目指南",
            "临床诊疗新技术、医疗安全与医患沟通、医院感染管理。",
        )

        academy, school = "shantou-academy", "shantou-health-school"
        self.klass(
            academy,
            "《粤东西北地区振兴战略》公需科目培训班（2014年第一期）",
            category="public",
            start=D(2014, 6, 9),
            end=D(2014, 6, 11),
            hours=20,
            filed=D(2014, 5, 20),
            decided_by=bureau,
            learners={"st-chenjing": 86, "st-linwei": 78, "st-huangmin": 91},
            approvals={"st-chenjing": [bureau], "st-linwei": [bureau]},  # 黄敏: awaiting
        )
        self.klass(
            school,
            "临床诊疗新技术与医疗安全专题培训班",
            category="professional",
            series="health",
            start=D(2014, 7, 7),
            end=D(2014, 7, 13),
            hours=42,
            filed=D(2014, 6, 20),
            decided_by=bureau,
            learners={"st-chenjing": 88, "st-huangmin": 52},  # 黄敏 below the pass mark
            approvals={"st-chenjing": [reviewer, bureau]},
        )
        self.klass(
            academy,
            "《新型城镇化实践与发展》公需科目培训班（2014年第二期）",
            category="public",
            start=D(2014, 9, 15),
            end=D(2014, 9, 17),
            hours=20,
            filed=D(2014, 8, 25),  # filed, awaiting the bureau
        )
        self.klass(
            academy,
            "《汕头发展观察与思考》选修课",
            category="elective",
            start=D(2014, 10, 20),
            end=D(2014, 10, 21),
            hours=12,
            filed=D(2014, 9, 30),
            decided_by=bureau,
            reject="未附课程表和师资简历，请补充后重新备案。",
        )
        self.klass(
            school,
            "医院感染管理规范培训班",
            category="professional",
            series="health",
            start=D(2014, 11, 10),
            end=D(2014, 11, 14),
            hours=30,
        )  # a draft

        # 陈静 (2014 compliant): public and professional above; an elective lecture.
        self.declare(
            "st-chenjing",
            "医患沟通技巧专题讲座",
            category="elective",
            hours=12,
            start=D(2014, 9, 12),
            end=D(2014, 9, 13),
            form="lecture",
            provider_name="汕头市中心医院",
            reviews=((reviewer, "approve", ""),),
        )
        # 陈静 2015: the employer passed it, the bureau has not yet.
        self.declare(
            "st-chenjing",
            "急危重症护理进展研修班",
            category="professional",
            hours=42,
            start=D(2015, 5, 11),
            end=D(2015, 5, 17),
            form="seminar",
            provider_name="广东省人民医院",
            reviews=((reviewer, "approve", ""),),
        )
        # 黄敏: 2013 make-up taken in 2014 (allowed in 2014 only, S7); a rejected declaration.
        self.received(
            "st-huangmin",
            "《新时期广东生态文明建设》（2013年度补修）",
            year=2013,
            end=D(2014, 5, 14),
            by="shantou-academy",
            category="public",
            hours=20,
            chain={"entered_by": ["provider"], "steps": ["bureau"]},
            provider_name="汕头市行政学院",
        )
        self.received(
            "st-huangmin",
            "《自控力科学》（2013年度专业科目补修）",
            year=2013,
            end=D(2014, 5, 21),
            by="shantou-academy",
            category="professional",
            hours=21,
            chain={"entered_by": ["provider"], "steps": ["employer", "bureau"]},
            provider_name="汕头市行政学院",
        )
        self.received(
            "st-huangmin",
            "《潮汕文化解读》（2013年度选修补修）",
            year=2013,
            end=D(2014, 5, 28),
            by="shantou-academy",
            category="elective",
            hours=12,
            chain={"entered_by": ["provider"], "steps": ["employer"]},
            provider_name="汕头市行政学院",
            days=2,
        )
        self.received(
            "st-huangmin",
            "《专业技术人员团队合作能力与创新团队建设》（2013年度专业科目补修）",
            year=2013,
            end=D(2014, 6, 4),
            by="shantou-academy",
            category="professional",
            hours=21,
            chain={"entered_by": ["provider"], "steps": ["employer", "bureau"]},
            provider_name="汕头市行政学院",
        )
        self.declare(
            "st-huangmin",
            "护理管理学术研讨会",
            category="professional",
            hours=12,
            start=D(2014, 10, 16),
            end=D(2014, 10, 17),
            form="conference",
            provider_name="汕头市护理学会",
            reviews=((reviewer, "reject", "会议通知未加盖主办单位公章，不予认定。"),),
        )

        # 林伟 (2014): a record in every state of the chain.
        self.declare(
            "st-linwei",
            "建筑结构抗震设计新规范研修班",
            category="professional",
            hours=30,
            start=D(2014, 5, 12),
            end=D(2014, 5, 16),
            form="seminar",
            provider_name="广东省建筑设计研究院",
            reviews=((design, "approve", ""), (bureau, "approve", "")),
        )
        self.declare(
            "st-linwei",
            "《绿色建筑评价标准》宣贯培训",
            category="professional",
            hours=12,
            start=D(2014, 8, 4),
            end=D(2014, 8, 5),
            provider_name="汕头市住房和城乡建设局",
        )  # awaiting the employer (step 1 of 2)
        self.declare(
            "st-linwei",
            "BIM 技术应用专题讲座",
            category="professional",
            hours=8,
            start=D(2014, 9, 19),
            end=D(2014, 9, 19),
            form="lecture",
            provider_name="汕头市土木建筑学会",
            reviews=((design, "approve", ""),),
        )  # awaiting the bureau (step 2 of 2)
        self.declare(
            "st-linwei",
            "《汕头发展观察与思考》讲座",
            category="elective",
            hours=6,
            start=D(2014, 10, 9),
            end=D(2014, 10, 9),
            form="lecture",
            provider_name="汕头市行政学院",
            reviews=((design, "return", "证明材料不清晰，请重新上传加盖公章的继续教育证明。"),),
        )
        self.declare(
            "st-linwei",
            "摄影艺术欣赏讲座",
            category="elective",
            hours=6,
            start=D(2014, 11, 6),
            end=D(2014, 11, 6),
            form="lecture",
            provider_name="汕头市文化馆",
            reviews=((design, "reject", "与本人专业及岗位无关，单位不予认定。"),),
        )
        self.declare(
            "st-linwei",
            "办公软件高级应用网络课程",
            category="elective",
            hours=4,
            start=D(2014, 11, 20),
            end=D(2014, 11, 21),
            form="online_course",
            provider_name="广东学习网",
            submit=False,
        )  # a draft

        # 2016: public class; 郑宇 complete, 林伟 public only.
        self.klass(
            academy,
            "2016年度公需科目培训班",
            category="public",
            start=D(2016, 6, 13),
            end=D(2016, 6, 15),
            hours=20,
            filed=D(2016, 5, 25),
            decided_by=bureau,
            learners={"st-zhengyu": 92, "st-linwei": 81},
            approvals={"st-zhengyu": [bureau], "st-linwei": [bureau]},
        )
        self.declare(
            "st-zhengyu",
            "建筑工程质量安全管理高级研修班",
            category="professional",
            hours=42,
            start=D(2016, 8, 8),
            end=D(2016, 8, 14),
            form="seminar",
            provider_name="汕头市建设职业技术学校",
            reviews=((design, "approve", ""), (bureau, "approve", "")),
        )
        self.declare(
            "st-zhengyu",
            "工程项目管理网络课程",
            category="elective",
            hours=12,
            start=D(2016, 10, 10),
            end=D(2016, 10, 21),
            form="online_course",
            provider_name="广东职业继续教育网",
            reviews=((design, "approve", ""),),
        )
        # 2020, Guangdong 2018 opinion: public registered by the system; the employer
        # certifies professional and elective hours (P2–P4).
        self.received(
            "st-zhengyu",
            "2020年度广东省公需科目（网络学习）",
            year=2020,
            end=D(2020, 4, 30),
            by=bureau,
            category="public",
            hours=20,
            mode="online",
            provider_name="广东省专业技术人员继续教育管理系统",
        )
        self.declare(
            "st-zhengyu",
            "装配式建筑设计与施工技术培训",
            category="professional",
            hours=42,
            start=D(2020, 9, 7),
            end=D(2020, 9, 13),
            provider_name="广东省建筑科学研究院",
            reviews=((design, "approve", ""),),
        )
        self.declare(
            "st-zhengyu",
            "城市更新专题讲座",
            category="elective",
            hours=12,
            start=D(2020, 11, 5),
            end=D(2020, 11, 6),
            form="lecture",
            provider_name="汕头市土木建筑学会",
            reviews=((design, "approve", ""),),
        )

    def luojiang(self) -> None:
        """洛江区 2017: professional hours entered by the base within 30 days and verified by
        the bureau; medical staff in credits, first reviewed by the health bureau; teachers
        over a five-year cycle (L2–L6, L8, L9)."""
        bureau, base = "luojiang-bureau", "luojiang-base"
        both = {"lj-xuqiang": 85, "lj-heyun": 90}
        self.klass(
            base,
            "市政工程施工质量管理培训班",
            category="professional",
            series="engineering",
            start=D(2017, 5, 15),
            end=D(2017, 5, 20),
            hours=36,
            filed=D(2017, 4, 20),
            decided_by=bureau,
            learners=both,
            approvals={"lj-xuqiang": [bureau], "lj-heyun": [bureau]},
        )
        self.klass(
            base,
            "工程建设标准强制性条文培训班",
            category="professional",
            series="engineering",
            start=D(2017, 9, 11),
            end=D(2017, 9, 15),
            hours=30,
            filed=D(2017, 8, 14),
            decided_by=bureau,
            learners=both,
            approvals={"lj-xuqiang": [bureau], "lj-heyun": [bureau]},
        )
        self.klass(
            base,
            "BIM 技术在市政工程中的应用",
            category="professional",
            series="engineering",
            start=D(2017, 11, 6),
            end=D(2017, 11, 9),
            hours=24,
            filed=D(2017, 10, 9),
            decided_by=bureau,
            learners=both,
            approvals={"lj-heyun": [bureau]},  # 徐强: awaiting the bureau
        )
        self.klass(
            base,
            "小学数学核心素养与课堂教学研修班",
            category="professional",
            series="teacher",
            start=D(2017, 7, 10),
            end=D(2017, 7, 16),
            hours=40,
            filed=D(2017, 6, 12),
            decided_by=bureau,
            learners={"lj-zhoujie": 88},
            approvals={"lj-zhoujie": [bureau]},
        )
        self.klass(
            base,
            "安全生产标准化建设培训班",
            category="professional",
            series="engineering",
            start=D(2017, 12, 11),
            end=D(2017, 12, 13),
            hours=18,
            filed=D(2017, 11, 20),
        )  # filed, awaiting the bureau
        self.klass(
            base,
            "职业道德与诚信建设专题班",
            category="professional",
            series="engineering",
            start=D(2017, 12, 18),
            end=D(2017, 12, 19),
            hours=12,
            filed=D(2017, 11, 27),
            decided_by=bureau,
            reject="未提交课程表及师资简历（附件2、附件3），请补充后重新申请。",
        )
        # District-run courses, verified directly with the training stamp (L9).
        district = {"entered_by": ["bureau"], "steps": []}
        self.received(
            "lj-zhoujie",
            "公共必修课：师德师风建设",
            year=2015,
            end=D(2015, 8, 20),
            by=bureau,
            category="public",
            hours=6,
            required=True,
            chain=district,
            provider_name="洛江区教育局",
        )
        self.received(
            "lj-zhoujie",
            "公共必修课：教育法律法规",
            year=2017,
            end=D(2017, 8, 18),
            by=bureau,
            category="public",
            hours=6,
            required=True,
            chain=district,
            provider_name="洛江区教育局",
        )
        # 孙丽: credits (L3): 15 face-to-face + 15 remote, of which 12 count; one awaiting
        # the health bureau's first review.
        self.received(
            "lj-sunli",
            "基层常见病诊疗进展（Ⅱ类学分）",
            year=2017,
            end=D(2017, 6, 23),
            by=base,
            credits=15,
            provider_name="泉州市第一医院",
        )
        self.received(
            "lj-sunli",
            "远程继续医学教育（Ⅱ类学分）",
            year=2017,
            end=D(2017, 10, 31),
            by=base,
            credits=15,
            mode="online",
            provider_name="华医网",
            days=60,
        )
        self.received(
            "lj-sunli",
            "院内业务学习（Ⅱ类学分）",
            year=2017,
            end=D(2017, 12, 8),
            by=base,
            credits=3,
            status=RecordStatus.IN_REVIEW,
            provider_name="洛江区医院",
            days=1,
        )

    def kaifeng(self) -> None:
        """开封市 2016: four face-to-face public subjects run by the city's bases, reported to
        the bureau for authentication (K1–K4); professional subjects organised by the
        industry authorities and recorded here as received."""
        bureau, academy = "kaifeng-bureau", "kaifeng-academy"
        subjects = [
            ("《树立五大发展理念推进全面深化改革》", 9, True),
            ("《习近平关于科技创新论述摘编》", 9, True),
            ("《以文化+引领经济社会融合创新》", 4, False),
            ("《深入开展“两学一做”推动全面从严治党》", 4, False),
        ]
        for title, hours, required in subjects:
            self.subject(
                bureau,
                2016,
                title,
                hours,
                published=D(2016, 6, 24),
                required=required,
                note="面授；学时为演示数据",
            )
        attend = {
            0: ({"kf-liuyang": 90, "kf-mali": 82}, ["kf-liuyang", "kf-mali"]),
            1: ({"kf-liuyang": 88, "kf-mali": 75}, ["kf-liuyang", "kf-mali"]),
            2: ({"kf-liuyang": 91, "kf-mali": 80}, ["kf-liuyang"]),  # 马丽: awaiting
            3: ({"kf-liuyang": 86}, ["kf-liuyang"]),
        }
        for n, (title, hours, required) in enumerate(subjects):
            learners, approved = attend[n]
            start = D(2016, 7, 18) + dt.timedelta(days=7 * n)
            self.klass(
                academy,
                f"{title}面授班",
                category="public",
                required=required,
                start=start,
                end=start + dt.timedelta(days=1),
                hours=hours,
                filed=D(2016, 7, 6),
                decided_by=bureau,
                learners=learners,
                approvals={u: [bureau] for u in approved},
            )
        chain = {"entered_by": ["industry_authority"], "steps": ["bureau"]}
        for username, hours in (("kf-liuyang", 64), ("kf-mali", 72)):
            self.received(
                username,
                "水利工程专业科目培训（市水利局组织）",
                year=2016,
                end=D(2016, 10, 28),
                by=bureau,
                category="professional",
                hours=hours,
                chain=chain,
                provider_name="开封市水利局",
                days=10,
            )

    def guangde(self) -> None:
        """广德市 2020: the public subject (30 h, online) registered by the bureau after a pass;
        professional hours registered by the base and verified by the bureau (G1–G3)."""
        bureau, base = "guangde-bureau", "guangde-base"
        self.subject(
            "anhui-bureau",
            2020,
            "《新时代专业技术人员新理念素养提升》",
            30,
            published=D(2020, 5, 6),
            required=True,
            note="远程网络视频授课，考试 60 分以上合格",
        )
        self.guide(
            "guangde-education",
            2020,
            "teacher",
            "2020年教师专业科目培训指南",
            "新课程标准、教学设计与信息技术应用。",
        )
        for username in ("gde-zhanglei", "gde-yangxue"):
            self.received(
                username,
                "《新时代专业技术人员新理念素养提升》（网络学习，考试合格）",
                year=2020,
                end=D(2020, 6, 30),
                by=bureau,
                category="public",
                hours=30,
                required=True,
                mode="online",
                provider_name="安徽广播电视大学",
                days=30,
            )
        self.klass(
            base,
            "新课程标准解读与教学设计培训班",
            category="professional",
            series="teacher",
            start=D(2020, 7, 6),
            end=D(2020, 7, 15),
            hours=60,
            filed=D(2020, 6, 1),
            decided_by=bureau,
            learners={"gde-zhanglei": 87},
            approvals={"gde-zhanglei": [bureau]},
        )
        self.klass(
            base,
            "医疗质量安全核心制度培训班",
            category="professional",
            series="health",
            start=D(2020, 8, 3),
            end=D(2020, 8, 8),
            hours=36,
            filed=D(2020, 6, 22),
            decided_by=bureau,
            learners={"gde-yangxue": 79},
        )  # awaiting the bureau's verification


@transaction.atomic
def demo_load() -> list[Login]:
    """Create the demo (or find it created) and return the logins, in the order shown."""
    demo = Demo()
    demo.organisations()
    demo.professionals()
    demo.shantou()
    demo.luojiang()
    demo.kaifeng()
    demo.guangde()
    demo_open_ledger()
    return demo.logins


def demo_open_ledger() -> dict[int, int]:
    """Open the compliance ledger for every year the demo's records are credited to (as the
    year-end job does in production), so that the bureaus' dashboards read it; years already
    open are kept up to date by the services themselves. Returns the rows written by year."""
    credited = set(
        HourRecord.objects.exclude(status=RecordStatus.DRAFT)
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
        "records": HourRecord.objects.count(),
        "pending_requests": Employment.objects.filter(status=EmploymentStatus.REQUESTED).count(),
    }
