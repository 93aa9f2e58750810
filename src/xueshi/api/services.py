"""Every change the open API makes: a bureau registers, re-scopes, rotates and stops clients;
a client pushes learners' results (entered by the same batch service as an Excel file) and
voids what it sent. One transaction each, one audit event each."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from oauth2_provider.models import AccessToken, get_application_model

from xueshi import standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment, User
from xueshi.api.client_secrets import new_app_key, new_secret, seal
from xueshi.api.errors import Problem
from xueshi.api.models import (
    ApiClient,
    ApiReceipt,
    ClientKind,
    PushedResult,
    PushResult,
    Scope,
    VoidResult,
)
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.organisations.models import IndustryAuthority, Provider
from xueshi.organisations.validators import normalise_ric
from xueshi.people.identity import id_indexes
from xueshi.records.models import HourRecord, RecordSource
from xueshi.rules.workflow import RecordState
from xueshi.training import batch as batch_rows
from xueshi.training.batch import LearnerScore
from xueshi.training.models import Enrollment
from xueshi.training.selectors import classes_visible
from xueshi.training.services import class_plan_lock_for_entry, hour_batch_enter

# The scopes each kind of client may be given.
KIND_SCOPES: dict[str, tuple[Scope, ...]] = {
    ClientKind.PROVIDER: (Scope.HOURS_PUSH, Scope.CLASSES_READ, Scope.CERTIFICATES_READ),
    ClientKind.PLATFORM: (Scope.HOURS_PUSH, Scope.CLASSES_READ, Scope.CERTIFICATES_READ),
    ClientKind.EDUCATION_AUTHORITY: (
        Scope.COMPLIANCE_READ,
        Scope.CERTIFICATES_READ,
        Scope.CLASSES_READ,
    ),
    ClientKind.HEALTH_AUTHORITY: (
        Scope.COMPLIANCE_READ,
        Scope.CERTIFICATES_READ,
        Scope.CLASSES_READ,
    ),
    ClientKind.TITLE_SYSTEM: (Scope.COMPLIANCE_READ, Scope.CERTIFICATES_READ),
}


# --- clients ------------------------------------------------------------------------------


def _bureau_region_path(active: ActiveRole) -> str:
    if active.role != Role.BUREAU_STAFF or active.assignment.region is None:
        raise ServiceError("只有人社部门可以登记接入系统。")
    return active.assignment.region.path


def _checked_scopes(kind: str, scopes: Sequence[str]) -> list[str]:
    allowed = KIND_SCOPES[kind]
    wanted = sorted(set(scopes))
    if not wanted:
        raise ServiceError("请至少选择一项权限范围。", field="scopes")
    for scope in wanted:
        if scope not in allowed:
            label = dict(Scope.choices).get(scope, scope)
            raise ServiceError(f"{ClientKind(kind).label}不能授予“{label}”权限。", field="scopes")
    return wanted


@transaction.atomic
def api_client_register(
    *,
    actor: User,
    active: ActiveRole,
    name: str,
    kind: str,
    scopes: Sequence[str],
    provider_id: int | None = None,
    authority_id: int | None = None,
) -> tuple[ApiClient, str]:
    """A bureau registers a system of an organisation in its region. Returns the client and
    its secret: shown this once, never again (only a rotation gives a new one)."""
    path = _bureau_region_path(active)
    region = active.assignment.region
    assert region is not None
    name = name.strip()
    if not name:
        raise ServiceError("请填写系统名称。", field="name")
    if kind not in ClientKind.values:
        raise ServiceError("接入系统类型无效。", field="kind")
    chosen = _checked_scopes(kind, scopes)
    app_key, secret = new_app_key(), new_secret()
    user = User(username=f"api-{app_key}", full_name=f"{name}（接入系统）"[:64])
    user.set_unusable_password()
    user.save()
    scope: dict[str, Any]
    if kind in (ClientKind.PROVIDER, ClientKind.PLATFORM):
        in_region = Provider.objects.filter(region__path__startswith=path)
        provider = in_region.filter(pk=provider_id or 0).first()
        if provider is None:
            raise ServiceError("请选择本地区的施教机构或网络学习平台。", field="provider")
        scope = {"role": Role.PROVIDER_STAFF, "provider": provider}
    elif kind in (ClientKind.EDUCATION_AUTHORITY, ClientKind.HEALTH_AUTHORITY):
        authority = IndustryAuthority.objects.filter(
            pk=authority_id or 0, region__path__startswith=path
        ).first()
        if authority is None:
            raise ServiceError("请选择本地区的行业主管部门。", field="authority")
        scope = {"role": Role.AUTHORITY_REVIEWER, "authority": authority}
    else:
        scope = {"role": Role.BUREAU_STAFF, "region": region}
    assignment = RoleAssignment.objects.create(user=user, **scope)
    application = get_application_model().objects.create(
        name=name[:255],
        client_id=app_key,
        client_secret=secret,
        client_type="confidential",
        authorization_grant_type="client-credentials",
        user=None,
    )
    client = ApiClient.objects.create(
        name=name,
        kind=kind,
        region=region,
        app_key=app_key,
        secret_sealed=seal(secret),
        scopes=chosen,
        user=user,
        assignment=assignment,
        application=application,
        registered_by=actor,
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="api_client_register",
        target=client,
        to_status="active",
        data={"kind": kind, "scopes": chosen, "app_key": app_key},
    )
    return client, secret


def _own_client_locked(active: ActiveRole, client_id: int) -> ApiClient:
    path = _bureau_region_path(active)
    client = (
        ApiClient.objects.select_for_update()
        .filter(pk=client_id, region__path__startswith=path)
        .first()
    )
    if client is None:
        raise ServiceError("接入系统不存在，或不是本地区登记的。")
    return client


@transaction.atomic
def api_client_secret_rotate(*, actor: User, active: ActiveRole, client_id: int) -> str:
    """A new secret for the client; the old one and every token issued with it stop working
    at once. Returns the new secret (shown once)."""
    client = _own_client_locked(active, client_id)
    if not client.active:
        raise ServiceError("接入系统已停用，不能更换密钥。")
    secret = new_secret()
    client.secret_sealed = seal(secret)
    client.secret_version += 1
    client.save(update_fields=["secret_sealed", "secret_version"])
    application = client.application
    application.client_secret = secret
    application.save()
    AccessToken.objects.filter(application=application).delete()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="api_client_secret_rotate",
        target=client,
        data={"secret_version": client.secret_version},
    )
    return secret


@transaction.atomic
def api_client_scopes_set(
    *, actor: User, active: ActiveRole, client_id: int, scopes: Sequence[str]
) -> ApiClient:
    client = _own_client_locked(active, client_id)
    before = list(client.scopes)
    client.scopes = _checked_scopes(client.kind, scopes)
    client.save(update_fields=["scopes"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="api_client_scopes_set",
        target=client,
        data={"from": before, "to": client.scopes},
    )
    return client


@transaction.atomic
def api_client_revoke(*, actor: User, active: ActiveRole, client_id: int) -> ApiClient:
    """Stop a client: its signatures and tokens are refused from now on (idempotent)."""
    client = _own_client_locked(active, client_id)
    if not client.active:
        return client
    client.active = False
    client.revoked_at = timezone.now()
    client.save(update_fields=["active", "revoked_at"])
    AccessToken.objects.filter(application=client.application).delete()
    audit_event_write(
        actor=actor,
        role=active.role,
        action="api_client_revoke",
        target=client,
        from_status="active",
        to_status="revoked",
    )
    return client


# --- pushing learners' results ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PushItem:
    """One learner's result as a client sent it (validated for form by the serializer)."""

    external_id: str
    name: str
    id_number: str
    score: str


