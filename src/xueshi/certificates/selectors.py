"""Reads of certificates, rosters, booklets and print jobs, scoped by the active role, and
what each page of them shows. (The public verification has its own module:
``verification.py``.)"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TypedDict
from urllib.parse import quote

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role
from xueshi.accounts.scope import professional_scope
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import (
    Booklet,
    Certificate,
    CertificateStatus,
    PrintJob,
    Roster,
    RosterEntry,
    RosterStatus,
)
from xueshi.certificates.paths import (
    PATH_ROLE_OF,
    path_next,
    path_steps,
    stamp_lines,
    waiting_text,
)
from xueshi.certificates.pdf import CertificateSheet, HoursLine
from xueshi.certificates.token import token_sign, token_url
from xueshi.jobs.models import Job, JobKind
from xueshi.organisations.models import Region
from xueshi.people.identity import id_index
from xueshi.people.models import Professional
from xueshi.people.selectors import professionals_visible
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord
from xueshi.rules import verification_days
from xueshi.rules.deadlines import RuleNotSet
from xueshi.rules.workflow import RecordState

HOURS_LABELS = {
    "public": "公需科目",
    "public_required": "其中必修",
    "professional": "专业科目",
    "elective": "选修科目",
    "total": "合计",
    "credits": "学分",
}
STAFF_PAGE_SIZE = 50


def certificates_visible(active: ActiveRole) -> QuerySet[Certificate]:
    return Certificate.objects.filter(professional_scope(active, "professional__")).select_related(
        "professional", "region", "employer"
    )


def rosters_visible(active: ActiveRole) -> QuerySet[Roster]:
    a = active.assignment
    if active.role in (Role.EMPLOYER_ADMIN, Role.EMPLOYER_REVIEWER):
        return Roster.objects.filter(employer=a.employer)
    if active.role is Role.BUREAU_STAFF and a.region is not None:
        return Roster.objects.filter(region__path__startswith=a.region.path)
    return Roster.objects.none()


def print_jobs_visible(active: ActiveRole) -> QuerySet[PrintJob]:
    """An employer's own batch prints."""
    employer = active.assignment.employer_id
    if active.role not in EMPLOYER_ROLES or employer is None:
        return PrintJob.objects.none()
    return PrintJob.objects.filter(employer_id=employer)


# -- what a certificate shows ---------------------------------------------------------------


class HoursShown(TypedDict):
    """One figure of a certificate as a page shows it. A dict: templates read a key
    without first failing to read it as an attribute (see verification.py)."""

    label: str  # 公需科目 … 学分
    figure: str  # with its unit: "20 学时"


def hours_shown(hours: dict[str, str]) -> tuple[HoursShown, ...]:
    """The certificate's figures in the order of ``HOURS_LABELS``, the order they are issued
    in (PostgreSQL's jsonb keeps keys in an order of its own)."""
    unit = "分" if "credits" in hours else "学时"
    keys = [k for k in HOURS_LABELS if k in hours] + [k for k in hours if k not in HOURS_LABELS]
    return tuple(
        HoursShown(label=HOURS_LABELS.get(k, k), figure=f"{hours[k]} {unit}") for k in keys
    )


def stamp_text(certificate: Certificate) -> str:
    if certificate.status == CertificateStatus.REVOKED:
        return f"已撤销（{certificate.status_reason}）"
    if certificate.status == CertificateStatus.SUPERSEDED:
        return f"已换发（{certificate.status_reason}）"
    if certificate.stamped_at:
        if certificate.stamps:
            return f"已完成验证（{timezone.localtime(certificate.stamped_at):%Y-%m-%d}）"
        return f"已验证盖章（{certificate.stamped_at:%Y-%m-%d}）"
    if certificate.path:
        found = path_next(certificate)
        if found is not None:
            return f"尚未完成验证：{waiting_text(found)}，完成后有效"
    if certificate.stamp_required:
        return "尚未验证盖章：须经人社部门验证盖章后有效"
    if certificate.stamp_by_role == "employer":
        return "电子证书有效；纸质打印件由用人单位盖章确认"
    return "无需验证盖章"


