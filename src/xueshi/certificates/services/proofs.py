"""The provider's proofs (继续教育证明, Shantou 2014 §四(四)): issue one, issue a class's in a
batch (a background job making one PDF or a zip), reissue and withdraw — each in one
transaction with its audit event; an ended proof is kept with its reason."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from xueshi import clock
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, User
from xueshi.audit.services import audit_event_write
from xueshi.certificates.keys import keyring
from xueshi.certificates.models import Proof, ProofBatch, ProofStatus
from xueshi.certificates.proof_selectors import (
    NUMBER_FORMAT,
    SIGNED_PREFIX,
    PassedLearner,
    category_label,
    passed_learner,
    passed_learners,
)
from xueshi.certificates.services.certificates import number_next
from xueshi.certificates.signing import document_sign
from xueshi.certificates.token import code_new
from xueshi.errors import ServiceError
from xueshi.jobs.models import JobKind
from xueshi.jobs.services import job_start
from xueshi.people.models import Professional
from xueshi.rules.verdict import fmt
from xueshi.training.models import ClassPlan, ClassStatus


def _own_class(active: ActiveRole, class_plan_id: int, *, lock: bool = True) -> ClassPlan:
    """The provider's own filed and approved class (locked): proofs are of filed classes."""
    if active.role is not Role.PROVIDER_STAFF or active.assignment.provider_id is None:
        raise ServiceError("继续教育证明由施教机构出具。")
    plans = ClassPlan.objects.select_related("provider", "region")
    if lock:
        plans = plans.select_for_update(of=("self",))
    plan = plans.filter(pk=class_plan_id, provider_id=active.assignment.provider_id).first()
    if plan is None:
        raise ServiceError("培训班不存在，或不属于本机构。")
    if plan.status != ClassStatus.APPROVED:
        raise ServiceError("培训班未经备案核准，不能出具继续教育证明。")
    return plan


def _issue(
    *,
    actor: User,
    active: ActiveRole,
    plan: ClassPlan,
    learner: PassedLearner,
    reissue_of: Proof | None = None,
    reason: str = "",
) -> Proof:
    person = Professional.objects.select_related("employer").get(pk=learner.professional_id)
    number = number_next(fmt_text=NUMBER_FORMAT, region=plan.region_id, year=plan.end_date.year)
    score = learner.score
    result = "合格"
    issued_on = clock.today()
    proof = Proof(
        number=number,
        class_plan=plan,
        professional=person,
        provider=plan.provider,
        region=plan.region,
        record=learner.record,
        holder_name=person.full_name,
        holder_id_masked=person.masked_id_number,
        employer_name=person.employer.name if person.employer else "",
        provider_name=plan.provider.name,
        class_title=plan.title,
        category=plan.category,
        mode=plan.mode,
        start_date=plan.start_date,
        end_date=plan.end_date,
        hours=plan.hours,
        result=result,
        score=score,
        filing_number=plan.filing_number,
        verification_code=code_new(),
        issued_on=issued_on,
        issued_by=actor,
        issued_role=active.role,
        reissue_of=reissue_of,
        status_reason=reason,
    )
    content = {
        "no": number,
        "nm": proof.holder_name,
        "id": proof.holder_id_masked,
        "em": proof.employer_name,
        "pn": proof.provider_name,
        "pid": plan.provider_id,
        "cls": plan.pk,
        "ct": proof.class_title,
        "fn": proof.filing_number,
        "sd": plan.start_date.isoformat(),
        "ed": plan.end_date.isoformat(),
        "md": plan.mode,
        "cat": plan.category,
        "cl": category_label(plan.category),
        "h": fmt(plan.hours),
        "rs": result,
        "sc": fmt(score) if score is not None else "",
        "rg": plan.region_id,
        "dt": issued_on.isoformat(),
    }
    ring = keyring()
    proof.payload = document_sign(SIGNED_PREFIX, content, ring)
    proof.kid = ring.active or ""
    proof.save(force_insert=True)
    audit_event_write(
        actor=actor,
        role=active.role,
        action="proof_issue",
        target=proof,
        to_status=proof.status,
        comment=reason,
        data={"number": number, "class_plan": plan.pk, "professional": person.pk},
    )
    return proof


@transaction.atomic
def proof_issue(
    *, actor: User, active: ActiveRole, class_plan_id: int, professional_id: int
) -> Proof:
    """出具证明: the provider issues the proof of one learner it entered as passed."""
    plan = _own_class(active, class_plan_id)
    learner = passed_learner(plan, professional_id)
    if learner is None:
        raise ServiceError("该学员未登记为考核合格（未登记学时或考核不合格），不能出具证明。")
    if learner.proof is not None:
        raise ServiceError(f"{learner.name}的证明已出具（编号 {learner.proof.number}）。")
    return _issue(actor=actor, active=active, plan=plan, learner=learner)


