"""Reads of proofs (继续教育证明): who passed a class and may be issued one, the proofs a
role may see, what a proof's page shows, and reading a proof back — from its QR's text or an
uploaded copy of its PDF — for the public page and for a declaration.

A proof's number starts with ``ZM`` (证明), which no certificate number of the policy does:
the QR's token (``token.py``, the certificates' own) names either, and the public page sends
each to its own look-up.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role
from xueshi.accounts.scope import professional_scope
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Proof, ProofStatus
from xueshi.certificates.proof_pdf import ProofSheet, rows_of
from xueshi.certificates.selectors import verify_site
from xueshi.certificates.signing import PayloadInvalid, Verified, document_verify
from xueshi.certificates.token import code_normalise, token_from_text, token_sign, token_url
from xueshi.certificates.token import token_verify as token_check
from xueshi.policy_store import current_policy
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules import Category, Mode
from xueshi.rules.proofs import ProofForm, proof_form
from xueshi.rules.verdict import fmt
from xueshi.rules.workflow import RecordState
from xueshi.training.models import ClassPlan, Enrollment

NUMBER_PREFIX = "ZM"
NUMBER_FORMAT = NUMBER_PREFIX + "{region}{year}{seq:06d}"
SIGNED_PREFIX = "XSP1"  # the signed content of a proof (signing.document_sign)


def is_proof_number(number: str) -> bool:
    return number.upper().startswith(NUMBER_PREFIX)


# --- who may be issued a proof ----------------------------------------------------------------


@dataclass(frozen=True)
class PassedLearner:
    """A learner the provider entered as passed: hours entered for the class (an Excel
    batch, a single entry, the API) or a passing mark in its assessment (an online exam)."""

    professional_id: int
    name: str
    record: HourRecord | None
    enrollment: Enrollment | None
    proof: Proof | None  # the valid proof, if issued

    @property
    def score(self) -> Decimal | None:
        return self.enrollment.score if self.enrollment is not None else None


def passed_learners(plan: ClassPlan) -> list[PassedLearner]:
    """The class's passed learners by name, each with their valid proof if any. A record
    rejected by its reviewers, or voided by the system that pushed it, is no entry of a
    pass."""
    records = {
        r.professional_id: r
        for r in HourRecord.objects.filter(class_plan=plan, source=RecordSource.BATCH)
        .exclude(status__in=(RecordState.REJECTED, RecordState.VOIDED))
        .select_related("professional")
    }
    enrollments = {
        e.professional_id: e
        for e in Enrollment.objects.filter(class_plan=plan).select_related("professional")
    }
    proofs = {
        p.professional_id: p
        for p in Proof.objects.filter(class_plan=plan, status=ProofStatus.VALID)
    }
    ids = set(records) | {pk for pk, e in enrollments.items() if e.passed}
    rows = []
    for pk in ids:
        record, enrollment = records.get(pk), enrollments.get(pk)
        person = record.professional if record is not None else enrollment.professional  # type: ignore[union-attr]
        rows.append(PassedLearner(pk, person.full_name, record, enrollment, proofs.get(pk)))
    return sorted(rows, key=lambda row: (row.name, row.professional_id))


def passed_learner(plan: ClassPlan, professional_id: int) -> PassedLearner | None:
    return next((r for r in passed_learners(plan) if r.professional_id == professional_id), None)


# --- what a role sees -----------------------------------------------------------------------


def proofs_visible(active: ActiveRole) -> QuerySet[Proof]:
    """A provider its own; a professional theirs; an employer, a bureau, an authority those of
    the people in their scope."""
    if active.role is Role.PROVIDER_STAFF:
        scope = Q(provider_id=active.assignment.provider_id)
    else:
        scope = professional_scope(active, "professional__")
    return Proof.objects.filter(scope).select_related("class_plan", "professional")


def proofs_mine(active: ActiveRole) -> QuerySet[Proof]:
    """The signed-in professional's own proofs, newest training first."""
    if active.role is not Role.PROFESSIONAL:
        return Proof.objects.none()
    return (
        proofs_visible(active)
        .filter(professional__user_id=active.assignment.user_id)
        .order_by("-end_date", "-id")
    )


def proofs_of_class(plan: ClassPlan) -> QuerySet[Proof]:
    """Every proof of the class, the ended ones too (the history)."""
    return Proof.objects.filter(class_plan=plan).order_by("holder_name", "-issued_at", "-id")


def proof_url(proof: Proof) -> str:
    """What the proof's QR carries: the short address with its signed token."""
    token = token_sign(number=proof.number, code=proof.verification_code, ring=keyring())
    return token_url(str(settings.XUESHI_PUBLIC_URL), token)


def category_label(category: str) -> str:
    try:
        return Category(category).label
    except ValueError:
        return category


def mode_label(mode: str) -> str:
    try:
        return Mode(mode).label
    except ValueError:
        return mode or "—"


def result_text(proof: Proof) -> str:
    return f"{proof.result}（{fmt(proof.score)} 分）" if proof.score is not None else proof.result


def proof_form_of_class(plan: ClassPlan) -> ProofForm:
    """The form of the proofs of ``plan``: its region's notice's, read at its last day."""
    return proof_form(current_policy(), region=plan.region_id, day=plan.end_date)


