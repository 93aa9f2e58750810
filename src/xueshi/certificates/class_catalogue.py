"""The catalogue a declaration is matched against (``records.class_catalogue``): the filed
classes of a person's region and the regions above it, the provider's roster (learners
entered as passed) and its proofs, read back and checked. Registered when Django starts
(``CertificatesConfig.ready``): certificates is the lowest layer that knows both the
classes and the proofs (docs/adr/0018)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db.models import Q, QuerySet

from xueshi.certificates.proof_pdf import proof_render
from xueshi.certificates.proof_selectors import (
    ProofRead,
    ProofRefused,
    passed_learner,
    proof_from_pdf,
    proof_from_qr_text,
    proof_lookup,
    proof_sheet,
    proof_url,
)
from xueshi.people.models import Professional
from xueshi.records.class_catalogue import FiledClass, ProofFacts, ProofUnreadable
from xueshi.training.models import ClassPlan, ClassStatus


def _regions(professional: Professional) -> list[str]:
    """The person's region and those above it: "000000/440000/440500/" → three codes."""
    return [code for code in professional.region.path.split("/") if code]


def _filed(professional: Professional) -> QuerySet[ClassPlan]:
    return ClassPlan.objects.filter(
        status=ClassStatus.APPROVED, region_id__in=_regions(professional)
    ).select_related("provider", "region")


def filed_class_of(plan: ClassPlan) -> FiledClass:
    return FiledClass(
        class_plan_id=plan.pk,
        title=plan.title,
        provider_id=plan.provider_id,
        provider_name=plan.provider.name,
        region_name=plan.region.name,
        category=plan.category,
        mode=plan.mode,
        start_date=plan.start_date,
        end_date=plan.end_date,
        hours=plan.hours,
        filing_number=plan.filing_number,
    )


def _facts(read: ProofRead) -> ProofFacts:
    proof = read.proof
    return ProofFacts(
        number=proof.number,
        qr_text=proof_url(proof),
        professional_id=proof.professional_id,
        holder_name=proof.holder_name,
        filed_class=filed_class_of(proof.class_plan),
        category=proof.category,
        start_date=proof.start_date,
        end_date=proof.end_date,
        hours=Decimal(proof.hours),
        passed=proof.result == "合格",
        in_effect=read.in_effect,
        state=str(proof.get_status_display()),
    )


class ProofCatalogue:
    def classes_offered(
        self, *, professional: Professional, year: int, query: str, limit: int
    ) -> Sequence[FiledClass]:
        plans = _filed(professional).filter(end_date__year=year)
        query = query.strip()
        if query:
            plans = plans.filter(Q(title__icontains=query) | Q(provider__name__icontains=query))
        return [filed_class_of(p) for p in plans.order_by("-start_date", "-id")[:limit]]

    def filed_class(self, *, professional: Professional, class_plan_id: int) -> FiledClass | None:
        plan = _filed(professional).filter(pk=class_plan_id).first()
        return filed_class_of(plan) if plan is not None else None

    def on_roster(self, *, class_plan_id: int, professional_id: int) -> bool:
        plan = ClassPlan.objects.filter(pk=class_plan_id).first()
        return plan is not None and passed_learner(plan, professional_id) is not None

    def proof_read(self, *, pdf: bytes | None = None, text: str = "") -> ProofFacts:
        try:
            read = proof_from_pdf(pdf) if pdf is not None else proof_from_qr_text(text)
        except ProofRefused as exc:
            raise ProofUnreadable(str(exc)) from None
        return _facts(read)

    def proof_file(self, *, number: str) -> tuple[str, bytes]:
        proof = proof_lookup(number)
        if proof is None:
            raise ProofUnreadable("没有该编号的证明。")
        data = proof_render([proof_sheet(proof)], signed=proof.payload)
        return f"继续教育证明-{proof.number}.pdf", data
