"""The provider's proof (继续教育证明, Shantou 2014 §四(四)): issued to learners entered as
passed, signed, verifiable on the public page and offline, in batches with progress; a
reissue and a withdrawal keep the history; every change audited."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.certificates.proof_world import ProofWorld, in_july_2014, proofs, world
from xueshi.audit.models import AuditEvent
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Proof, ProofBatch, ProofStatus
from xueshi.certificates.offline import main as offline_main
from xueshi.certificates.offline import pdf_pages_read
from xueshi.certificates.proof_pdf import proof_render
from xueshi.certificates.proof_selectors import (
    ProofRefused,
    proof_from_pdf,
    proof_from_qr_text,
    proof_sheet,
)
from xueshi.certificates.services import (
    proof_batch_request,
    proof_issue,
    proof_reissue,
    proof_withdraw,
)
from xueshi.certificates.signing import KeyRing, document_verify
from xueshi.certificates.token import token_sign, token_url
from xueshi.errors import ServiceError

pytestmark = pytest.mark.django_db
__all__ = ["in_july_2014", "proofs", "world"]


def _issue(p: ProofWorld, person: Any) -> Proof:
    return proof_issue(
        actor=p.staff.assignment.user,
        active=p.staff,
        class_plan_id=p.plan.pk,
        professional_id=person.pk,
    )


def _client(active: Any) -> Client:
    client = Client()
    client.force_login(active.assignment.user)
    return client


def test_a_learner_entered_as_passed_gets_a_signed_proof_of_the_class(proofs: ProofWorld) -> None:
    proof = _issue(proofs, proofs.entered)
    assert proof.number.startswith("ZM4405002014")
    assert proof.record is not None
    assert proof.record.class_plan_id == proofs.plan.pk
    content = document_verify("XSP1", proof.payload, keyring()).content
    assert content["no"] == proof.number
    assert content["nm"] == "林伟"
    assert content["pn"] == "汕头市行政学院"
    assert (content["sd"], content["ed"], content["h"]) == ("2014-06-20", "2014-06-22", "20")
    assert content["fn"] == proofs.plan.filing_number
    assert content["cat"] == "professional"
    event = AuditEvent.objects.get(action="proof_issue", target_id=str(proof.pk))
    assert (event.actor_id, event.role) == (proofs.staff.assignment.user_id, "provider_staff")


def test_a_passing_mark_alone_is_a_pass_and_a_failed_learner_gets_none(
    proofs: ProofWorld,
) -> None:
    proof = _issue(proofs, proofs.assessed)
    assert proof.record is None
    assert proof.score == 86
    with pytest.raises(ServiceError, match="未登记为考核合格"):
        _issue(proofs, proofs.failed)
    with pytest.raises(ServiceError, match="已出具"):
        _issue(proofs, proofs.assessed)
    assert Proof.objects.count() == 1


def test_another_provider_can_neither_issue_nor_withdraw(proofs: ProofWorld) -> None:
    other = proofs.world.other_staff
    with pytest.raises(ServiceError, match="不属于本机构"):
        proof_issue(
            actor=other.assignment.user,
            active=other,
            class_plan_id=proofs.plan.pk,
            professional_id=proofs.entered.pk,
        )
    proof = _issue(proofs, proofs.entered)
    with pytest.raises(ServiceError, match="不是本机构出具"):
        proof_withdraw(actor=other.assignment.user, active=other, proof_id=proof.pk, reason="x")
    assert Proof.objects.get().status == ProofStatus.VALID


def test_the_pdf_embeds_the_font_prints_the_form_and_its_qr_reads_back(
    proofs: ProofWorld,
) -> None:
    proof = _issue(proofs, proofs.entered)
    data = proof_render([proof_sheet(proof)], signed=proof.payload)
    assert b"/FontFile2" in data  # the TrueType font is embedded
    [(qr_texts, text)] = pdf_pages_read(data)
    for printed in ("广东省专业技术人员继续教育证明", "林伟", "汕头市行政学院", "20 学时"):
        assert printed in text
    assert proofs.plan.filing_number in text
    assert proof_from_qr_text(qr_texts[0]).proof == proof
    assert proof_from_pdf(data).proof == proof


def test_the_public_page_shows_the_proof_from_its_qr_and_by_number_and_code(
    proofs: ProofWorld,
) -> None:
    proof = _issue(proofs, proofs.entered)
    token = token_sign(number=proof.number, code=proof.verification_code, ring=keyring())
    page = Client().get(f"/V/{token}").content.decode()
    assert f"继续教育证明 {proof.number}" in page
    assert "有效" in page
    assert "汕头市行政学院" in page
    assert "二维码签名有效" in page
    typed = Client().get(
        reverse("certificates:verify"), {"no": proof.number, "code": proof.verification_code}
    )
    assert "工程新技术研修班" in typed.content.decode()
    wrong = Client().get(reverse("certificates:verify"), {"no": proof.number, "code": "ABCDEFGH"})
    assert "证明编号与核验码不符" in wrong.content.decode()


def test_a_reissue_supersedes_and_a_withdrawal_withdraws_both_kept_and_shown(
    proofs: ProofWorld,
) -> None:
    user, staff = proofs.staff.assignment.user, proofs.staff
    first = _issue(proofs, proofs.entered)
    with pytest.raises(ServiceError, match="请填写换发原因"):
        proof_reissue(actor=user, active=staff, proof_id=first.pk, reason=" ")
    second = proof_reissue(actor=user, active=staff, proof_id=first.pk, reason="姓名更正")
    first.refresh_from_db()
    assert first.status == ProofStatus.SUPERSEDED
    assert first.status_reason == "姓名更正"
    assert second.reissue_of == first
    assert second.number != first.number
    page = Client().get(
        reverse("certificates:verify"), {"no": first.number, "code": first.verification_code}
    )
    assert "已换发" in page.content.decode()
    assert second.number in page.content.decode()
    proof_withdraw(actor=user, active=staff, proof_id=second.pk, reason="考核作弊")
    page = Client().get(
        reverse("certificates:verify"), {"no": second.number, "code": second.verification_code}
    )
    assert "已撤回" in page.content.decode()
    assert "考核作弊" not in page.content.decode()  # not why
    actions = set(
        AuditEvent.objects.filter(target_type="certificates.proof").values_list("action", flat=True)
    )
    assert {"proof_issue", "proof_supersede", "proof_withdraw"} <= actions
    history = _client(staff).get(reverse("certificates:proofs_class", args=[proofs.plan.pk]))
    assert "考核作弊" in history.content.decode()
    assert "姓名更正" in history.content.decode()
    token = token_sign(number=second.number, code=second.verification_code, ring=keyring())
    assert not proof_from_qr_text(token_url("http://x", token)).in_effect


def test_a_withdrawal_asks_for_confirmation_first(proofs: ProofWorld) -> None:
    proof = _issue(proofs, proofs.entered)
    client = _client(proofs.staff)
    url = reverse("certificates:proof_end", args=[proof.pk, "withdraw"])
    asked = client.post(url, {"reason": "错发"})
    assert "确认撤回" in asked.content.decode()
    assert Proof.objects.get().status == ProofStatus.VALID
    client.post(url, {"reason": "错发", "confirm": "yes"})
    assert Proof.objects.get().status == ProofStatus.WITHDRAWN


@pytest.mark.parametrize("shape", ["pdf", "zip"])
def test_a_batch_issues_the_missing_proofs_as_one_file_with_progress(
    proofs: ProofWorld, shape: str
) -> None:
    _issue(proofs, proofs.entered)
    client = _client(proofs.staff)
    response = client.post(
        reverse("certificates:proof_batch_start", args=[proofs.plan.pk]), {"shape": shape}
    )
    batch = ProofBatch.objects.get()
    assert response.url == reverse("certificates:proof_batch", args=[batch.pk])
    assert (batch.status, batch.total, batch.done, batch.issued) == ("done", 2, 2, 1)
    data = b"".join(
        client.get(reverse("certificates:proof_batch_download", args=[batch.pk])).streaming_content
    )
    if shape == "zip":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert len(names) == 2
        assert all(n.endswith(".pdf") for n in names)
    else:
        assert len(pdf_pages_read(data)) == 2
    again = proof_batch_request(
        actor=proofs.staff.assignment.user,
        active=proofs.staff,
        class_plan_id=proofs.plan.pk,
        shape=shape,
    )
    assert (again.total, again.issued) == (2, 0)
    assert Proof.objects.filter(status="valid").count() == 2
    assert AuditEvent.objects.filter(action="proof_batch_request").count() == 2


def test_an_altered_or_forged_proof_is_refused_with_a_chinese_reason(proofs: ProofWorld) -> None:
    proof = _issue(proofs, proofs.entered)
    sheet = proof_sheet(proof)
    altered = proof_render([sheet.__class__(**{**sheet.__dict__, "hours": "40 学时"})])
    with pytest.raises(ProofRefused, match=r"证明内容与签名不符.*学时（签名内容为“20 学时”）"):
        proof_from_pdf(altered)
    forger = KeyRing()
    forger.generate("k20140701")
    forged_url = token_url(
        "http://127.0.0.1:8000",
        token_sign(number=proof.number, code=proof.verification_code, ring=forger),
    )
    forged = proof_render([sheet.__class__(**{**sheet.__dict__, "verify_url": forged_url})])
    with pytest.raises(ProofRefused, match="二维码签名无效"):
        proof_from_pdf(forged)
    with pytest.raises(ProofRefused, match="不是 PDF"):
        proof_from_pdf(b"hello")


def test_the_offline_verifier_reads_the_signed_content_of_a_proof(
    proofs: ProofWorld, tmp_path: Path, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    proof = _issue(proofs, proofs.entered)
    path = tmp_path / "proof.pdf"
    path.write_bytes(proof_render([proof_sheet(proof)], signed=proof.payload))
    code = offline_main([str(path), "--keys", str(settings.XUESHI_KEYS_DIR)])
    out = capsys.readouterr().out
    assert code == 3  # the signature holds; withdrawal can only be checked online
    assert f"继续教育证明 {proof.number}" in out
    assert "林伟" in out
    assert "工程新技术研修班" in out
    assert "20 学时" in out


def test_the_title_is_the_form_of_the_classs_region_and_another_region_claims_no_guangdong(
    proofs: ProofWorld,
) -> None:
    """Shantou 2014's class: the form its notice names, with the clause on the page; the same
    proof of a Luojiang class: the system's neutral title, saying the form is the system's."""
    proof = _issue(proofs, proofs.entered)
    [(_, text)] = pdf_pages_read(proof_render([proof_sheet(proof)], signed=proof.payload))
    assert "广东省专业技术人员继续教育证明" in text
    assert "第四(四)项出具" in text
    Proof.objects.filter(pk=proof.pk).update(region_id="350504")
    proof.refresh_from_db()
    sheet = proof_sheet(proof)
    assert sheet.title == "专业技术人员继续教育培训证明"
    [(_, text)] = pdf_pages_read(proof_render([sheet], signed=proof.payload))
    assert "专业技术人员继续教育培训证明" in text
    assert "广东" not in text  # no Guangdong form claimed
    assert "本证明的格式由本系统确定" in text
