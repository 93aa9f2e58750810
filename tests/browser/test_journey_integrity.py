"""Journey (issue 13): the same declaration sent twice is refused naming the first, a
1,000-hour declaration for a 3-day course is saved with a flag, the employer's reviewer sees
the flag in the queue and on the bulk-approval confirmation (which leaves it out), clears it
on the record page with a comment, and only then approves it — in a real browser."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_journey_declaration import PASSWORD, PDF, nav, shantou
from tests.support.factories import ProfessionalFactory, UserFactory, employ, grant
from xueshi.accounts.models import Role
from xueshi.records.models import FlagStatus, HourRecord, IntegrityFlag
from xueshi.rules.integrity import FlagKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

__all__ = ["shantou"]  # the fixture, imported for this module's tests


def _fill(page: Any, proof: Path, **fields: str) -> None:
    nav(page, "我的学时申报")
    page.get_by_role("link", name="申报学时").click()
    page.fill("#id_end_date", fields["end_date"])
    with page.expect_response(lambda response: "/records/declare/chains/" in response.url):
        page.locator("#id_end_date").dispatch_event("change")
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
    )
    page.get_by_text("2014 年度适用的登记与审核流程").wait_for()
    page.select_option("#id_category", "professional")
    page.fill("#id_content", fields["content"])
    page.select_option("#id_form", "training")
    page.fill("#id_start_date", fields["start_date"])
    page.fill("#id_hours", fields["hours"])
    page.set_input_files("#id_evidence", str(proof))
    page.get_by_role("button", name="提交审核").click()


def test_a_duplicate_is_refused_and_a_1000_hour_course_is_flagged_until_cleared(
    browser: Any, shantou: dict[str, Any], tmp_path: Path
) -> None:
    user = UserFactory(username="lin-wei", full_name="林伟")
    person = employ(ProfessionalFactory(user=user, full_name="林伟"), shantou["employer"])
    grant(user, Role.PROFESSIONAL)
    me = browser.login("professional", "lin-wei", PASSWORD)

    # 1. A declaration, then the same one again (a second tab, a double entry): refused.
    first_proof, second_proof = tmp_path / "证明一.pdf", tmp_path / "证明二.pdf"
    first_proof.write_bytes(PDF + b"% 1\n")
    second_proof.write_bytes(PDF + b"% 2\n")
    same = {
        "content": "建筑节能设计规范培训",
        "start_date": "2014-06-09",
        "end_date": "2014-06-09",
        "hours": "6",
    }
    _fill(me, first_proof, **same)
    me.wait_for_url(re.compile(r"/records/\d+/$"))
    first = HourRecord.objects.get(professional=person)
    _fill(me, second_proof, **same)
    me.get_by_text("不能重复登记").wait_for()
    assert f"#{first.pk}“建筑节能设计规范培训”" in me.inner_text("main")
    assert HourRecord.objects.filter(professional=person).count() == 1

    # 2. 1,000 hours for a three-day course: saved, with the reason on the record page.
    _fill(
        me,
        second_proof,
        content="结构抗震新技术研修班",
        start_date="2014-07-01",
        end_date="2014-07-03",
        hours="1000",
    )
    me.wait_for_url(re.compile(r"/records/\d+/$"))
    doubtful = HourRecord.objects.get(professional=person, content="结构抗震新技术研修班")
    assert "共 3 天，最多计 24 学时，申报 1000 学时" in me.inner_text("ul.flags")

    # 3. The reviewer's queue shows the flag; the bulk confirmation leaves the record out.
    boss = browser.login("employer-reviewer", "port-reviewer", PASSWORD)
    nav(boss, "待我审核")
    row = boss.locator(f"#record-{doubtful.pk}")
    assert "疑点·学时超出天数" in row.inner_text()
    boss.locator(f"#record-{first.pk} input[type=checkbox]").check()
    row.locator("input[type=checkbox]").check()
    boss.get_by_role("button", name="批量审核通过所选记录…").click()
    boss.locator("#doubtful-note").wait_for()
    assert "另有 1 条记录有待核实的疑点" in boss.inner_text("#doubtful-note")
    boss.get_by_role("button", name="确认通过其余 1 条").click()
    boss.get_by_text("成功 1 条").wait_for()
    assert HourRecord.objects.get(pk=first.pk).step == 1
    assert HourRecord.objects.get(pk=doubtful.pk).step == 0

    # 4. On the record page the reviewer clears the flag with a comment, then approves.
    boss.goto(f"/records/{doubtful.pk}/")
    boss.fill(".flag-clear input[name=comment]", "核对签到表：实为 18 学时，已退回更正")
    boss.get_by_role("button", name="核实排除").click()
    boss.get_by_text("已核实排除疑点（学时超出天数）").wait_for()
    flag = IntegrityFlag.objects.get(record=doubtful)
    assert (flag.kind, flag.status) == (FlagKind.HOURS_ABOVE_DAYS, FlagStatus.CLEARED)
    boss.locator("form.review-form").get_by_role("button", name="通过").click()
    boss.locator(".messages").get_by_text("已审核通过").wait_for()
    assert HourRecord.objects.get(pk=doubtful.pk).step == 1