def _score_key(score: str) -> str:
    try:
        value = Decimal(score.strip())
    except InvalidOperation:
        return score.strip()
    return format(value.normalize(), "f") if value.is_finite() else score.strip()


def _id_key(id_number: str) -> str:
    try:
        return normalise_ric(id_number)
    except ValidationError:
        return id_number.strip().upper()


def content_digest(class_plan_id: int, item: PushItem) -> str:
    """What "the same content" means for an id: the class, the name without spaces, the ID
    number normalised and the score's value ("85.50" is "85.5")."""
    key = [
        class_plan_id,
        "".join(item.name.split()),
        _id_key(item.id_number),
        _score_key(item.score),
    ]
    return hashlib.sha256(json.dumps(key, ensure_ascii=False).encode()).hexdigest()


def _refuse_duplicate_ids(items: Sequence[PushItem]) -> None:
    seen: dict[str, int] = {}
    for number, item in enumerate(items, start=1):
        if item.external_id in seen:
            raise Problem(
                f"第 {number} 条的编号“{item.external_id}”与第 {seen[item.external_id]} 条重复："
                "同一批内编号不能重复，整批未接收。",
                code="duplicate_external_id",
                status_code=409,  # the batch conflicts with itself (xAPI: refused whole)
            )
        seen[item.external_id] = number


