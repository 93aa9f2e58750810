"""The demo data: idempotent, all five seed regions, records in every state, logins printed."""

from __future__ import annotations

import os
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.audit.models import AuditEvent
from xueshi.compliance.person_year import person_year
from xueshi.demo.load import demo_counts, demo_load
from xueshi.demo.spec import read
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, ClassStatus

pytestmark = pytest.mark.django_db

SEED_REGIONS = ("440000", "440500", "350504", "410200", "341882")
DEMO = read()


@pytest.fixture
def loaded() -> list[Any]:
    return demo_load()


def test_loading_twice_changes_nothing(loaded: list[Any]) -> None:
    """A second load finds everything and writes nothing: same counts, no new audit rows."""
    counts, events = demo_counts(), AuditEvent.objects.count()
    logins = demo_load()
    assert demo_counts() == counts
    assert AuditEvent.objects.count() == events
    assert [login.username for login in logins] == [login.username for login in loaded]


def test_all_five_seed_regions_have_a_bureau_and_people(loaded: list[Any]) -> None:
    bureaus = set(
        RoleAssignment.objects.filter(role=Role.BUREAU_STAFF).values_list("region_id", flat=True)
    )
    assert set(SEED_REGIONS) <= bureaus
    people = set(Professional.objects.values_list("region_id", flat=True))
    assert {"440500", "350504", "410200", "341882"} <= people
    for role in (Role.EMPLOYER_ADMIN, Role.PROVIDER_STAFF, Role.AUTHORITY_REVIEWER):
        assert RoleAssignment.objects.filter(role=role).exists(), role