def verify_url(payload: str) -> str:
    """The address of the public verification of a certificate's signed content (the QR of
    certificates issued before the short token; still answered)."""
    base = str(settings.XUESHI_PUBLIC_URL).rstrip("/")
    return f"{base}{reverse('certificates:verify')}?c={quote(payload, safe='')}"


def qr_url(certificate: Certificate) -> str:
    """What the certificate's QR carries: the short address with its signed token (number and
    verification code), upper case for the QR's alphanumeric mode (certificates/token.py)."""
    if not certificate.verification_code:  # none yet: the long address of its payload
        return verify_url(certificate.payload)
    token = token_sign(
        number=certificate.number, code=certificate.verification_code, ring=keyring()
    )
    return token_url(str(settings.XUESHI_PUBLIC_URL), token)


def verify_site() -> str:
    """The verification page's address as printed for typing it in."""
    return f"{str(settings.XUESHI_PUBLIC_URL).rstrip('/')}{reverse('certificates:verify')}"


def region_label(region: Region) -> str:
    """The region with the ones above it, without the country: 广东省 汕头市."""
    chain = []
    current: Region | None = region
    while current is not None:
        chain.append(current)
        current = current.parent
    return " ".join(r.name for r in reversed(chain) if r.level != "national")


def certificate_sheet(certificate: Certificate) -> CertificateSheet:
    hours = {k: v for k, v in (certificate.hours or {}).items() if k != "public_required"}
    return CertificateSheet(
        number=certificate.number,
        name=certificate.professional.full_name,
        masked_id=certificate.professional.masked_id_number,
        year_label=certificate.years_label,
        employer=certificate.employer.name if certificate.employer else "—",
        region=region_label(certificate.region),
        issuer=certificate.issuer,
        issued_on=f"{certificate.issued_at:%Y-%m-%d}",
        lines=[HoursLine(line["label"], line["figure"]) for line in hours_shown(hours)],
        verdict=verdict_line(certificate),
        stamp=stamp_text(certificate),
        verify_url=qr_url(certificate),
        verify_site=verify_site(),
        code=certificate.verification_code,
        policy_version=certificate.policy_version,
        notes=tuple(filter(None, [certificate.consequence, *stamp_lines(certificate)])),
    )


def verdict_line(certificate: Certificate) -> str:
    """What the certificate says of the year: completed; or, for a certificate that records
    the learning (a Luojiang teacher's), that it cannot be decided or was not completed."""
    verdict = certificate.verdict or {}
    if verdict.get("decided") is False:
        return f"{certificate.years_label}继续教育情况登记（是否完成：无法判定）"
    if verdict.get("compliant") is False:
        return f"{certificate.years_label}继续教育情况登记（未完成）"
    return f"已完成 {certificate.years_label}继续教育任务"


@dataclass(frozen=True)
class CertificateDetail:
    certificate: Certificate
    hours: tuple[HoursShown, ...]
    stamp: str
    can_manage: bool  # may reissue or revoke it
    path: tuple[str, ...] = ()  # the steps of its verification path, with their clauses
    stamps: tuple[str, ...] = ()  # who verified, which body, when; then what it waits for
    stamp_next: str = ""  # the step the signed-in role may stamp now ("" if none)


def certificate_detail(active: ActiveRole, certificate_id: int) -> CertificateDetail | None:
    certificate = certificates_visible(active).filter(pk=certificate_id).first()
    if certificate is None:
        return None
    return CertificateDetail(
        certificate=certificate,
        hours=hours_shown(certificate.hours or {}),
        stamp=stamp_text(certificate),
        can_manage=active.role is Role.BUREAU_STAFF,
        path=tuple(f"{s.describe()}（{s.citation}）" for s in path_steps(certificate)),
        stamps=stamp_lines(certificate),
        stamp_next=_stamp_next(certificate, active),
    )


def _stamp_next(certificate: Certificate, active: ActiveRole) -> str:
    """What the signed-in role may stamp on the certificate now: 初审, 审核验印…; else ""."""
    found = path_next(certificate) if certificate.status == CertificateStatus.VALID else None
    if found is None or PATH_ROLE_OF.get(active.role) not in found.waiting:
        return ""
    return found.step.act