class _RowsRefused(Exception):
    def __init__(self, report: list[dict[str, Any]]) -> None:
        super().__init__("rows refused")
        self.report = report


def _enter_valid_rows(
    plan: Any,
    rows: list[LearnerScore],
    source: str,
    digest: str,
    actor: User,
    active: ActiveRole,
) -> tuple[Any, dict[int, str]]:
    """Enter the rows that pass the batch service's checks; name the others with the reason.

    ``hour_batch_enter`` is all or nothing: it is tried on every row in a savepoint (one
    check: the usual case, no row refused); where rows are refused, the savepoint is rolled
    back and the rest entered (a second check). Returns the accepted batch (None if no row
    was left) and the refused rows' numbers with their reasons."""
    refused: dict[int, str] = {}
    remaining = rows
    for _ in range(3):  # a refusal only removes rows: twice suffices, once more for safety
        if not remaining:
            return None, refused
        try:
            with transaction.atomic():
                batch = hour_batch_enter(
                    class_plan_id=plan.pk,
                    rows=remaining,
                    source=source,
                    digest=digest,
                    actor=actor,
                    active=active,
                )
                if not batch.accepted:
                    raise _RowsRefused(batch.report)
        except _RowsRefused as exc:
            for line in exc.report:
                if line["result"] == batch_rows.ERROR:
                    refused[line["row"]] = line["message"].rstrip("。") + "。"
            remaining = [row for row in remaining if row.number not in refused]
        else:
            return batch, refused
    raise ServiceError("报送未能登记，请重试。")