def proof_sheet(proof: Proof) -> ProofSheet:
    note = ""
    if proof.reissue_of_id is not None:
        note = f"本证明换发自 {proof.reissue_of.number}（原证明作废）。"  # type: ignore[union-attr]
    # The form of the training's own notice: read at the class's last day, like the class.
    form = proof_form(current_policy(), region=proof.region_id, day=proof.end_date)
    return ProofSheet(
        number=proof.number,
        code=proof.verification_code,
        name=proof.holder_name,
        masked_id=proof.holder_id_masked,
        employer=proof.employer_name or "—",
        provider=proof.provider_name,
        class_title=proof.class_title,
        filing_number=proof.filing_number,
        dates=f"{proof.start_date:%Y-%m-%d} 至 {proof.end_date:%Y-%m-%d}",
        form=mode_label(proof.mode),
        category=category_label(proof.category),
        hours=f"{fmt(proof.hours)} 学时",
        result=result_text(proof),
        issued_on=f"{proof.issued_on:%Y-%m-%d}",
        verify_url=proof_url(proof),
        verify_site=verify_site(),
        title=form.title,
        basis=form.basis,
        status_note=note,
    )


# --- reading a proof back -------------------------------------------------------------------


@dataclass(frozen=True)
class ProofRead:
    """A proof read back and found genuine: the proof as held, and its signed content."""

    proof: Proof
    content: dict[str, Any]

    @property
    def in_effect(self) -> bool:
        return self.proof.status == ProofStatus.VALID


class ProofRefused(ValueError):
    """Why an uploaded proof (or its QR text) is not accepted, in Chinese."""


def proof_lookup(number: str) -> Proof | None:
    return (
        Proof.objects.select_related("class_plan", "reissue_of", "provider")
        .filter(number=number.upper())
        .first()
    )


def _signed_content(proof: Proof) -> dict[str, Any]:
    """The proof's stored signed content, its signature checked: a row altered in the
    database no longer matches it."""
    try:
        signed: Verified = document_verify(SIGNED_PREFIX, proof.payload, keyring())
    except PayloadInvalid as exc:
        raise ProofRefused(f"证明 {proof.number} 的签名内容无效：{exc}") from None
    if signed.content.get("no") != proof.number:
        raise ProofRefused(f"证明 {proof.number} 的签名内容与编号不符。")
    return signed.content


def proof_by_code(number: str, code: str) -> ProofRead:
    """A proof by its number and the verification code printed on it."""
    proof = proof_lookup(number)
    typed = code_normalise(code).encode()
    if proof is None or not hmac.compare_digest(proof.verification_code.encode(), typed):
        raise ProofRefused("证明编号与核验码不符，或没有该证明。")
    return ProofRead(proof, _signed_content(proof))


def proof_from_qr_text(text: str) -> ProofRead:
    """A proof from its QR's text (the short address or the token): the token's signature
    first, then the proof it names, whose stored content must carry the same code."""
    token_text = token_from_text(text)
    if token_text is None:
        raise ProofRefused("不是本系统出具的继续教育证明二维码。")
    try:
        token = token_check(token_text, keyring())
    except PayloadInvalid as exc:
        raise ProofRefused(f"二维码签名无效：{exc}") from None
    if not is_proof_number(token.number):
        raise ProofRefused("该二维码是继续教育证书的，不是施教机构出具的继续教育证明。")
    proof = proof_lookup(token.number)
    if proof is None:
        raise ProofRefused("签名有效，但本系统中没有该编号的证明。")
    if not hmac.compare_digest(proof.verification_code.encode(), token.code.encode()):
        raise ProofRefused("二维码与系统中登记的证明不一致。")
    return ProofRead(proof, _signed_content(proof))


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def proof_text_differences(read: ProofRead, page_text: str) -> list[str]:
    """What the page's text says differently from the proof as signed: each row of the
    form must be printed as issued (an edited name, date or figure is missing from it)."""
    text = _squeezed(page_text)
    sheet = proof_sheet(read.proof)
    wrong = []
    for label, value in rows_of(sheet):
        if _squeezed(value) not in text:
            wrong.append(f"{label}（签名内容为“{value}”）")
    return wrong


MAX_PDF_BYTES = 10 * 1024 * 1024


def proof_from_pdf(data: bytes) -> ProofRead:
    """A proof from an uploaded copy of its PDF: its QR (rendered and decoded, as the
    offline verifier does), then its printed text against the signed content. One proof a
    file: a batch PDF is not a learner's proof."""
    from xueshi.certificates.offline import pdf_pages_read

    if not data.startswith(b"%PDF-"):
        raise ProofRefused("上传的文件不是 PDF。请上传施教机构出具的继续教育证明 PDF。")
    if len(data) > MAX_PDF_BYTES:
        raise ProofRefused("文件过大（超过 10 MB），不是本系统出具的继续教育证明。")
    try:
        pages = pdf_pages_read(data)
    except PayloadInvalid as exc:
        raise ProofRefused(str(exc)) from None
    if len(pages) != 1:
        raise ProofRefused("一份继续教育证明只有一页；请上传本人的证明，而不是批量文件。")
    texts, page_text = pages[0]
    if not texts:
        raise ProofRefused("PDF 中没有可识别的证明二维码。")
    read = proof_from_qr_text(texts[0])
    wrong = proof_text_differences(read, page_text)
    if wrong:
        raise ProofRefused(
            "证明内容与签名不符，可能被涂改：" + "；".join(wrong) + "。请向施教机构索取原件。"
        )
    return read
