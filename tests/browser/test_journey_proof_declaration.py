"""Journey (issue 17): the provider issues a learner's 继续教育证明 from its class page and
downloads the PDF; the learner declares the class by uploading that PDF (the form fills
itself from the signed proof); the employer's reviewer sees the record matched with the
filed class, the roster and the proof, and approves it with one click — in Chromium."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.certificates.proof_world import proof_world_make
from tests.training.conftest import World
from tests.training.conftest import world as world
from xueshi.certificates.models import Proof
from xueshi.records.models import HourRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "pass-1234"  # the factories' password


def test_a_learner_declares_with_the_providers_proof_and_the_reviewer_approves_it_matched(
    browser: Any, world: World, tmp_path: Path
) -> None:
    p = proof_world_make(world)
    provider = browser.login("provider", p.staff.assignment.user.username, PASSWORD)
    provider.goto(f"/training/classes/{p.plan.pk}/")
    provider.locator("#class-proofs").click()
    row = provider.locator("#proof-learners tr", has_text="陈静")
    row.get_by_role("button", name="出具证明").click()
    proof = Proof.objects.get(professional=p.assessed)
    with provider.expect_download() as download:
        provider.locator("#proof-learners tr", has_text="陈静").get_by_role(
            "link", name="下载 PDF"
        ).click()
    pdf = tmp_path / "证明.pdf"
    download.value.save_as(pdf)

    learner = browser.login("learner", p.assessed.user.username, PASSWORD)
    learner.goto("/records/declare/")
    learner.set_input_files("#id_proof_file", str(pdf))
    learner.locator("#read-proof").click()
    assert proof.number in learner.locator("#proof-read-ok").inner_text()
    assert learner.input_value("#id_hours") == "20.0"
    assert learner.input_value("#id_start_date") == "2014-06-20"
    learner.get_by_role("button", name="提交审核").click()
    learner.wait_for_url("**/records/*/")
    assert "与备案培训班一致" in learner.locator("#class-match").inner_text()
    record = HourRecord.objects.get(professional=p.assessed)
    assert record.proof_number == proof.number

    reviewer = browser.login("reviewer", p.employer_admin.assignment.user.username, PASSWORD)
    reviewer.goto("/records/review/")
    row = reviewer.locator(f"#record-{record.pk}")
    assert "与备案培训班一致" in row.inner_text()
    row.get_by_role("button", name="通过").click()
    reviewer.locator(f"#record-{record.pk}.done").wait_for()
    record.refresh_from_db()
    assert record.step == 1  # the employer's step passed: on to the bureau
