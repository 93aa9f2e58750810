"""Reads of certificates, scoped by the active role, and their printable form."""

from __future__ import annotations

from django.db.models import QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import professional_scope
from xueshi.certificates.models import Certificate, CertificateStatus, Roster
from xueshi.certificates.pdf import CertificateSheet, HoursLine
from xueshi.certificates.services import region_label, verify_url

HOURS_LABELS = {
    "public": "公需科目",
    "public_required": "其中必修",
    "professional": "专业科目",
    "elective": "选修科目",
    "total": "合计",
    "credits": "学分",
}


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


def stamp_text(certificate: Certificate) -> str:
    if certificate.status == CertificateStatus.REVOKED:
        return f"已撤销（{certificate.status_reason}）"
    if certificate.status == CertificateStatus.SUPERSEDED:
        return f"已换发（{certificate.status_reason}）"
    if certificate.stamped_at:
        return f"已验证盖章（{certificate.stamped_at:%Y-%m-%d}）"
    if certificate.stamp_required:
        return "尚未验证盖章：须经人社部门验证盖章后有效"
    if certificate.stamp_by_role == "employer":
        return "电子证书有效；纸质打印件由用人单位盖章确认"
    return "无需验证盖章"


def certificate_sheet(certificate: Certificate) -> CertificateSheet:
    hours = certificate.hours or {}
    unit = "分" if "credits" in hours else "学时"
    lines = [
        HoursLine(HOURS_LABELS.get(key, key), f"{value} {unit}")
        for key, value in hours.items()
        if key != "public_required"
    ]
    url = verify_url(certificate.payload)
    verdict = f"已完成 {certificate.years_label}继续教育任务"
    return CertificateSheet(
        number=certificate.number,
        name=certificate.professional.full_name,
        masked_id=certificate.professional.masked_id_number,
        year_label=certificate.years_label,
        employer=certificate.employer.name if certificate.employer else "—",
        region=region_label(certificate.region),
        issuer=certificate.issuer,
        issued_on=f"{certificate.issued_at:%Y-%m-%d}",
        lines=lines,
        verdict=verdict,
        stamp=stamp_text(certificate),
        verify_url=url,
        verify_site=url.split("?", 1)[0],
        policy_version=certificate.policy_version,
    )
