"""Journey: a provider uploads an Excel batch with one bad row, reads that row's error on the
page, fixes the file and uploads it again; the hours land once, and a third upload of the
same file enters nothing new — in a real browser, page by page.

Kaifeng, a face-to-face public subject (K1): entered by the provider, recognised by the
bureau. Kaifeng sets no filing or entry deadline, so a class that ended yesterday can be
entered whatever today's date is.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from django.utils import timezone

from tests.support.factories import (
    ProfessionalFactory,
    ProviderFactory,
    UserFactory,
    grant,
    id_number_of,
)
from tests.support.factories import regions as mirror_regions
from xueshi.accounts.models import Role
from xueshi.demo.identifiers import demo_ric
from xueshi.people.models import Professional
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan
from xueshi.training.services import (
    class_enroll,
    class_plan_approve,
    class_plan_create,
    class_plan_file,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "《以文化+引领经济社会融合创新》面授班"
LEARNERS = [("赵一鸣", 61), ("钱二丽", 62), ("孙三强", 63)]


@pytest.fixture
def kaifeng_class() -> tuple[ClassPlan, list[Professional]]:
    """An approved class that ended yesterday, with three enrolled learners."""
    mirror_regions()
    provider = ProviderFactory(region_id="410200", name="开封市行政学院")
    staff = grant(
        UserFactory(username="kaifeng-academy-staff"), Role.PROVIDER_STAFF, provider=provider
    )
    bureau = grant(UserFactory(), Role.BUREAU_STAFF, region_id="410200")
    today = timezone.localdate()
    start, end = today - dt.timedelta(days=3), today - dt.timedelta(days=1)
    plan = class_plan_create(
        actor=staff.assignment.user,
        active=staff,
        title=TITLE,
        category="public",
        start_date=start,
        end_date=end,
        hours=Decimal(8),
    )
    class_plan_file(
        class_plan_id=plan.pk,
        actor=staff.assignment.user,
        active=staff,
        today=start - dt.timedelta(days=10),
    )
    class_plan_approve(class_plan_id=plan.pk, actor=bureau.assignment.user, active=bureau)
    learners = []
    for name, serial in LEARNERS:
        person = ProfessionalFactory(
            full_name=name,
            id_number=demo_ric("410202", dt.date(1987, 5, serial - 50), serial),
            region_id="410200",
        )
        me = grant(person.user, Role.PROFESSIONAL)
        class_enroll(
            class_plan_id=plan.pk,
            actor=person.user,
            active=me,
            today=start - dt.timedelta(days=2),
        )
        learners.append(person)
    return plan, learners


def _workbook(path: Path, rows: list[tuple[str, str, Any]]) -> Path:
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    sheet = book.add_worksheet("成绩")
    for col, title in enumerate(("姓名", "公民身份号码", "考核成绩")):
        sheet.write_string(0, col, title)
    for row, (name, number, score) in enumerate(rows, start=1):
        sheet.write_string(row, 0, name)
        sheet.write_string(row, 1, number)  # text: an 18-digit number would lose digits
        sheet.write(row, 2, score)
    book.close()
    return path


def _upload(page: Any, path: Path) -> None:
    page.set_input_files("#id_file", str(path))
    page.get_by_role("button", name="上传并校验").click()
    page.locator("#batch-result").wait_for()


def _records(plan: ClassPlan, person: Professional) -> int:
    return HourRecord.objects.filter(class_plan=plan, professional=person).count()


def test_a_bad_row_is_reported_fixed_and_the_hours_land_once(
    browser: Any, kaifeng_class: tuple[ClassPlan, list[Professional]], tmp_path: Path
) -> None:
    plan, learners = kaifeng_class
    good = [(p.full_name, id_number_of(p), 80 + n) for n, p in enumerate(learners)]
    # Row 3 (the second learner): the last digit of the ID number mistyped.
    wrong = id_number_of(learners[1])[:-1] + ("0" if id_number_of(learners[1])[-1] != "0" else "1")
    bad = [good[0], (learners[1].full_name, wrong, 85), good[2]]
    bad_file = _workbook(tmp_path / "成绩登记（有误）.xlsx", bad)
    fixed_file = _workbook(tmp_path / "成绩登记.xlsx", good)

    page = browser.login("provider", "kaifeng-academy-staff", "pass-1234")
    page.locator("nav.site-nav").get_by_role("link", name="培训班管理").click()
    page.get_by_role("link", name=TITLE).click()
    page.get_by_role("link", name="批量登记学时（Excel）").click()

    # 1. The file with the bad row: nothing is entered, and the row says why.
    _upload(page, bad_file)
    assert "1 行有错误，整份文件未登记" in page.inner_text("#batch-result")
    row = page.locator("#report tbody tr", has_text=learners[1].full_name)
    assert row.locator("td").first.inner_text() == "3"
    assert "错误：公民身份号码校验位不正确" in row.inner_text()
    assert not HourRecord.objects.filter(class_plan=plan).exists()

    # 2. The fixed file: every learner's hours are entered, once.
    page.get_by_role("link", name="重新上传").click()
    _upload(page, fixed_file)
    assert "已登记：新登记 3 人，此前已登记 0 人" in page.inner_text("#batch-result")
    for person in learners:
        assert _records(plan, person) == 1
    records = HourRecord.objects.filter(class_plan=plan)
    assert set(records.values_list("source", "status", "hours")) == {
        (RecordSource.BATCH, RecordState.IN_REVIEW, Decimal(8))
    }

    # 3. The same file again: nothing new.
    page.get_by_role("link", name="重新上传").click()
    _upload(page, fixed_file)
    assert "新登记 0 人，此前已登记 3 人" in page.inner_text("#batch-result")
    for person in learners:
        assert _records(plan, person) == 1
    assert HourRecord.objects.filter(class_plan=plan).count() == 3
