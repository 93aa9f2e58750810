"""The employer's verification roster (验证花名册) and the bureau's verification and stamp
(S12, L10)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.models import (
    Certificate,
    CertificateStatus,
    Roster,
    RosterEntry,
    RosterStatus,
)
from xueshi.certificates.paths import path_next, waiting_text
from xueshi.certificates.selectors import next_verification_day
from xueshi.certificates.services.certificates import certificate_rule
from xueshi.certificates.services.stamps import stamp_give, stamp_refusal
from xueshi.errors import ServiceError
from xueshi.policy_store import current_policy
from xueshi.rules import assessment_date, deadline, verification_days
from xueshi.rules.deadlines import RuleNotSet
from xueshi.rules.terms import Role as PathRole


@transaction.atomic
def roster_submit(
    *,
    actor: User,
    active: ActiveRole,
    year: int,
    certificate_ids: list[int],
    late_reason: str = "",
    title_evaluation: bool = False,
    today: dt.date | None = None,
) -> Roster:
    """The employer submits its staff's certificates for verification, in one batch.
    Individuals may not apply (L10: 年度验证不接受个人申请). ``title_evaluation``: the
    roster is of people in this year's title evaluation (Guangde's July–September window)."""
    today = today or clock.today()
    if active.role not in EMPLOYER_ROLES:
        raise ServiceError("年度验证不接受个人申请，由单位统一办理。")
    employer = active.assignment.employer
    assert employer is not None
    if not certificate_ids:
        raise ServiceError("请选择要报送验证的证书。")
    certificates = list(
        Certificate.objects.select_for_update()
        .filter(pk__in=certificate_ids, professional__employer=employer)
        .select_related("professional")
    )
    if len(certificates) != len(set(certificate_ids)):
        raise ServiceError("所选证书中有不属于本单位人员的证书。")
    for certificate in certificates:
        if certificate.year != year:
            raise ServiceError(f"证书 {certificate.number} 不是 {year} 年度的证书。")
        if certificate.status != CertificateStatus.VALID:
            raise ServiceError(f"证书 {certificate.number} 已{certificate.get_status_display()}。")
        if certificate.stamped:
            raise ServiceError(f"证书 {certificate.number} 已验证盖章。")
        if not certificate.stamp_required:
            raise ServiceError(f"证书 {certificate.number} 按规定无需人社部门验证盖章。")
        if certificate.path:
            # The bureau verifies when the path reaches it (卫生系列: after 卫计局初审).
            found = path_next(certificate)
            if found is not None and PathRole.BUREAU not in found.waiting:
                raise ServiceError(
                    f"证书 {certificate.number} 当前{waiting_text(found)}，完成后方可报送人社部门"
                    f"验证。依据：{found.step.citation}"
                )
        if RosterEntry.objects.filter(
            certificate=certificate, roster__status=RosterStatus.SUBMITTED
        ).exists():
            raise ServiceError(f"证书 {certificate.number} 已在待验证的花名册中。")
    region = employer.region_id
    policy = current_policy()
    try:
        due = deadline(
            policy, "verification_roster", region, year=year, in_evaluation=title_evaluation
        )
    except RuleNotSet:
        due = None
    late_reason = late_reason.strip()
    if due is not None and due.opens is None and today > due.due:
        forfeit = policy.resolve("verification.forfeit", region, assessment_date(year))
        exceptions = set((forfeit.value.get("exceptions") or []) if forfeit else [])
        max_years = int(forfeit.value.get("max_years", 0)) if forfeit else 0
        allowed = late_reason in exceptions and today.year - year <= max_years + 1
        if not allowed:
            rule = f"依据：{forfeit.reference}" if forfeit else f"依据：{due.reference}"
            raise ServiceError(
                f"{year} 年度验证花名册应于 {due.due} 前报送，已逾期，视同放弃验证"
                f"（长期外出培训、病假等特殊情况且不超过 2 年的除外）。{rule}"
            )
    roster = Roster.objects.create(
        employer=employer,
        region_id=region,
        year=year,
        submitted_by=actor,
        late_reason=late_reason,
        title_evaluation=title_evaluation,
    )
    RosterEntry.objects.bulk_create(
        [RosterEntry(roster=roster, certificate=c) for c in certificates]
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="roster_submit",
        target=roster,
        to_status=roster.status,
        comment=late_reason,
        data={"certificates": [c.number for c in certificates]},
    )
    return roster


@transaction.atomic
def roster_process(
    *, actor: User, active: ActiveRole, roster_id: int, today: dt.date | None = None
) -> Roster:
    """The bureau verifies a roster and stamps its certificates, on a verification day where
    the policy sets them (S12)."""
    today = today or clock.today()
    if active.role is not Role.BUREAU_STAFF:
        raise ServiceError("证书验证由人社部门办理。")
    region = active.assignment.region
    assert region is not None
    try:
        roster = Roster.objects.select_for_update().get(
            pk=roster_id, region__path__startswith=region.path
        )
    except Roster.DoesNotExist:
        raise ServiceError("花名册不存在，或不在您的管辖范围内。") from None
    if roster.status != RosterStatus.SUBMITTED:
        raise ServiceError(f"该花名册{roster.get_status_display()}。")
    policy = current_policy()
    try:
        days = verification_days(policy, roster.region_id, today.year, today.month)
    except RuleNotSet:
        days = None
    rule_text = ""
    try:
        # The window binds the rosters of those in title evaluation only (G4).
        window = deadline(
            policy,
            "verification_roster",
            roster.region_id,
            year=roster.year,
            in_evaluation=roster.title_evaluation,
        )
    except RuleNotSet:
        window = None
    if (
        window is not None
        and window.opens is not None
        and not (window.opens <= today <= window.due)
    ):
        raise ServiceError(
            f"{roster.year} 年度验证登记时间为 {window.opens} 至 {window.due}"
            f"（当年参加职称评审人员；其他人员另行通知）。依据：{window.reference}"
        )
    if days is not None:
        if today not in days:
            upcoming = next_verification_day(roster.region_id, today)
            hint = f"下一个受理日是 {upcoming}。" if upcoming else ""
            raise ServiceError(
                f"{today} 不是证书验证受理日（每月10日、15日、20日、25日、30日，"
                f"遇休息日顺延）。{hint}"
            )
        rule_text = str(policy.resolve("verification.days", roster.region_id, today).reference)  # type: ignore[union-attr]
    now = clock.now()
    entries = list(
        roster.entries.select_related("certificate").select_for_update(of=("self", "certificate"))
    )
    refusals = [stamp_refusal(e.certificate, active) for e in entries if e.certificate.path]
    if any(refusals):
        raise ServiceError("；".join(r for r in refusals if r))
    for entry in entries:
        certificate = entry.certificate
        if certificate.path:  # the step of its path the bureau is awaited at
            stamp_give(certificate, actor=actor, active=active, now=now)
            entry.stamped = True
            entry.save(update_fields=["stamped"])
            continue
        certificate_rule_text = str(
            certificate_rule(certificate.professional, certificate.year).reference
        )
        certificate.stamped_at = now
        certificate.stamped_by = actor
        certificate.stamp_rule = "；".join(filter(None, [certificate_rule_text, rule_text]))
        certificate.save(update_fields=["stamped_at", "stamped_by", "stamp_rule"])
        entry.stamped = True
        entry.save(update_fields=["stamped"])
        audit_event_write(
            actor=actor,
            role=active.role,
            action="stamp",
            target=certificate,
            comment=f"花名册 #{roster.pk}",
            policy_version=certificate.policy_version,
        )
    roster.status = RosterStatus.PROCESSED
    roster.processed_at = now
    roster.processed_by = actor
    roster.save(update_fields=["status", "processed_at", "processed_by"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="roster_process",
        target=roster,
        from_status=RosterStatus.SUBMITTED,
        to_status=roster.status,
    )
    return roster
