"""The provider's proofs (继续教育证明) of a class: issue one or all, reissue, withdraw,
download; the batch's progress and file. A proof's PDF is also for the learner and those
whose scope holds the learner."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from xueshi.accounts.access import RoleRequest, allow, require_active_role
from xueshi.accounts.models import Role, User
from xueshi.certificates.models import ProofBatch, ProofStatus
from xueshi.certificates.proof_pdf import proof_render
from xueshi.certificates.proof_selectors import (
    passed_learners,
    proof_form_of_class,
    proof_sheet,
    proofs_of_class,
    proofs_visible,
)
from xueshi.certificates.services import (
    proof_batch_request,
    proof_issue,
    proof_reissue,
    proof_withdraw,
)
from xueshi.errors import ServiceError
from xueshi.jobs.models import Job, JobKind
from xueshi.jobs.recovery import job_reconcile
from xueshi.training.models import ClassPlan, ClassStatus

PROVIDER = (Role.PROVIDER_STAFF,)
READERS = (
    Role.PROVIDER_STAFF,
    Role.PROFESSIONAL,
    Role.EMPLOYER_ADMIN,
    Role.EMPLOYER_REVIEWER,
    Role.BUREAU_STAFF,
    Role.AUTHORITY_REVIEWER,
)


def _provider_id(request: RoleRequest) -> int:
    provider_id = require_active_role(request).assignment.provider_id
    if provider_id is None:
        raise Http404("当前角色不属于施教机构。")
    return provider_id


def _own_plan(request: RoleRequest, pk: int) -> ClassPlan:
    plan = ClassPlan.objects.filter(pk=pk, provider_id=_provider_id(request)).first()
    if plan is None:
        raise Http404("培训班不存在，或不属于本机构。")
    return plan


def _user(request: RoleRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


@allow(*PROVIDER)
@require_GET
def class_proofs(request: RoleRequest, pk: int) -> HttpResponse:
    """本班继续教育证明: the passed learners with their proofs, the ended ones, the batches."""
    plan = _own_plan(request, pk)
    ended = [p for p in proofs_of_class(plan) if p.status != ProofStatus.VALID]
    batches = ProofBatch.objects.filter(class_plan=plan)[:5]
    return render(
        request,
        "certificates/proofs_class.html",
        {
            "plan": plan,
            "approved": plan.status == ClassStatus.APPROVED,
            "learners": passed_learners(plan),
            "ended": ended,
            "batches": batches,
            "shapes": ProofBatch.Shape.choices,
            "form": proof_form_of_class(plan),
        },
    )


@allow(*PROVIDER)
@require_POST
def issue_one(request: RoleRequest, pk: int) -> HttpResponse:
    plan = _own_plan(request, pk)
    try:
        professional_id = int(request.POST.get("professional", ""))
        proof = proof_issue(
            actor=_user(request),
            active=require_active_role(request),
            class_plan_id=plan.pk,
            professional_id=professional_id,
        )
    except ValueError:
        messages.error(request, "请求无效。")
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已出具{proof.holder_name}的继续教育证明 {proof.number}。")
    return redirect("certificates:proofs_class", plan.pk)


@allow(*PROVIDER)
@require_http_methods(["GET", "POST"])
def end(request: RoleRequest, pk: int, action: str) -> HttpResponse:
    """换发 or 撤回 one proof, after a page that asks for the reason and confirmation."""
    if action not in ("reissue", "withdraw"):
        raise Http404
    active = require_active_role(request)
    proof = get_object_or_404(
        proofs_visible(active).filter(provider_id=_provider_id(request)), pk=pk
    )
    verb = "换发" if action == "reissue" else "撤回"
    reason = request.POST.get("reason", "")[:200].strip()
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        service = proof_reissue if action == "reissue" else proof_withdraw
        try:
            made = service(actor=_user(request), active=active, proof_id=proof.pk, reason=reason)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            done = f"已换发，新证明编号 {made.number}" if action == "reissue" else "已撤回"
            messages.success(request, f"证明 {proof.number} {done}。")
            return redirect("certificates:proofs_class", proof.class_plan_id)
    return render(
        request,
        "certificates/proof_end_confirm.html",
        {"proof": proof, "action": action, "verb": verb, "reason": reason},
    )


@allow(*READERS)
@require_GET
def proof_pdf(request: RoleRequest, pk: int) -> HttpResponseBase:
    proof = get_object_or_404(proofs_visible(require_active_role(request)), pk=pk)
    data = proof_render([proof_sheet(proof)], signed=proof.payload)
    return FileResponse(
        io.BytesIO(data),
        as_attachment=True,
        filename=f"继续教育证明-{proof.number}.pdf",
        content_type="application/pdf",
    )


@allow(*PROVIDER)
@require_POST
def batch_start(request: RoleRequest, pk: int) -> HttpResponse:
    plan = _own_plan(request, pk)
    try:
        batch = proof_batch_request(
            actor=_user(request),
            active=require_active_role(request),
            class_plan_id=plan.pk,
            shape=request.POST.get("shape", ""),
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("certificates:proofs_class", plan.pk)
    return redirect("certificates:proof_batch", batch.pk)


def _own_batch(request: RoleRequest, pk: int) -> tuple[ProofBatch, Job | None]:
    batch = ProofBatch.objects.filter(pk=pk, class_plan__provider_id=_provider_id(request)).first()
    if batch is None:
        raise Http404("批量出具任务不存在。")
    job = Job.objects.filter(kind=JobKind.PROOF_BATCH, subject_id=batch.pk).first()
    if job is not None and not job.finished:
        job_reconcile(job)
        batch.refresh_from_db()
    return batch, job


@allow(*PROVIDER)
@require_GET
def batch_page(request: RoleRequest, pk: int) -> HttpResponse:
    """A batch's progress; htmx polls the fragment until it is done."""
    batch, job = _own_batch(request, pk)
    template = (
        "certificates/_proof_batch.html"
        if request.headers.get("HX-Request")
        else "certificates/proof_batch.html"
    )
    return render(request, template, {"batch": batch, "task": job})


@allow(*PROVIDER)
@require_GET
def batch_download(request: RoleRequest, pk: int) -> HttpResponseBase:
    batch, _ = _own_batch(request, pk)
    if not batch.file:
        raise Http404("文件尚未生成。")
    zipped = batch.shape == ProofBatch.Shape.ZIP
    return FileResponse(
        batch.file.open("rb"),
        as_attachment=True,
        filename=f"继续教育证明-{batch.class_plan.title}.{'zip' if zipped else 'pdf'}",
        content_type="application/zip" if zipped else "application/pdf",
    )
