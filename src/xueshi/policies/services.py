"""Writes of bureau policy: save a draft, start its impact preview, publish it.

Each is one transaction with its audit row. Publishing changes the policy in force for
every process (``xueshi.policy_store`` asks at the start of each request and job), so the
open years of the ledger are then computed under another version than the one in force:
once the publication is committed, the stale-ledger job is queued for each of them
(``compliance.tasks.ledger_rebuild_stale``), and the bureau's dashboard follows when the
worker has run it.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.compliance.ledger_selectors import open_years
from xueshi.compliance.tasks import ledger_rebuild_stale, ledger_rebuild_start
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.services import job_start
from xueshi.organisations.models import Region
from xueshi.policies.models import DraftStatus, PolicyDraft, PolicyPublication
from xueshi.policies.selectors import DraftPolicy, draft_policy, error_lines
from xueshi.policy_store import current_policy, policy_check_due
from xueshi.rules import PolicyError


def _bureau_region(active: ActiveRole) -> str:
    """The region a bureau role drafts for (its own; nobody else drafts)."""
    if active.role is not Role.BUREAU_STAFF or active.assignment.region_id is None:
        raise ServiceError("只有人社部门工作人员可以起草和发布本地区的政策。")
    return active.assignment.region_id


def _checked(region: str, notices: str, parameters: str, label: str) -> DraftPolicy:
    try:
        return draft_policy(region, notices, parameters, label)
    except PolicyError as exc:
        raise ServiceError(error_lines(exc)) from exc


def _draft(active: ActiveRole, draft_id: int, *, lock: bool = False) -> PolicyDraft:
    region = _bureau_region(active)
    drafts = PolicyDraft.objects.filter(pk=draft_id, region_id=region)
    draft = (drafts.select_for_update() if lock else drafts).first()
    if draft is None:
        raise ServiceError("没有这份草稿，或它不属于本地区。")
    return draft


def until_year(years: list[int] | None = None) -> int:
    """How far an entry without an end reaches for a preview: the latest open ledger year
    or next year, whichever is later."""
    return max([*(years or open_years()), clock.year() + 1])


@transaction.atomic
def policy_draft_save(
    *,
    actor: User,
    active: ActiveRole,
    year: int,
    notices_yaml: str,
    parameters_yaml: str,
    draft_id: int | None = None,
) -> PolicyDraft:
    """Save a draft (new, or a change of one not yet published) once it loads: a draft
    that does not is refused with the loader's document, line and message."""
    region = _bureau_region(active)
    if not 2000 <= year <= 2100:
        raise ServiceError(f"年度 {year} 无效。")
    checked = _checked(region, notices_yaml, parameters_yaml, "草稿")
    if year not in checked.loaded.years(year):
        raise ServiceError(f"草稿中没有在 {year} 年度生效的条目，请检查 from / until。")
    if draft_id is None:
        draft = PolicyDraft(region_id=region, created_by=actor)
        action = "policy_draft_create"
    else:
        draft = _draft(active, draft_id, lock=True)
        if draft.status != DraftStatus.DRAFT:
            raise ServiceError("已发布的草稿不能再修改；请另起草稿。")
        action = "policy_draft_update"
    draft.year = year
    draft.notices_yaml = notices_yaml
    draft.parameters_yaml = parameters_yaml
    draft.save()
    audit_event_write(
        actor=actor,
        role=active.role,
        action=action,
        target=draft,
        to_status=draft.status,
        policy_version=checked.before.version,
        data={"notice": checked.loaded.notice.id, "digest": draft.digest},
    )
    return draft


def policy_preview_start(
    *, actor: User, active: ActiveRole, draft_id: int, inline: bool | None = None
) -> Job:
    """Queue the impact preview of a draft (a background job; its page shows progress)."""
    draft = _draft(active, draft_id)
    checked = _checked(draft.region_id, draft.notices_yaml, draft.parameters_yaml, "草稿")
    years = checked.years(until_year())
    return job_start(
        kind=JobKind.POLICY_PREVIEW,
        title=f"{draft.region.name}{draft.year} 年度政策草稿 #{draft.pk} 影响预估",
        requested_by=actor,
        role=active.assignment,
        region_id=draft.region_id,
        year=draft.year,
        subject_id=draft.pk,
        params={"years": years, "digest": draft.digest},
        inline=inline,
    )


def policy_publish(*, actor: User, active: ActiveRole, draft_id: int) -> PolicyPublication:
    """Publish a draft: a new version of the region's policy, dated and audited, in force
    for every process from its next request or job. A draft for a notice already published
    replaces that version (which stays readable). The open ledger years are queued for
    rebuild once the publication is committed."""
    with transaction.atomic():
        # One publication of a region at a time (PostgreSQL; SQLite's write transaction
        # already is): its number, and the version a corrected notice replaces, are read
        # and written under this lock.
        Region.objects.select_for_update().filter(code=_bureau_region(active)).first()
        draft = _draft(active, draft_id, lock=True)
        if draft.status != DraftStatus.DRAFT:
            raise ServiceError("这份草稿已经发布。")
        checked = _checked(draft.region_id, draft.notices_yaml, draft.parameters_yaml, "草稿")
        last = PolicyPublication.objects.filter(region_id=draft.region_id).aggregate(
            n=Max("number")
        )["n"]
        notice = checked.loaded.notice
        publication = PolicyPublication.objects.create(
            region_id=draft.region_id,
            number=(last or 0) + 1,
            year=draft.year,
            notice_id=notice.id,
            notice_title=notice.title[:200],
            notices_yaml=draft.notices_yaml,
            parameters_yaml=draft.parameters_yaml,
            draft=draft,
            supersedes=checked.supersedes,
            published_by=actor,
            published_at=clock.now(),
            previous_policy_version=checked.before.version,
            policy_version="",
            years=checked.years(until_year()),
        )
        policy_check_due()
        publication.policy_version = current_policy().version
        publication.save(update_fields=["policy_version"])
        draft.status = DraftStatus.PUBLISHED
        draft.save(update_fields=["status", "updated_at"])
        audit_event_write(
            actor=actor,
            role=active.role,
            action="policy_publish",
            target=publication,
            from_status=DraftStatus.DRAFT,
            to_status=DraftStatus.PUBLISHED,
            policy_version=publication.policy_version,
            data={
                "draft": draft.pk,
                "notice": notice.id,
                "number": publication.number,
                "previous_policy_version": publication.previous_policy_version,
                "supersedes": checked.supersedes.pk if checked.supersedes else None,
                "years": publication.years,
            },
        )
        years = list(publication.years)
        transaction.on_commit(lambda: _after_publish(actor, years))
    return publication


def _after_publish(actor: User, years: list[int]) -> None:
    """Queue the rebuild of every open year (each is now behind the version in force), the
    years the notice governs first: their figures are the ones that change."""
    policy_check_due()
    for year in sorted(set(years) & set(open_years())):
        ledger_rebuild_start(year=year, requested_by=actor)
    ledger_rebuild_stale(requested_by=actor, rows=False)