# -- a professional's certificates ----------------------------------------------------------


@dataclass(frozen=True)
class ProfessionalCertificates:
    professional: Professional
    certificates: QuerySet[Certificate]
    years: list[int]  # years with hours and no valid certificate, newest first


def professional_certificates(active: ActiveRole) -> ProfessionalCertificates | None:
    """The signed-in professional's certificates, and the years one may be asked for."""
    professional = Professional.objects.filter(user_id=active.assignment.user_id).first()
    if professional is None:
        return None
    certificates = certificates_visible(active).filter(professional=professional)
    have = certificates.filter(status=CertificateStatus.VALID).values_list("year", flat=True)
    learnt = HourRecord.objects.filter(professional=professional).values_list(
        "credited_year", flat=True
    )
    return ProfessionalCertificates(
        professional=professional,
        certificates=certificates,
        years=sorted(set(learnt) - set(have), reverse=True),
    )


# -- an employer's year ---------------------------------------------------------------------


@dataclass(frozen=True)
class EmployerYear:
    year: int
    page: Page[Professional]
    rows: list[tuple[Professional, Certificate | None]]  # the page's staff, their certificate
    pending: list[Certificate]  # valid, to be stamped, not stamped yet
    print_jobs: QuerySet[PrintJob]
    rosters: QuerySet[Roster]


def employer_year(active: ActiveRole, year: int, page_number: str | None) -> EmployerYear:
    """An employer's staff and their certificates of ``year``, a page of them at a time."""
    staff = professionals_visible(active).order_by("full_name")
    certificates = {
        c.professional_id: c
        for c in Certificate.objects.filter(
            professional__in=staff, year=year, status=CertificateStatus.VALID
        )
    }
    page = Paginator(staff, STAFF_PAGE_SIZE).get_page(page_number)
    return EmployerYear(
        year=year,
        page=page,
        rows=[(p, certificates.get(p.pk)) for p in page],
        pending=[c for c in certificates.values() if c.stamp_required and not c.stamped],
        print_jobs=print_jobs_visible(active).filter(year=year)[:5],
        rosters=rosters_visible(active).filter(year=year),
    )


# -- rosters and verification days ----------------------------------------------------------


def next_verification_day(region: str, today: dt.date) -> dt.date | None:
    """The next day (``today`` or later, within three months) the bureau of ``region``
    accepts rosters for verification, where the policy sets such days."""
    policy = current_policy()
    day = today
    for _ in range(3):
        try:
            days = verification_days(policy, region, day.year, day.month)
        except RuleNotSet:
            return None
        later = [d for d in days if d >= today]
        if later:
            return later[0]
        day = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    return None


@dataclass(frozen=True)
class RosterDetail:
    roster: Roster
    entries: QuerySet[RosterEntry]
    upcoming: dt.date | None
    can_process: bool  # the bureau may verify and stamp it now


def roster_detail(active: ActiveRole, roster_id: int, today: dt.date) -> RosterDetail | None:
    roster = (
        rosters_visible(active).select_related("employer", "region").filter(pk=roster_id).first()
    )
    if roster is None:
        return None
    return RosterDetail(
        roster=roster,
        entries=roster.entries.select_related("certificate__professional"),
        upcoming=next_verification_day(roster.region_id, today),
        can_process=active.role is Role.BUREAU_STAFF and roster.status == RosterStatus.SUBMITTED,
    )


# -- booklets (Guangde) ---------------------------------------------------------------------


def reentries_pending(booklet: Booklet) -> list[HourRecord]:
    """Professional-hours records entered before the booklet was replaced and not yet
    re-entered against evidence (G5)."""
    if booklet.reentry_since is None:
        return []
    done = booklet.reentries.values("record_id")
    return list(
        HourRecord.objects.filter(
            professional_id=booklet.professional_id,
            category="professional",
            status=RecordState.APPROVED,
            created_at__lt=booklet.reentry_since,
        )
        .exclude(pk__in=done)
        .order_by("credited_year", "id")
    )


def professional_of_id_number(active: ActiveRole, id_number: str) -> Professional | None:
    """The professional in the role's scope with that (normalised) ID number."""
    return professionals_visible(active).filter(id_number_index=id_index(id_number)).first()


