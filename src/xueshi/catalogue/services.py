"""Writes of the catalogue: a bureau publishes public subjects and files or suspends
providers; an industry authority publishes professional-subject guides. Each write is one
transaction with an audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import User
from xueshi.audit.services import audit_event_write
from xueshi.catalogue.models import PublicSubject, SubjectGuide
from xueshi.catalogue.selectors import (
    authority_of,
    may_publish_public_subjects,
    provider_regions_of,
)
from xueshi.errors import ServiceError
from xueshi.organisations.models import Provider, ProviderFilingStatus
from xueshi.rules.terms import SERIES_LABELS

FIRST_YEAR = 2000
MAX_SUBJECT_HOURS = Decimal("999.9")


def _year(value: int, today: dt.date, field: str) -> int:
    if not isinstance(value, int) or not FIRST_YEAR <= value <= today.year + 1:
        raise ServiceError(f"年度应在 {FIRST_YEAR} 至 {today.year + 1} 之间。", field=field)
    return value


def _title(value: str, max_length: int = 200) -> str:
    value = (value or "").strip()
    if not value:
        raise ServiceError("请填写名称。", field="title")
    if len(value) > max_length:
        raise ServiceError(f"名称不能超过 {max_length} 个字符。", field="title")
    return value


def _hours(value: Decimal) -> Decimal:
    try:
        hours = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ServiceError("学时应为数字。", field="hours") from None
    if not hours.is_finite() or hours <= 0:
        raise ServiceError("学时应大于 0。", field="hours")
    if hours > MAX_SUBJECT_HOURS:
        raise ServiceError(f"学时不能超过 {MAX_SUBJECT_HOURS}。", field="hours")
    if hours != hours.quantize(Decimal("0.1")):
        raise ServiceError("学时最多保留一位小数。", field="hours")
    return hours


@transaction.atomic
def public_subject_add(
    *,
    actor: User,
    active: ActiveRole,
    for_year: int,
    title: str,
    hours: Decimal,
    required: bool = False,
    makeup: bool = False,
    note: str = "",
    today: dt.date | None = None,
) -> PublicSubject:
    """A province or city bureau publishes a public subject for its region and a year.

    A make-up subject (补修科目) is one of a past year, offered late (Shantou 2014 §四(六)).
    """
    today = today or clock.today()
    if not may_publish_public_subjects(active):
        raise ServiceError("只有省级、市级人社部门可以发布公需科目。")
    region = active.assignment.region
    assert region is not None
    for_year = _year(for_year, today, "for_year")
    title = _title(title)
    hours = _hours(hours)
    if makeup and for_year >= today.year:
        raise ServiceError("往年度补修科目的所属年度应早于今年。", field="for_year")
    note = (note or "").strip()
    if len(note) > 200:
        raise ServiceError("说明不能超过 200 个字符。", field="note")
    if PublicSubject.objects.filter(region=region, for_year=for_year, title=title).exists():
        raise ServiceError(
            f"{region.name}{for_year} 年度已有名为“{title}”的公需科目，请勿重复发布。",
            field="title",
        )
    try:
        with transaction.atomic():
            subject = PublicSubject.objects.create(
                region=region,
                for_year=for_year,
                title=title,
                hours=hours,
                required=bool(required),
                makeup=bool(makeup),
                note=note,
            )
    except IntegrityError:
        raise ServiceError(
            f"{region.name}{for_year} 年度已有名为“{title}”的公需科目，请勿重复发布。",
            field="title",
        ) from None
    audit_event_write(
        actor=actor,
        role=active.role,
        action="public_subject_add",
        target=subject,
        data={"region": region.code, "for_year": for_year, "hours": str(hours)},
    )
    return subject


@transaction.atomic
def subject_guide_add(
    *,
    actor: User,
    active: ActiveRole,
    year: int,
    series: str,
    title: str,
    content: str = "",
    today: dt.date | None = None,
) -> SubjectGuide:
    """An industry authority publishes a professional-subject guide for a series it governs."""
    today = today or clock.today()
    authority = authority_of(active)
    if authority is None:
        raise ServiceError("只有行业主管部门可以发布专业科目指南。")
    year = _year(year, today, "year")
    if series not in SERIES_LABELS:
        raise ServiceError("请选择专业技术系列。", field="series")
    if series not in (authority.series or []):
        raise ServiceError(
            f"{authority.name}不主管{SERIES_LABELS[series]}系列，不能为其发布指南。",
            field="series",
        )
    title = _title(title)
    content = (content or "").strip()
    if len(content) > 20000:
        raise ServiceError("主要内容不能超过 20000 个字符。", field="content")
    if SubjectGuide.objects.filter(
        authority=authority, year=year, series=series, title=title
    ).exists():
        raise ServiceError(f"{year} 年度已发布过名为“{title}”的指南。", field="title")
    guide = SubjectGuide.objects.create(
        authority=authority, year=year, series=series, title=title, content=content
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="subject_guide_add",
        target=guide,
        data={"authority": authority.pk, "year": year, "series": series},
    )
    return guide


@transaction.atomic
def provider_filing_status_change(
    *, actor: User, active: ActiveRole, provider_id: int, status: str, reason: str
) -> Provider:
    """A bureau files, suspends or revokes a provider in its region or below (S16: a
    provider that issues certificates without training loses its filing status)."""
    region = provider_regions_of(active)
    if region is None:
        raise ServiceError("只有人社部门可以变更施教机构的备案状态。")
    provider = (
        Provider.objects.select_for_update()
        .filter(pk=provider_id, region__path__startswith=region.path)
        .first()
    )
    if provider is None:
        raise ServiceError("未找到该施教机构，或其不在本部门管辖范围内。")
    if status not in ProviderFilingStatus.values:
        raise ServiceError("请选择有效的备案状态。", field="status")
    if status == provider.filing_status:
        raise ServiceError(
            f"{provider.name}的备案状态已是“{provider.get_filing_status_display()}”。",
            field="status",
        )
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写变更原因。", field="reason")
    if len(reason) > 500:
        raise ServiceError("变更原因不能超过 500 个字符。", field="reason")
    previous = provider.filing_status
    provider.filing_status = status
    provider.save(update_fields=["filing_status"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="provider_filing_status_change",
        target=provider,
        from_status=previous,
        to_status=status,
        comment=reason,
        data={"region": region.code},
    )
    return provider
