"""Journey: a professional registers, declares hours with a PDF proof, the employer's reviewer
and then the bureau approve, and "my year" shows 已达标 — in a real browser, page by page.

Shantou, hours credited to 2014: under the city's notice for 2014 (which governs that year
only, docs/adr/0006) professional hours go employer → bureau and electives to the employer
(S10); public hours are entered by the provider and recognised by the bureau (S9), which the
test sets up through the services, since the person does not declare them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tests.support.factories import EmployerFactory, ProviderFactory, UserFactory, grant, regions
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment
from xueshi.demo.identifiers import demo_ric
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord
from xueshi.records.services import hour_record_enter_for_class, hour_record_transition
from xueshi.rules.workflow import RecordState
from xueshi.training.selectors import class_entry
from xueshi.training.services import (
    class_enroll,
    class_plan_approve,
    class_plan_assess,
    class_plan_create,
    class_plan_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pass-1234"
MY_PASSWORD = "Xueshi-Journey-2026"
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def shantou() -> dict[str, Any]:
    regions()
    employer = EmployerFactory(region_id="440500", name="汕头市港口工程设计院")
    reviewer = UserFactory(username="port-reviewer", full_name="设计院审核员")
    grant(reviewer, Role.EMPLOYER_REVIEWER, employer=employer)
    bureau = UserFactory(username="shantou-bureau-staff", full_name="市人社局复核员")
    provider = ProviderFactory(region_id="440500", name="汕头市行政学院")
    staff = UserFactory(username="academy-staff")
    return {
        "employer": employer,
        "bureau": grant(bureau, Role.BUREAU_STAFF, region_id="440500"),
        "provider": grant(staff, Role.PROVIDER_STAFF, provider=provider),
    }


def nav(page: Any, label: str) -> None:
    """Follow a link of the site's navigation bar."""
    page.locator("nav.site-nav").get_by_role("link", name=label).click()


def _public_hours_entered_and_recognised(person: Professional, world: dict[str, Any]) -> None:
    """The 2014 public subject: the provider's class, the person passes, the provider enters
    the hours and the bureau recognises them (all through the services)."""
    staff, bureau = world["provider"], world["bureau"]
    plan = class_plan_create(
        actor=staff.assignment.user,
        active=staff,
        title="2014年度公需科目培训班",
        category="public",
        start_date=dt.date(2014, 6, 16),
        end_date=dt.date(2014, 6, 18),
        hours=Decimal(20),
    )
    class_plan_file(
        class_plan_id=plan.pk, actor=staff.assignment.user, active=staff, today=dt.date(2014, 5, 28)
    )
    class_plan_approve(class_plan_id=plan.pk, actor=bureau.assignment.user, active=bureau)
    me = ActiveRole(RoleAssignment.objects.get(user=person.user, role=Role.PROFESSIONAL))
    enrollment = class_enroll(
        class_plan_id=plan.pk, actor=person.user, active=me, today=dt.date(2014, 6, 3)
    )
    class_plan_assess(
        class_plan_id=plan.pk,
        scores={enrollment.pk: Decimal(85)},
        actor=staff.assignment.user,
        active=staff,
        today=dt.date(2014, 6, 18),
    )
    record, _ = hour_record_enter_for_class(
        actor=staff.assignment.user, active=staff, professional=person, entry=class_entry(plan)
    )
    hour_record_transition(
        record_id=record.pk, actor=bureau.assignment.user, active=bureau, action="approve"
    )


def _declare(page: Any, proof: Path, **fields: str) -> None:
    """学时申报 through the form: the end date first (the categories offered follow its
    year), then the rest, the PDF, and 提交审核."""
    nav(page, "我的学时申报")
    page.get_by_role("link", name="申报学时").click()
    page.fill("#id_end_date", fields["end_date"])
    with page.expect_response(lambda response: "/records/declare/chains/" in response.url):
        page.locator("#id_end_date").dispatch_event("change")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.get_by_text("2014 年度适用的登记与审核流程").wait_for()
    page.select_option("#id_category", fields["category"])
    page.fill("#id_content", fields["content"])
    page.select_option("#id_form", fields["form"])
    page.fill("#id_start_date", fields["start_date"])
    page.fill("#id_provider_name", fields["provider_name"])
    page.fill("#id_hours", fields["hours"])
    page.set_input_files("#id_evidence", str(proof))
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_url(re.compile(r"/records/\d+/$"))
    assert "学时申报" in page.inner_text(".messages")