@transaction.atomic
def proofs_issue_for_class(*, actor: User, active: ActiveRole, class_plan_id: int) -> list[Proof]:
    """Every passed learner's valid proof, those missing issued now: idempotent (a second
    call issues nothing and returns the same proofs)."""
    plan = _own_class(active, class_plan_id)
    proofs = []
    for learner in passed_learners(plan):
        proof = learner.proof or _issue(actor=actor, active=active, plan=plan, learner=learner)
        proofs.append(proof)
    return proofs


def _locked_own_proof(active: ActiveRole, proof_id: int) -> Proof:
    if active.role is not Role.PROVIDER_STAFF or active.assignment.provider_id is None:
        raise ServiceError("继续教育证明由出具的施教机构换发或撤回。")
    proof = (
        Proof.objects.select_for_update()
        .filter(pk=proof_id, provider_id=active.assignment.provider_id)
        .first()
    )
    if proof is None:
        raise ServiceError("证明不存在，或不是本机构出具的。")
    return proof


def _proof_end(
    *, actor: User, active: ActiveRole, proof_id: int, reason: str, status: ProofStatus, verb: str
) -> Proof:
    reason = reason.strip()
    if not reason:
        raise ServiceError(f"请填写{verb}原因。", field="reason")
    proof = _locked_own_proof(active, proof_id)
    if proof.status != ProofStatus.VALID:
        raise ServiceError(f"证明 {proof.number} 已{proof.get_status_display()}，不能{verb}。")
    proof.status = status
    proof.status_reason = reason[:200]
    proof.ended_at = timezone.now()
    proof.save(update_fields=["status", "status_reason", "ended_at"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action=f"proof_{'withdraw' if status == ProofStatus.WITHDRAWN else 'supersede'}",
        target=proof,
        from_status=ProofStatus.VALID,
        to_status=status,
        comment=proof.status_reason,
    )
    return proof


@transaction.atomic
def proof_reissue(*, actor: User, active: ActiveRole, proof_id: int, reason: str) -> Proof:
    """换发: the old proof is superseded (kept, its QR says so), a new one issued from the
    class and the person as they are now."""
    old = _proof_end(
        actor=actor,
        active=active,
        proof_id=proof_id,
        reason=reason,
        status=ProofStatus.SUPERSEDED,
        verb="换发",
    )
    plan = _own_class(active, old.class_plan_id)
    learner = passed_learner(plan, old.professional_id)
    if learner is None:
        raise ServiceError("该学员已不再登记为考核合格，不能换发；如需作废请撤回。")
    return _issue(
        actor=actor, active=active, plan=plan, learner=learner, reissue_of=old, reason=reason
    )


@transaction.atomic
def proof_withdraw(*, actor: User, active: ActiveRole, proof_id: int, reason: str) -> Proof:
    """撤回: the proof is withdrawn (kept, and shown as withdrawn wherever it is checked)."""
    return _proof_end(
        actor=actor,
        active=active,
        proof_id=proof_id,
        reason=reason,
        status=ProofStatus.WITHDRAWN,
        verb="撤回",
    )


def proof_batch_request(
    *, actor: User, active: ActiveRole, class_plan_id: int, shape: str
) -> ProofBatch:
    """批量出具: the class's proofs (the missing ones issued) as one PDF or a zip, made by a
    background job; the request and its audit event commit before the job starts."""
    if shape not in ProofBatch.Shape.values:
        raise ServiceError("请选择文件形式。", field="shape")
    with transaction.atomic():
        plan = _own_class(active, class_plan_id)
        if not passed_learners(plan):
            raise ServiceError("本班还没有登记为考核合格的学员，无证明可出具。")
        batch = ProofBatch.objects.create(class_plan=plan, shape=shape, requested_by=actor)
        audit_event_write(
            actor=actor,
            role=active.role,
            action="proof_batch_request",
            target=batch,
            to_status=batch.status,
            data={"class_plan": plan.pk, "shape": shape},
        )
    job_start(
        kind=JobKind.PROOF_BATCH,
        title=f"批量出具继续教育证明：{plan.title}",
        requested_by=actor,
        role=active.assignment,
        region_id=plan.region_id,
        year=plan.end_date.year,
        subject_id=batch.pk,
    )
    batch.refresh_from_db()
    return batch
