"""A bureau drafts its region's 2025 notice, previews its impact on the ledger in the
background and publishes it; the policy in force follows, the ledger is rebuilt by the
stale-ledger job, and the earlier version stays readable."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.policies.conftest import Shantou
from tests.support.drafts import NOTICE, PARAMETERS
from tests.support.factories import UserFactory, grant
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.compliance.models import LedgerYear, PersonYear
from xueshi.compliance.person_year import person_year
from xueshi.compliance.services import ledger_rebuild
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind, JobStatus
from xueshi.policies.models import DraftStatus, PolicyDraft, PolicyPublication
from xueshi.policies.services import policy_draft_save, policy_preview_start, policy_publish
from xueshi.policy_store import base_policy, current_policy

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 12, 31)


def _draft(s: Shantou, parameters: str = PARAMETERS, notices: str = NOTICE) -> PolicyDraft:
    return policy_draft_save(
        actor=s.bureau.assignment.user,
        active=s.bureau,
        year=2025,
        notices_yaml=notices,
        parameters_yaml=parameters,
    )


def _verdicts() -> dict[str, bool | None]:
    return dict(
        PersonYear.objects.filter(year=2025).values_list("professional__full_name", "compliant")
    )


def test_a_draft_that_does_not_load_is_refused_with_its_line_in_chinese(shantou: Shantou) -> None:
    with pytest.raises(ServiceError) as caught:
        _draft(
            shantou, PARAMETERS.replace("      clause: 当年度参加继续教育累计不少于90学时。\n", "")
        )
    assert caught.value.message == (
        "parameters.yaml 第 7 行：hours.total reference 缺少键 “clause” (missing key)"
    )
    assert not PolicyDraft.objects.exists()


def test_only_a_bureau_drafts_and_only_for_its_own_region(shantou: Shantou) -> None:
    employer = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=shantou.becomes_met.employer)
    with pytest.raises(ServiceError):
        policy_draft_save(
            actor=employer.assignment.user,
            active=employer,
            year=2025,
            notices_yaml=NOTICE,
            parameters_yaml=PARAMETERS,
        )
    draft = _draft(shantou)
    kaifeng = grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200")
    with pytest.raises(ServiceError, match="不属于本地区"):
        policy_publish(actor=kaifeng.assignment.user, active=kaifeng, draft_id=draft.pk)
    with pytest.raises(ServiceError, match="不属于本地区"):
        policy_preview_start(actor=kaifeng.assignment.user, active=kaifeng, draft_id=draft.pk)


@pytest.mark.parametrize("opened", [True, False], ids=["open-year", "records"])
def test_the_preview_shows_who_changes_verdict_and_by_which_requirement_writing_nothing(
    shantou: Shantou, opened: bool
) -> None:
    if opened:
        ledger_rebuild(year=2025)
    before = {
        "rows": list(
            PersonYear.objects.values_list("professional_id", "compliant", "policy_version")
        ),
        "policy": current_policy().version,
    }
    draft = _draft(shantou)
    job = policy_preview_start(
        actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=draft.pk
    )
    assert job.status == JobStatus.DONE, job.error
    r = job.result
    assert r["years"] == [2025]
    assert r["sources"] == {"2025": "ledger" if opened else "records"}
    assert (r["people"], r["compliant_before"], r["compliant_after"]) == (3, 1, 1)
    assert (r["changed"], r["became_short"], r["became_compliant"]) == (2, 1, 1)
    by_employer = {g["label"]: (g["people"], g["changed"]) for g in r["by_employer"]}
    assert by_employer == {"汕头市建筑设计院": (2, 1), "汕头市中心医院": (1, 1)}
    assert {g["label"]: g["changed"] for g in r["by_series"]} == {"工程": 1, "卫生": 1}
    sample = {p["name"]: p for p in r["sample"]}
    assert set(sample) == {"林伟", "陈静"}
    lin, chen = sample["林伟"], sample["陈静"]
    assert (lin["employer"], lin["before"], lin["after"]) == (
        "汕头市建筑设计院",
        "未达标",
        "已达标",
    )
    # 林伟: 58 professional hours were short of the national two thirds (60), and his 12
    # elective hours did not count; the notice asks 42 and counts electives.
    flips = {f["key"]: f for f in lin["flips"]}
    assert set(flips) == {"professional", "total"}
    professional = flips["professional"]
    assert (professional["before_required"], professional["after_required"]) == ("60", "42")
    assert (professional["before_short"], professional["after_short"]) == ("2", "0")
    assert "人力资源社会保障部令第25号" in professional["before_clause"]
    assert "专业科目培训时间应不少于42学时" in professional["after_clause"]
    # 陈静 has no elective hours, which the national rules do not ask for and the notice does.
    [elective] = chen["flips"]
    assert (elective["key"], elective["before_required"], elective["after_required"]) == (
        "elective",
        "—",
        "12",
    )
    assert (elective["after_short"], elective["before_clause"]) == ("12", "（无此要求）")
    assert job.result_url == f"/policies/drafts/{draft.pk}/preview/{job.pk}/"
    # Nothing but the job was written: the ledger and the policy in force are as they were.
    assert (
        list(PersonYear.objects.values_list("professional_id", "compliant", "policy_version"))
        == before["rows"]
    )
    assert current_policy().version == before["policy"]
    assert not PolicyPublication.objects.exists()


def test_publishing_puts_the_notice_in_force_and_the_ledger_follows(
    shantou: Shantou, django_capture_on_commit_callbacks: Any
) -> None:
    ledger_rebuild(year=2024)
    ledger_rebuild(year=2025)
    assert _verdicts() == {"林伟": False, "陈静": True, "吴昊": False}
    old = current_policy().version
    draft = _draft(shantou)
    with django_capture_on_commit_callbacks(execute=True):
        publication = policy_publish(
            actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=draft.pk
        )
    policy = current_policy()
    assert policy.version == publication.policy_version != old
    assert publication.previous_policy_version == old
    assert (publication.number, publication.year, publication.years) == (1, 2025, [2025])
    total = policy.resolve("hours.total", "440500", DAY)
    assert total is not None
    assert (total.value, total.reference.notice.id) == (Decimal(90), "440500-2025")
    earlier = policy.resolve("hours.total", "440500", dt.date(2024, 12, 31))
    assert earlier is not None
    assert earlier.reference.notice.id == "mohrss-25"
    draft.refresh_from_db()
    assert draft.status == DraftStatus.PUBLISHED
    event = AuditEvent.objects.get(action="policy_publish")
    assert (event.actor_id, event.policy_version) == (
        shantou.bureau.assignment.user_id,
        publication.policy_version,
    )
    assert event.data["previous_policy_version"] == old
    # The stale-ledger job rebuilt every open year under the new version (tests run jobs
    # at once); 2025's verdicts follow the notice.
    rebuilds = Job.objects.filter(kind=JobKind.LEDGER_REBUILD).order_by("pk")
    assert list(rebuilds.values_list("year", "status")) == [
        (2025, JobStatus.DONE),  # the year the notice governs first
        (2024, JobStatus.DONE),
    ]
    assert set(LedgerYear.objects.values_list("policy_version", flat=True)) == {policy.version}
    assert _verdicts() == {"林伟": True, "陈静": False, "吴昊": False}
    # 我的年度学时 says the same, citing the bureau's notice for 2025 and the national rules
    # for 2024.
    mine = person_year(shantou.becomes_met, 2025)
    assert mine.compliant
    assert {row.reference.notice.id for row in mine.rows} == {"440500-2025"}
    assert [row.required for row in mine.rows if row.title == "总学时"] == ["90"]
    last_year = person_year(shantou.becomes_met, 2024)
    assert {row.reference.notice.id for row in last_year.rows} == {"mohrss-25"}
    # A published draft is not changed or published again.
    with pytest.raises(ServiceError):
        policy_publish(
            actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=draft.pk
        )


def test_a_corrected_notice_replaces_its_version_and_the_earlier_one_stays_readable(
    shantou: Shantou,
) -> None:
    first = policy_publish(
        actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=_draft(shantou).pk
    )
    corrected = _draft(shantou, PARAMETERS.replace("value: 90", "value: 80"))
    second = policy_publish(
        actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=corrected.pk
    )
    assert second.number == 2
    assert second.supersedes == first
    assert current_policy().value("hours.total", "440500", DAY) == Decimal(80)
    first.refresh_from_db()
    assert "value: 90" in first.parameters_yaml
    assert first.policy_version not in (second.policy_version, "")
    # The repository's policy is untouched: the seed notices stay its source.
    seed = base_policy().resolve("hours.total", "440500", DAY)
    assert seed is not None
    assert seed.reference.notice.id == "mohrss-25"


def test_a_notice_without_an_end_governs_every_later_year_the_preview_reads(
    shantou: Shantou,
) -> None:
    ledger_rebuild(year=2030)
    draft = _draft(shantou, PARAMETERS.replace("    until: 2025-12-31\n", ""))
    job = policy_preview_start(
        actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=draft.pk
    )
    assert job.params["years"] == list(range(2025, 2031))
    assert job.result["years"] == list(range(2025, 2031))
    # Only 2025 has hours: every later year is short under both policies.
    assert job.result["changed"] == 2


def test_rules_show_reads_the_published_notice(
    shantou: Shantou, django_capture_on_commit_callbacks: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """``xueshi rules show 440500 2025`` reads the policy in force — the notice the bureau
    published, from the database — and ``--repository`` the repository's alone (the
    national rules for 2025)."""
    from xueshi.cli import main as xueshi

    assert xueshi(["rules", "show", "440500", "2025"]) == 0
    before = capsys.readouterr().out
    assert "《关于做好2025年度" not in before
    assert "选修科目 ≥" not in before
    with django_capture_on_commit_callbacks(execute=True):
        publication = policy_publish(
            actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=_draft(shantou).pk
        )
    assert xueshi(["rules", "show", "440500", "2025"]) == 0
    shown = capsys.readouterr().out
    assert (
        "总学时 ≥ 90 学时  ← 440500 《关于做好2025年度专业技术人员继续教育工作的通知》 二" in shown
    )
    assert (
        "选修科目 ≥ 12 学时  ← 440500 《关于做好2025年度专业技术人员继续教育工作的通知》 二(三)"
        in shown
    )
    assert f"政策版本：{publication.policy_version}" in shown
    assert xueshi(["rules", "show", "440500", "2024"]) == 0
    assert "2025年度" not in capsys.readouterr().out  # the notice governs 2025 only
    assert xueshi(["rules", "--repository", "show", "440500", "2025"]) == 0
    assert capsys.readouterr().out == before
    assert xueshi(["rules", "check"]) == 0
    assert publication.policy_version in capsys.readouterr().out


@pytest.mark.parametrize("opened", [True, False])
def test_the_preview_recounts_the_records_as_the_draft_would(
    shantou: Shantou, opened: bool
) -> None:
    """A notice in force from 2025-07-01 changes what counts inside the year: electives count
    from that day only (ADR 0006 §3). 林伟's 12 elective hours were taken on 2025-06-10, so
    under the draft he is still short — the preview recounts his records under the draft,
    not the ledger's sums under the national rules (which hold his 12 elective hours and
    would show him met). 陈静 (no electives) becomes short either way."""
    if opened:
        ledger_rebuild(year=2025)
    draft = _draft(shantou, PARAMETERS.replace("  - from: 2025-01-01\n", "  - from: 2025-07-01\n"))
    job = policy_preview_start(
        actor=shantou.bureau.assignment.user, active=shantou.bureau, draft_id=draft.pk
    )
    assert job.status == JobStatus.DONE, job.error
    r = job.result
    assert (r["people"], r["compliant_before"], r["compliant_after"]) == (3, 1, 0)
    assert (r["changed"], r["became_short"], r["became_compliant"]) == (1, 1, 0)
    assert [person["name"] for person in r["sample"]] == ["陈静"]


def test_rules_show_says_when_the_database_cannot_be_read(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No database to read (not migrated, not reachable): the repository's policy, and
    stderr says that published notices are not in it."""
    from django.db import OperationalError

    from xueshi import policy_store
    from xueshi.cli import main as xueshi

    def unreadable() -> None:
        raise OperationalError("no such table: policies_policypublication")

    monkeypatch.setattr(policy_store, "current_policy", unreadable)
    assert xueshi(["rules", "show", "440500", "2014"]) == 0
    out, err = capsys.readouterr()
    assert "无法读取数据库中已发布的政策（OperationalError），以下仅为仓库中的政策。" in err
    assert f"政策版本：{base_policy().version}" in out