def test_records_exist_in_every_state_with_comments_and_audit(loaded: list[Any]) -> None:
    """Draft, in review at each step, returned with a comment, approved, rejected with a
    reason; the records made through the services carry their audit trail."""
    records = HourRecord.objects.all()
    # Every state a page leads to; 已作废 comes only from a system voiding what it pushed
    # over the API (tests/api/test_void.py).
    assert set(records.values_list("status", flat=True)) == set(RecordState) - {RecordState.VOIDED}
    in_review = set(records.filter(status=RecordState.IN_REVIEW).values_list("step", flat=True))
    assert {0, 1} <= in_review
    for status in (RecordState.RETURNED, RecordState.REJECTED):
        assert all(r.last_comment for r in records.filter(status=status)), status
    approved_by_chain = records.filter(status=RecordState.APPROVED, source="declaration").first()
    assert approved_by_chain is not None
    actions = list(
        AuditEvent.objects.filter(
            target_type="records.hourrecord", target_id=str(approved_by_chain.pk)
        )
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions[:2] == ["declare", "submit"]
    assert actions[-1] == "approve"
    assert approved_by_chain.evidence.exists()


def test_classes_in_several_states(loaded: list[Any]) -> None:
    states = set(ClassPlan.objects.values_list("status", flat=True))
    assert {ClassStatus.DRAFT, ClassStatus.FILED, ClassStatus.APPROVED, ClassStatus.REJECTED} <= (
        states
    )


STANDINGS = [
    ("st-chenjing", 2014, True),
    ("st-linwei", 2014, False),
    ("st-huangmin", 2013, True),  # make-up taken in 2014
    ("st-huangmin", 2014, False),
    ("st-zhengyu", 2016, True),
    ("st-zhengyu", 2020, True),  # under the Guangdong 2018 opinion
    ("lj-heyun", 2017, True),
    ("lj-xuqiang", 2017, False),
    ("lj-sunli", 2017, True),  # credits, remote capped at 12
    # The 2013–2017 cycle: 无法判定, never 已达标 — its 规定学时数 is not in the data (issue 10).
    ("lj-zhoujie", 2017, False),
    ("kf-liuyang", 2016, True),
    ("kf-mali", 2016, False),
    ("gde-zhanglei", 2020, True),
    ("gde-yangxue", 2020, False),
]


def test_some_people_comply_and_some_do_not(loaded: list[Any]) -> None:
    """In the years the policy covers, the demo has people on both sides of the line."""
    found = []
    for username, year, _ in STANDINGS:
        person = Professional.objects.get(user__username=username)
        found.append((username, year, person_year(person, year).compliant))
    assert found == STANDINGS


def test_every_demo_login_works_with_the_demo_password(loaded: list[Any]) -> None:
    usernames = [login.username for login in loaded]
    assert len(usernames) == len(set(usernames)) >= 30
    assert {p.username for region in DEMO.regions for p in region.people} <= set(usernames)
    for username in usernames:
        request = RequestFactory().post("/accounts/login/")  # django-axes needs the request
        user = authenticate(request, username=username, password=DEMO.password)
        assert user is not None, username
    assert User.objects.filter(username__in=usernames).count() == len(usernames)


def test_the_command_prints_the_logins_and_says_when_nothing_changed() -> None:
    out = StringIO()
    call_command("demo_load", stdout=out)
    first = out.getvalue()
    assert "演示数据已载入" in first
    assert DEMO.password in first
    for username in ("shantou-bureau", "shantou-hospital-reviewer", "st-linwei", "guangde-base"):
        assert username in first
    again = StringIO()
    call_command("demo_load", stdout=again)
    assert "演示数据已存在，未作改动。" in again.getvalue()


def test_xueshi_demo_migrates_loads_the_demo_and_then_serves(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``xueshi demo``: migrate, regions, demo data and logins, then runserver on --addr."""
    import django.core.management

    from xueshi import cli

    served: list[list[str]] = []
    # What the command sets in the environment is undone after the test.
    for name in ("XUESHI_DEMO", "XUESHI_PUBLIC_URL", "XUESHI_DEBUG", "XUESHI_JOBS_INLINE"):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    monkeypatch.setattr(django.core.management, "execute_from_command_line", served.append)
    monkeypatch.delenv("RUN_MAIN", raising=False)
    assert cli.main(["demo", "--addr", "127.0.0.1:8123", "--noreload"]) == 0
    assert served == [["xueshi", "runserver", "127.0.0.1:8123", "--noreload"]]
    assert Professional.objects.filter(user__username="st-linwei").exists()
    assert "shantou-bureau" in capsys.readouterr().out
    # The demo's clock and the address its certificates point at follow --addr.
    assert os.environ["XUESHI_DEMO"] == "1"
    assert os.environ["XUESHI_PUBLIC_URL"] == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("addr", "url"),
    [
        ("127.0.0.1:8101", "http://127.0.0.1:8101"),
        ("0.0.0.0:8000", "http://127.0.0.1:8000"),
        ("8102", "http://127.0.0.1:8102"),
        ("192.168.1.20:9000", "http://192.168.1.20:9000"),
        ("[::1]:8000", "http://[::1]:8000"),
    ],
)
def test_the_public_url_follows_the_address_served(addr: str, url: str) -> None:
    from xueshi.cli import public_url

    assert public_url(addr) == url


def test_the_logins_name_the_address_served(settings: Any) -> None:
    settings.XUESHI_PUBLIC_URL = "http://127.0.0.1:8101"
    out = StringIO()
    call_command("demo_load", stdout=out)
    assert "http://127.0.0.1:8101/accounts/login/" in out.getvalue()
    assert "8000" not in out.getvalue()


def test_the_demo_opens_the_ledger_of_its_years(loaded: list[Any]) -> None:
    """The bureaus' dashboards read the ledger: after the demo every year its records are
    credited to is open, a row per person, and each row agrees with the live verdict."""
    from xueshi.compliance.models import LedgerYear, PersonYear

    credited = set(
        HourRecord.objects.exclude(status=RecordState.DRAFT).values_list("credited_year", flat=True)
    )
    assert credited
    assert set(LedgerYear.objects.values_list("year", flat=True)) == credited
    people = Professional.objects.count()
    for year in credited:
        assert PersonYear.objects.filter(year=year).count() == people
    for username, year, compliant in STANDINGS:
        row = PersonYear.objects.get(professional__user__username=username, year=year)
        assert row.compliant is compliant


def test_luojiangs_verification_paths_are_walked_by_their_roles(loaded: list[Any]) -> None:
    """Issue 17: 林芳's certificate first reviewed by the 卫计局, then verified by the bureau
    on the hospital's roster, each on its day; 周杰's checked by the education bureau, its
    cycle's joint verification stamped by the bureau and waiting for the education bureau."""
    from xueshi.certificates.models import Certificate
    from xueshi.certificates.paths import path_next

    health = Certificate.objects.get(professional__user__username="lj-linfang", year=2017)
    assert health.in_effect
    assert [(s["act"], s["body"], s["at"][:10]) for s in health.stamps] == [
        ("初审", "洛江区卫生和计划生育局", "2017-11-08"),
        ("验证", "洛江区人力资源和社会保障局", "2017-11-13"),
    ]
    assert health.roster_entries.get().roster.employer.name == "洛江区医院"
    teacher = Certificate.objects.get(professional__user__username="lj-zhoujie", year=2017)
    assert teacher.years_label == "2013–2017 周期"
    assert [(s["act"], s["body"]) for s in teacher.stamps] == [
        ("审核验印", "洛江区教育局"),
        ("统一验证", "洛江区人力资源和社会保障局"),
    ]
    waiting = path_next(teacher)
    assert waiting is not None
    assert (waiting.step.act, [str(r) for r in waiting.waiting]) == (
        "统一验证",
        ["industry_authority"],
    )
    assert not teacher.in_effect
    assert teacher.consequence.startswith("2018 年度能否评聘、晋升：无法判定")
    assert f"{teacher.issued_at:%Y}" == "2017"
    # 陈辉's year is the bureau's own trainings only: verified by it directly (§二(二)).
    dispatched = Certificate.objects.get(professional__user__username="lj-chenhui", year=2017)
    assert dispatched.in_effect
    assert [(s["act"], s["kind"], s["body"], s["at"][:10]) for s in dispatched.stamps] == [
        ("调训验证", "dispatched", "洛江区人力资源和社会保障局", "2017-11-09"),
    ]
    assert not dispatched.roster_entries.exists()


def test_the_demo_classes_proofs_are_issued_by_their_providers(loaded: list[Any]) -> None:
    """Issue 17: every learner a demo class's provider entered as passed has the proof of
    the class, issued by the provider three days after it ended; a second load issues none."""
    import datetime as dt

    from xueshi.certificates.models import Proof, ProofStatus
    from xueshi.certificates.proof_selectors import passed_learners
    from xueshi.training.models import ClassPlan, ClassStatus

    checked = 0
    for plan in ClassPlan.objects.filter(status=ClassStatus.APPROVED):
        for learner in passed_learners(plan):
            proof = learner.proof
            assert proof is not None, (plan.title, learner.name)
            assert proof.issued_on == plan.end_date + dt.timedelta(days=3)
            assert proof.provider_id == plan.provider_id
            assert proof.issued_role == "provider_staff"
            checked += 1
    assert checked >= 5
    assert Proof.objects.filter(status=ProofStatus.VALID).count() == checked
    demo_load()
    assert Proof.objects.count() == checked