# -- the bureau's desk ------------------------------------------------------------------------


@dataclass(frozen=True)
class BureauDesk:
    rosters: QuerySet[Roster]  # submitted, waiting for verification
    upcoming: dt.date | None  # the next verification day of the bureau's region
    query: str
    found: QuerySet[Certificate]  # by number or holder's name
    holder: str  # an ID number whose booklet to look up
    booklet: Booklet | None
    reentries: list[HourRecord]  # the booklet's records waiting to be re-entered


def bureau_desk(active: ActiveRole, *, query: str, holder: str, today: dt.date) -> BureauDesk:
    """The bureau's page: rosters to verify, a certificate search, a booklet's re-entries."""
    visible = certificates_visible(active)
    found = visible.none()
    if query:
        found = visible.filter(Q(number=query) | Q(professional__full_name=query))[:50]
    booklet = None
    if holder:
        booklet = (
            Booklet.objects.filter(
                professional__in=professionals_visible(active)
                .filter(id_number_index=id_index(holder))
                .values("pk")
            )
            .select_related("professional")
            .first()
        )
    region = active.assignment.region
    return BureauDesk(
        rosters=rosters_visible(active)
        .filter(status=RosterStatus.SUBMITTED)
        .select_related("employer"),
        upcoming=next_verification_day(region.code, today) if region else None,
        query=query,
        found=found,
        holder=holder,
        booklet=booklet,
        reentries=reentries_pending(booklet) if booklet else [],
    )


# -- batch printing ---------------------------------------------------------------------------


def print_job_certificates(job: PrintJob) -> list[Certificate]:
    """What a batch print prints: the employer's valid certificates of the year, by name."""
    return list(
        Certificate.objects.filter(
            employer=job.employer, year=job.year, status=CertificateStatus.VALID
        )
        .select_related("professional", "region__parent__parent", "employer")
        .order_by("professional__full_name", "number")
    )


def print_job_task(job: PrintJob) -> Job | None:
    """The background job printing ``job``."""
    return (
        Job.objects.filter(kind=JobKind.CERTIFICATE_PRINT, subject_id=job.pk)
        .order_by("-id")
        .first()
    )


# -- certificates waiting for the signed-in role's stamp -------------------------------------


@dataclass(frozen=True)
class Awaiting:
    certificate: Certificate
    act: str  # the step the role is awaited at: 初审, 审核验印, 统一验证, 验证
    lines: tuple[str, ...]  # the stamps given so far, then what it waits for


def certificates_awaiting(active: ActiveRole, page: str | int | None = 1) -> Page[Awaiting]:
    """The certificates in scope whose verification path waits for the signed-in role (the
    health authority's 初审, the education authority's yearly check, a joint verification),
    newest year first, 50 a page."""
    mine = PATH_ROLE_OF.get(active.role)
    candidates = (
        certificates_visible(active)
        .filter(status=CertificateStatus.VALID, stamp_required=True, stamped_at__isnull=True)
        .order_by("-year", "number")
    )
    waiting = []
    for certificate in candidates:
        found = path_next(certificate) if certificate.path else None
        if found is not None and mine in found.waiting:
            waiting.append(Awaiting(certificate, found.step.act, stamp_lines(certificate)))
    return Paginator(waiting, 50).get_page(page)


def years_wholly_dispatched(professional: Professional, years: tuple[int, ...]) -> bool:
    """Whether every approved record of ``years`` is of the bureau's own trainings (统一调训:
    registered by the bureau itself, with no review after it — the 初任班 and 公共课 it runs),
    so the certificate may follow the dispatched path (Luojiang §二(二)). False for a year
    without records, or with any record someone else entered or reviewed."""
    records = HourRecord.objects.filter(
        professional=professional, credited_year__in=years, status=RecordState.APPROVED
    ).values_list("declared_role", "chain")
    found = False
    for role, chain in records:
        steps = (chain or {}).get("steps", []) if isinstance(chain, dict) else chain
        if role != Role.BUREAU_STAFF or steps:
            return False
        found = True
    return found