@transaction.atomic
def api_results_push(
    *, client: ApiClient, class_plan_id: int, items: Sequence[PushItem], body_sha256: str
) -> ApiReceipt:
    """A client pushes learners' results of one of its provider's classes.

    xAPI's rules on the client's ids: a batch with an id twice is refused whole; an id
    received before with the same content changes nothing (``unchanged``), with other
    content is a ``conflict`` (the first stays; correct by voiding it); every other row is
    checked like an Excel row (identity: ID number and name must match a registered person
    enrolled in the class) — refused rows are named with their reason and may be sent again
    with the same id — and the rest entered by ``hour_batch_enter``, the Excel path's
    service. The receipt lists every id in the order sent."""
    _refuse_duplicate_ids(items)
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not locked.active:
        raise Problem("接入系统已停用。", code="client_unknown", status_code=401)
    active = ActiveRole(locked.assignment)
    if not classes_visible(active).filter(pk=class_plan_id).exists():
        raise Http404  # another provider's class is not found, as any class not there
    plan = class_plan_lock_for_entry(active=active, class_plan_id=class_plan_id)
    digests = [content_digest(plan.pk, item) for item in items]
    known = {
        row.external_id: row
        for row in PushedResult.objects.filter(
            client=locked, external_id__in=[item.external_id for item in items]
        )
    }
    results: list[dict[str, Any]] = [{} for _ in items]
    fresh: list[int] = []  # positions of ids not seen before
    for position, (item, digest) in enumerate(zip(items, digests, strict=True)):
        outcome = {"external_id": item.external_id}
        earlier = known.get(item.external_id)
        if earlier is None:
            fresh.append(position)
        elif earlier.voided_at is not None:
            outcome |= {
                "result": PushResult.CONFLICT,
                "message": "该编号的记录已作废，编号不能再用。",
            }
        elif earlier.content_sha256 != digest:
            outcome |= {
                "result": PushResult.CONFLICT,
                "message": "该编号此前已用于不同的内容，未作改动；如需更正，请先作废原记录，"
                "再以新编号报送。",
            }
        else:
            outcome |= {
                "result": PushResult.UNCHANGED,
                "message": "此前已接收，内容相同，未作改动。",
            }
        results[position] = outcome
    rows = [
        LearnerScore(
            number=position + 1,
            name=items[position].name,
            id_number=items[position].id_number,
            score=items[position].score,
        )
        for position in fresh
    ]
    source = f"接口报送：{locked.name}"
    batch, refused = _enter_valid_rows(plan, rows, source, body_sha256, locked.user, active)
    for number, message in refused.items():
        results[number - 1] |= {"result": PushResult.REFUSED, "message": message}
    accepted = [row for row in rows if row.number not in refused]
    if batch is not None:
        for line in batch.report:
            result = {
                batch_rows.CREATED: PushResult.CREATED,
                batch_rows.UNCHANGED: PushResult.UNCHANGED,
                batch_rows.FAILED: PushResult.FAILED,
            }[line["result"]]
            results[line["row"] - 1] |= {"result": result, "message": line["message"]}
    counts = dict.fromkeys(PushResult.values, 0)
    for outcome in results:
        counts[outcome["result"]] += 1
    receipt = ApiReceipt.objects.create(
        client=locked,
        class_plan=plan,
        hour_batch=batch,
        sha256=body_sha256,
        rows=len(items),
        created=counts[PushResult.CREATED],
        unchanged=counts[PushResult.UNCHANGED],
        failed=counts[PushResult.FAILED],
        conflicts=counts[PushResult.CONFLICT],
        refused=counts[PushResult.REFUSED],
        items=results,
    )
    if accepted:
        # ID numbers are stored encrypted: matched by their blind index (people/identity.py).
        number_of = id_indexes({_id_key(row.id_number) for row in accepted})
        people = {
            number_of[index]: pk
            for index, pk in plan.enrollments.filter(
                professional__id_number_index__in=list(number_of)
            ).values_list("professional__id_number_index", "professional_id")
        }
        # The records this push created, so that voiding a result voids its record.
        created = [
            people[_id_key(row.id_number)]
            for row in accepted
            if results[row.number - 1]["result"] == PushResult.CREATED
        ]
        record_of = dict(
            HourRecord.objects.filter(
                class_plan=plan, source=RecordSource.BATCH, professional_id__in=created
            )
            .exclude(status=RecordState.VOIDED)
            .values_list("professional_id", "id")
        )
        PushedResult.objects.bulk_create(
            PushedResult(
                client=locked,
                external_id=items[row.number - 1].external_id,
                content_sha256=digests[row.number - 1],
                class_plan=plan,
                professional_id=people[_id_key(row.id_number)],
                result=results[row.number - 1]["result"],
                record_id=(
                    record_of.get(people[_id_key(row.id_number)])
                    if results[row.number - 1]["result"] == PushResult.CREATED
                    else None
                ),
                receipt=receipt,
            )
            for row in accepted
        )
    audit_event_write(
        actor=locked.user,
        role=active.role,
        action="api_results_push",
        target=receipt,
        data={
            "client": locked.pk,
            "class_plan": plan.pk,
            "rows": receipt.rows,
            "created": receipt.created,
            "unchanged": receipt.unchanged,
            "failed": receipt.failed,
            "conflicts": receipt.conflicts,
            "refused": receipt.refused,
            "sha256": body_sha256,
        },
    )
    return receipt


# --- voiding what a client sent ------------------------------------------------------------


def _organisation(client: ApiClient) -> tuple[int | None, int | None]:
    assignment = client.assignment
    return assignment.provider_id, assignment.authority_id


def _void_target(caller: ApiClient, app_key: str) -> ApiClient | None:
    """The client whose results are voided: the caller, or another client of the same
    organisation (a provider's second system, one that replaced the first); None if the
    key names no such client."""
    if not app_key or app_key == caller.app_key:
        return caller
    other = ApiClient.objects.select_related("assignment").filter(app_key=app_key).first()
    if other is None:
        return None
    mine = _organisation(caller)
    if mine == (None, None) or _organisation(other) != mine:
        return None
    return other


@dataclass(frozen=True, slots=True)
class VoidOutcome:
    """What a void request did, id by id in the order named."""

    items: list[dict[str, Any]]

    def count(self, result: str) -> int:
        return sum(1 for item in self.items if item["result"] == result)