def _approve_in_queue(page: Any, record: HourRecord) -> None:
    nav(page, "待我审核")
    row = page.locator(f"#record-{record.pk}")
    row.get_by_role("button", name="通过").click()
    row.locator(".ok").wait_for()


def test_register_declare_review_twice_and_my_year_shows_compliant(
    browser: Any, shantou: dict[str, Any], tmp_path: Path
) -> None:
    proof = tmp_path / "继续教育证明.pdf"
    proof.write_bytes(PDF)
    id_number = demo_ric("440500", dt.date(1988, 8, 8), 51)

    # 1. The professional registers from the login page, then signs in (the registration
    #    page answers alike whether or not the account existed: issue 14 item 9).
    me = browser.page("professional")
    me.goto("/accounts/login/")
    me.get_by_role("link", name="专业技术人员注册").click()
    me.fill("#id_username", "chen-gang")
    me.fill("#id_password1", MY_PASSWORD)
    me.fill("#id_password2", MY_PASSWORD)
    me.fill("#id_full_name", "陈刚")
    me.fill("#id_id_number", id_number)
    me.select_option("#id_series", "engineering")
    me.select_option("#id_title_level", "intermediate")
    me.select_option("#id_region", "440500")
    me.get_by_role("button", name="注册").click()
    me.wait_for_url("**/accounts/login/")
    me.locator(".messages").get_by_text("注册申请已受理").wait_for()
    me.fill("#id_username", "chen-gang")
    me.fill("#id_password", MY_PASSWORD)
    me.locator("form.login-form button[type=submit]").click()
    me.wait_for_url("**/accounts/dashboard/")
    person = Professional.objects.id_number_is(id_number).get()

    # 2. They ask to join their employer, and the employer's reviewer accepts.
    nav(me, "我的工作单位")
    me.fill("#id_q", "港口工程")
    me.get_by_role("button", name="查找").click()
    me.get_by_role("button", name="申请加入").click()
    me.locator(".messages").get_by_text("请等待单位确认").wait_for()
    boss = browser.login("employer-reviewer", "port-reviewer", PASSWORD)
    nav(boss, "本单位人员")
    boss.locator("#requests tr", has_text="陈刚").get_by_role("button", name="接受").click()
    boss.locator("#staff").get_by_text("陈刚").wait_for()
    person.refresh_from_db()
    assert person.employer == shantou["employer"]

    # 3. Professional (42 h) and elective (12 h) hours of 2014, each with the PDF proof.
    _declare(
        me,
        proof,
        category="professional",
        content="港口工程结构设计新规范研修班",
        form="seminar",
        start_date="2014-06-06",
        end_date="2014-06-12",
        provider_name="广东省交通规划设计研究院",
        hours="42",
    )
    _declare(
        me,
        proof,
        category="elective",
        content="工程项目管理专题讲座",
        form="lecture",
        start_date="2014-09-08",
        end_date="2014-09-09",
        provider_name="汕头市土木建筑学会",
        hours="12",
    )
    professional = HourRecord.objects.get(professional=person, category="professional")
    elective = HourRecord.objects.get(professional=person, category="elective")
    assert professional.status == elective.status == RecordState.IN_REVIEW
    assert professional.evidence.count() == elective.evidence.count() == 1

    _public_hours_entered_and_recognised(person, shantou)

    # 4. Before the reviews, my year says what is missing.
    nav(me, "我的年度学时")
    me.select_option("#id_year", "2014")
    me.get_by_role("button", name="查看").click()
    assert "2014 年度：未达标" in me.inner_text("#verdict")
    assert "待用人单位审核" in me.inner_text("#pending")

    # 5. The employer's reviewer approves both; the bureau re-reviews the professional hours.
    _approve_in_queue(boss, professional)
    _approve_in_queue(boss, elective)
    professional.refresh_from_db()
    assert (professional.status, professional.step) == (RecordState.IN_REVIEW, 1)
    bureau = browser.login("bureau", "shantou-bureau-staff", PASSWORD)
    _approve_in_queue(bureau, professional)
    professional.refresh_from_db()
    elective.refresh_from_db()
    assert professional.status == elective.status == RecordState.APPROVED

    # 6. My year: 已达标, with the records that counted.
    nav(me, "我的年度学时")
    me.select_option("#id_year", "2014")
    me.get_by_role("button", name="查看").click()
    assert "2014 年度：已达标" in me.inner_text("#verdict")
    counted = me.inner_text("#counted")
    for content in (
        "港口工程结构设计新规范研修班",
        "工程项目管理专题讲座",
        "2014年度公需科目培训班",
    ):
        assert content in counted
    assert me.locator("#pending-empty").is_visible()
