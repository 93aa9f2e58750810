"""Declarations matched to filed classes (issue 17, item 2): the form offers the region's
filed classes and fills itself from a provider's proof; a declaration is compared with the
class, the roster and the proof, a difference is flagged with what differs and never
approved in bulk; a forged, altered or someone else's proof is refused in Chinese."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.certificates.proof_world import ProofWorld, in_july_2014, proofs, world
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Proof
from xueshi.certificates.proof_pdf import proof_render
from xueshi.certificates.proof_selectors import proof_sheet, proof_url
from xueshi.certificates.services import proof_issue, proof_withdraw
from xueshi.errors import ServiceError
from xueshi.records.models import HourRecord, IntegrityFlag
from xueshi.records.services import hour_record_declare

pytestmark = pytest.mark.django_db
__all__ = ["in_july_2014", "proofs", "world"]


def _proof(p: ProofWorld) -> Proof:
    return proof_issue(
        actor=p.staff.assignment.user,
        active=p.staff,
        class_plan_id=p.plan.pk,
        professional_id=p.assessed.pk,
    )


def _declare(p: ProofWorld, **fields: Any) -> HourRecord:
    data: dict[str, Any] = {
        "category": "professional",
        "content": "",
        "hours": Decimal(20),
        "start_date": p.plan.start_date,
        "end_date": p.plan.end_date,
        "class_plan_id": p.plan.pk,
    }
    data.update(fields)
    return hour_record_declare(
        actor=p.assessed.user, active=p.assessed_me, professional=p.assessed, **data
    )


def _client(active: Any) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def test_a_declaration_with_the_proof_matches_the_class_the_roster_and_the_proof(
    proofs: ProofWorld,
) -> None:
    proof = _proof(proofs)
    record = _declare(proofs, proof_text=proof_url(proof))
    assert record.matched
    assert record.class_plan_id == proofs.plan.pk
    assert record.content == "工程新技术研修班"
    assert record.provider_name == "汕头市行政学院"
    assert record.proof_number == proof.number
    assert record.evidence.get().original_name == f"继续教育证明-{proof.number}.pdf"
    assert not IntegrityFlag.objects.filter(record=record).exists()


def test_hours_that_differ_from_the_filed_class_are_flagged_with_the_difference(
    proofs: ProofWorld,
) -> None:
    proof = _proof(proofs)
    record = _declare(proofs, hours=Decimal(30), proof_text=proof_url(proof))
    assert not record.matched
    assert "学时：申报 30 学时，备案 20 学时（多 10 学时）" in record.class_match["differences"]
    flag = IntegrityFlag.objects.get(record=record, kind="class_mismatch")
    assert "申报 30 学时，备案 20 学时（多 10 学时）" in flag.message


def test_without_a_proof_the_declaration_is_not_matched(proofs: ProofWorld) -> None:
    scan = SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    record = _declare(proofs, evidence=[scan])
    assert record.class_match["differences"] == ["证明：未上传施教机构出具的继续教育证明"]


def test_someone_elses_or_a_withdrawn_proof_is_refused(proofs: ProofWorld) -> None:
    other = proof_issue(
        actor=proofs.staff.assignment.user,
        active=proofs.staff,
        class_plan_id=proofs.plan.pk,
        professional_id=proofs.entered.pk,
    )
    with pytest.raises(ServiceError, match="该证明是林伟的，不是陈静本人的"):
        _declare(proofs, proof_text=proof_url(other))
    mine = _proof(proofs)
    proof_withdraw(
        actor=proofs.staff.assignment.user, active=proofs.staff, proof_id=mine.pk, reason="错发"
    )
    with pytest.raises(ServiceError, match="已撤回"):
        _declare(proofs, proof_text=proof_url(mine))
    assert not HourRecord.objects.filter(professional=proofs.assessed).exists()


def test_free_text_for_a_filed_class_is_refused(proofs: ProofWorld) -> None:
    with pytest.raises(ServiceError, match="是已备案的培训班"):
        _declare(proofs, class_plan_id=None, content="工程新技术 研修班")


def test_the_form_fills_itself_from_the_uploaded_proof(proofs: ProofWorld) -> None:
    proof = _proof(proofs)
    client = _client(proofs.assessed_me)
    pdf = proof_render([proof_sheet(proof)], signed=proof.payload)
    page = client.post(
        reverse("records:declare"),
        {"intent": "read_proof", "proof_file": SimpleUploadedFile("证明.pdf", pdf)},
    ).content.decode()
    assert f"已读取证明 {proof.number}" in page
    assert 'value="2014-06-20"' in page
    assert f'<option value="{proofs.plan.pk}" selected>' in page


def test_an_altered_or_forged_proof_pdf_is_refused_on_the_form(proofs: ProofWorld) -> None:
    proof = _proof(proofs)
    sheet = proof_sheet(proof)
    altered = proof_render([sheet.__class__(**{**sheet.__dict__, "hours": "40 学时"})])
    client = _client(proofs.assessed_me)
    page = client.post(
        reverse("records:declare"),
        {"intent": "read_proof", "proof_file": SimpleUploadedFile("证明.pdf", altered)},
    ).content.decode()
    assert "证明内容与签名不符" in page
    assert "学时（签名内容为“20 学时”）" in page
    forged = client.post(
        reverse("records:declare"),
        {"intent": "read_proof", "proof_text": proof_url(proof)[:-6] + "AAAAAA"},
    ).content.decode()
    assert "二维码签名无效" in forged
    assert keyring().active  # the ring itself is unharmed


def test_a_mismatch_is_never_approved_in_bulk(proofs: ProofWorld) -> None:
    proof = _proof(proofs)
    record = _declare(proofs, hours=Decimal(30), proof_text=proof_url(proof))
    boss = _client(proofs.employer_admin)
    page = boss.post(reverse("records:review_bulk"), {"ids": [record.pk]}).content.decode()
    assert "有疑点，不通过" in page
    done = boss.post(
        reverse("records:review_bulk"), {"ids": [record.pk], "confirm": "yes"}
    ).content.decode()
    assert "不能批量通过" in done
    record.refresh_from_db()
    assert record.status == "in_review"
    assert record.step == 0