@transaction.atomic
def api_results_void(
    *, client: ApiClient, external_ids: Sequence[str], reason: str, pushed_by: str = ""
) -> VoidOutcome:
    """A client voids results it sent (xAPI's voiding statement): each id named is marked
    voided with the reason; the hour record it entered, if any, becomes 已作废 — it counts
    for nothing and the person's ledger row is refreshed — and the learner's score it wrote
    is cleared, so a correction may be sent under a new id. Idempotent: an id voided
    before is ``unchanged``. Only the client that sent a result, or another client of the
    same organisation (``pushed_by``: the sender's app key), may void it; anyone else's
    ids are ``not_found``, like ids never sent."""
    reason = " ".join(reason.split())
    if not reason:
        raise ServiceError("请填写作废理由。", field="reason")
    seen: dict[str, int] = {}
    for number, external_id in enumerate(external_ids, start=1):
        if external_id in seen:
            raise Problem(
                f"第 {number} 个编号“{external_id}”与第 {seen[external_id]} 个重复，整批未作废。",
                code="duplicate_external_id",
                status_code=409,
            )
        seen[external_id] = number
    locked = ApiClient.objects.select_for_update().get(pk=client.pk)
    if not locked.active:
        raise Problem("接入系统已停用。", code="client_unknown", status_code=401)
    active = ActiveRole(locked.assignment)
    target = _void_target(locked, pushed_by)
    found = (
        {}
        if target is None
        else {
            row.external_id: row
            for row in PushedResult.objects.select_for_update(of=("self",))
            .select_related("record", "record__professional")
            .filter(client=target, external_id__in=list(external_ids))
        }
    )
    now = timezone.now()
    items: list[dict[str, Any]] = []
    voided: list[PushedResult] = []
    for external_id in external_ids:
        row = found.get(external_id)
        if row is None:
            items.append(
                {
                    "external_id": external_id,
                    "result": VoidResult.NOT_FOUND,
                    "message": "没有这个编号的报送记录（或不是本机构报送的），未作改动。",
                }
            )
        elif row.voided_at is not None:
            items.append(
                {
                    "external_id": external_id,
                    "result": VoidResult.UNCHANGED,
                    "message": f"此前已作废（{timezone.localtime(row.voided_at):%Y-%m-%d %H:%M}），"
                    "未作改动。",
                }
            )
        else:
            row.voided_at, row.voided_by, row.void_reason = now, locked, reason[:200]
            voided.append(row)
            items.append({"external_id": external_id, "result": VoidResult.VOIDED})
    PushedResult.objects.bulk_update(voided, ["voided_at", "voided_by", "void_reason"])
    messages = _void_records(voided, actor=locked.user, role=active.role, reason=reason)
    for item in items:
        if item["result"] == VoidResult.VOIDED:
            item["message"] = messages[item["external_id"]]
    outcome = VoidOutcome(items)
    audit_event_write(
        actor=locked.user,
        role=active.role,
        action="api_results_void",
        target=target or locked,
        data={
            "client": locked.pk,
            "pushed_by": (target or locked).pk,
            "reason": reason[:200],
            "voided": [row.external_id for row in voided][:1000],
            "unchanged": outcome.count(VoidResult.UNCHANGED),
            "not_found": outcome.count(VoidResult.NOT_FOUND),
        },
    )
    return outcome


def _void_records(
    rows: Sequence[PushedResult], *, actor: User, role: str, reason: str
) -> dict[str, str]:
    """Void the records the rows entered and clear the scores they wrote; the message each
    row's answer gives."""
    messages: dict[str, str] = {}
    # (class, learner, whether the score written passed): cleared unless written over since.
    seats: list[tuple[int, int, bool]] = []
    for row in rows:
        if row.result in (PushResult.CREATED, PushResult.FAILED):
            seats.append((row.class_plan_id, row.professional_id, row.result == PushResult.CREATED))
        record = row.record
        if record is None or record.status == RecordState.VOIDED:
            messages[row.external_id] = (
                "已作废；该编号未登记学时记录（不合格或此前已由其他途径登记），学时记录未改动。"
                if record is None
                else "已作废；其学时记录此前已作废。"
            )
            continue
        before = record.status
        record.status = RecordState.VOIDED.value
        record.last_comment = f"报送方已作废：{reason}"[:2000]
        record.save(update_fields=["status", "last_comment", "updated_at"])
        audit_event_write(
            actor=actor,
            role=role,
            action="void",
            target=record,
            from_status=before,
            to_status=RecordState.VOIDED.value,
            comment=reason[:200],
            policy_version=record.policy_version,
            data={"external_id": row.external_id, "pushed_by": row.client_id},
        )
        standing.record_changed(record=record)
        messages[row.external_id] = "已作废；其学时记录已作废，不再计入。"
    for class_plan_id, professional_id, passed in seats:
        Enrollment.objects.filter(
            class_plan_id=class_plan_id, professional_id=professional_id, passed=passed
        ).update(score=None, passed=None)
    return messages
