"""Writes of people: registration of professionals and employers, and employment — request,
accept, decline, withdraw, end. Each is one transaction: the rows it changes are locked, and
an audit event is written beside the change.

A change of employer never deletes anything: the old employment is ended (with the date) and
a new one is started, so a person's history stays readable.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from xueshi import clock, standing
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import EMPLOYER_ROLES, Role, RoleAssignment, User
from xueshi.audit.services import audit_event_write
from xueshi.errors import ServiceError
from xueshi.organisations.models import Employer, Region
from xueshi.organisations.validators import normalise_ric, normalise_uscc
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.people.selectors import REGISTRATION_LEVELS
from xueshi.rules import InstitutionLevel, TitleLevel
from xueshi.rules.terms import SERIES_LABELS

HEALTH = "health"


def _messages(error: ValidationError) -> str:
    return "".join(error.messages)


class AlreadyRegistered(ServiceError):
    """The username or the ID number of a registration is already registered. The
    registration pages answer exactly as for a success, so that they tell nobody which
    accounts or ID numbers exist (issue 14 item 9); the audit trail records the attempt."""

    def __init__(self) -> None:
        super().__init__("该用户名或身份号码已注册。")


UNIFORM_REGISTRATION_ANSWER = (
    "注册申请已受理。请用您设置的用户名和密码登录；如无法登录（例如用户名或身份号码此前已注册），"
    "请联系本单位管理员或当地人社部门。"
)


def _check_username(username: str, field: str, *, taken_is_error: bool = True) -> str:
    username = (username or "").strip()
    if not username:
        raise ServiceError("请填写用户名。", field=field)
    if len(username) > 150:
        raise ServiceError("用户名不能超过 150 个字符。", field=field)
    try:
        User.username_validator(username)
    except ValidationError:
        raise ServiceError("用户名只能包含字母、数字和 @ . + - _ 字符。", field=field) from None
    if taken_is_error and User.objects.filter(username__iexact=username).exists():
        raise ServiceError("该用户名已被使用，请换一个。", field=field)
    return username


def _check_full_name(full_name: str, field: str) -> str:
    full_name = (full_name or "").strip()
    if not full_name:
        raise ServiceError("请填写姓名。", field=field)
    if len(full_name) > 64:
        raise ServiceError("姓名不能超过 64 个字符。", field=field)
    return full_name


def _new_user(
    *, username: str, password: str, full_name: str, prefix: str = "", registering: bool = False
) -> User:
    """A user, not saved yet, whose password Django's validators accept. ``prefix`` names
    the form fields errors belong to (``admin_`` on the employer form). ``registering``: a
    public registration, where a taken username is found by the caller (``_taken``) after
    every other check, and answered like a success."""
    user = User(
        username=_check_username(username, f"{prefix}username", taken_is_error=not registering),
        full_name=_check_full_name(full_name, f"{prefix}full_name"),
    )
    try:
        validate_password(password or "", user=user)
    except ValidationError as error:
        raise ServiceError(_messages(error), field=f"{prefix}password1") from None
    user.set_password(password)
    return user


def _taken(username: str) -> bool:
    return User.objects.filter(username__iexact=username).exists()


def _checked_ric(value: str) -> str:
    try:
        number = normalise_ric(value)
    except ValidationError as error:
        raise ServiceError(_messages(error), field="id_number") from None
    return number


def _registration_region(code: str) -> Region:
    region = Region.objects.filter(code=code or "", level__in=REGISTRATION_LEVELS).first()
    if region is None:
        raise ServiceError("请选择所在地区（市、区或县）。", field="region")
    return region


def professional_register(
    *,
    username: str,
    password: str,
    full_name: str,
    id_number: str,
    series: str,
    title_level: str,
    region_code: str,
    institution_level: str = "",
) -> Professional:
    """专业技术人员注册: an account, the person and the ``professional`` role, together, in
    one transaction. A username or ID number already registered raises ``AlreadyRegistered``
    after the refusal's audit row is written (outside the registration's transaction)."""
    id_number = _checked_ric(id_number)
    if series not in SERIES_LABELS:
        raise ServiceError("请选择专业技术系列。", field="series")
    if title_level not in {t.value for t in TitleLevel}:
        raise ServiceError("请选择职称级别。", field="title_level")
    if series == HEALTH:
        if institution_level not in {i.value for i in InstitutionLevel}:
            raise ServiceError(
                "卫生系列人员请选择所在医疗卫生机构级别。", field="institution_level"
            )
    else:
        # Only medical staff have an institution level (it decides their credit rules).
        institution_level = ""
    region = _registration_region(region_code)
    user = _new_user(username=username, password=password, full_name=full_name, registering=True)
    if _taken(user.username) or Professional.objects.id_number_is(id_number).exists():
        audit_event_write(
            actor=None,
            role="",
            action="professional_register",
            target=("people.professional", ""),
            result="refused",
            data={"username": user.username, "reason": "already_registered"},
        )
        raise AlreadyRegistered
    try:
        with transaction.atomic():
            user.save()
            professional = Professional(
                user=user,
                full_name=user.full_name,
                series=series,
                title_level=title_level,
                institution_level=institution_level,
                region=region,
            )
            professional.id_number = id_number  # stored encrypted (people/identity.py)
            professional.save(force_insert=True)
            RoleAssignment.objects.create(user=user, role=Role.PROFESSIONAL)
            audit_event_write(
                actor=user,
                role=Role.PROFESSIONAL,
                action="professional_register",
                target=professional,
                data={"region": region.code, "series": series, "title_level": title_level},
            )
            standing.person_changed(professional_id=professional.pk)  # a row in every open year
    except IntegrityError:
        # Two registrations with the same number or username at the same moment.
        raise AlreadyRegistered from None
    return professional


@transaction.atomic
def employer_register(
    *,
    name: str,
    uscc: str,
    region_code: str,
    contact_name: str,
    contact_phone: str,
    admin_username: str,
    admin_password: str,
    admin_full_name: str,
) -> Employer:
    """用人单位注册: the employer and its first administrator account."""
    name = (name or "").strip()
    if not name:
        raise ServiceError("请填写单位名称。", field="name")
    if len(name) > 128:
        raise ServiceError("单位名称不能超过 128 个字符。", field="name")
    try:
        uscc = normalise_uscc(uscc)
    except ValidationError as error:
        raise ServiceError(_messages(error), field="uscc") from None
    region = _registration_region(region_code)
    contact_name = (contact_name or "").strip()
    contact_phone = (contact_phone or "").strip()
    if not contact_name:
        raise ServiceError("请填写联系人。", field="contact_name")
    if not contact_phone:
        raise ServiceError("请填写联系电话。", field="contact_phone")
    if len(contact_name) > 32 or len(contact_phone) > 32:
        raise ServiceError("联系人和联系电话均不能超过 32 个字符。", field="contact_phone")
    if Employer.objects.filter(uscc=uscc).exists():
        raise ServiceError(
            "该统一社会信用代码已注册。如需管理员账户，请联系本单位管理员。", field="uscc"
        )
    user = _new_user(
        username=admin_username,
        password=admin_password,
        full_name=admin_full_name,
        prefix="admin_",
        registering=True,
    )
    if _taken(user.username):
        raise AlreadyRegistered
    try:
        with transaction.atomic():
            employer = Employer.objects.create(
                name=name,
                uscc=uscc,
                region=region,
                contact_name=contact_name,
                contact_phone=contact_phone,
            )
            user.save()
            RoleAssignment.objects.create(user=user, role=Role.EMPLOYER_ADMIN, employer=employer)
    except IntegrityError:
        raise AlreadyRegistered from None
    audit_event_write(
        actor=user,
        role=Role.EMPLOYER_ADMIN,
        action="employer_register",
        target=employer,
        data={"uscc": uscc, "region": region.code, "admin": user.username},
    )
    return employer


def _employer_scope(active: ActiveRole) -> int:
    if active.role not in EMPLOYER_ROLES or active.assignment.employer_id is None:
        raise ServiceError("只有用人单位的管理员或审核员可以办理。")
    return active.assignment.employer_id


@transaction.atomic
def employer_reviewer_add(
    *,
    actor: User,
    active: ActiveRole,
    username: str,
    password: str,
    full_name: str,
) -> RoleAssignment:
    """An employer's administrator adds a reviewer account for the same employer."""
    if active.role is not Role.EMPLOYER_ADMIN or active.assignment.employer_id is None:
        raise ServiceError("只有用人单位管理员可以添加审核员。")
    employer = Employer.objects.select_for_update().get(pk=active.assignment.employer_id)
    user = _new_user(username=username, password=password, full_name=full_name)
    try:
        with transaction.atomic():
            user.save()
            assignment = RoleAssignment.objects.create(
                user=user, role=Role.EMPLOYER_REVIEWER, employer=employer
            )
    except IntegrityError:
        raise ServiceError("该用户名刚刚已被使用，请换一个。", field="username") from None
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employer_reviewer_add",
        target=assignment,
        data={"employer": employer.pk, "username": user.username},
    )
    return assignment


def _own_professional(active: ActiveRole) -> Professional:
    """The active professional's own row, locked."""
    if active.role is not Role.PROFESSIONAL:
        raise ServiceError("只有专业技术人员本人可以办理。")
    professional = (
        Professional.objects.select_for_update().filter(user_id=active.assignment.user_id).first()
    )
    if professional is None:
        raise ServiceError("您的账户尚未登记专业技术人员信息。")
    return professional


@transaction.atomic
def employment_request(*, actor: User, active: ActiveRole, employer_id: int) -> Employment:
    """A professional asks to join an employer; the employer accepts or declines.

    One open request at a time: otherwise two employers could each accept, and the person
    would be moved twice without asking for it.
    """
    professional = _own_professional(active)
    employer = Employer.objects.filter(pk=employer_id).first()
    if employer is None:
        raise ServiceError("该用人单位不存在。")
    if professional.employer_id == employer.pk:
        raise ServiceError(f"您已在{employer.name}任职，无需再次申请。")
    pending = (
        Employment.objects.select_for_update(of=("self",))
        .filter(professional=professional, status=EmploymentStatus.REQUESTED)
        .select_related("employer")
        .first()
    )
    if pending is not None:
        raise ServiceError(
            f"您已向{pending.employer.name}提交加入申请，请等待单位确认，或先撤回该申请。"
        )
    employment = Employment.objects.create(
        professional=professional, employer=employer, status=EmploymentStatus.REQUESTED
    )
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employment_request",
        target=employment,
        to_status=EmploymentStatus.REQUESTED,
        data={"employer": employer.pk},
    )
    return employment


@transaction.atomic
def employment_withdraw(*, actor: User, active: ActiveRole, employment_id: int) -> Employment:
    """The professional withdraws a request the employer has not answered yet."""
    professional = _own_professional(active)
    employment = (
        Employment.objects.select_for_update()
        .filter(pk=employment_id, professional=professional)
        .first()
    )
    if employment is None:
        raise ServiceError("未找到该申请。")
    if employment.status != EmploymentStatus.REQUESTED:
        raise ServiceError(f"该申请当前状态为“{employment.get_status_display()}”，不能撤回。")
    employment.status = EmploymentStatus.WITHDRAWN
    employment.save(update_fields=["status"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employment_withdraw",
        target=employment,
        from_status=EmploymentStatus.REQUESTED,
        to_status=EmploymentStatus.WITHDRAWN,
    )
    return employment


def _pending_request_of_employer(active: ActiveRole, employment_id: int) -> Employment:
    """The request, locked, after its professional's row: every employment service locks
    the person first, so a request, a withdrawal and an acceptance of the same person queue
    up instead of deadlocking."""
    employer_id = _employer_scope(active)
    found = Employment.objects.filter(pk=employment_id, employer_id=employer_id).first()
    if found is None:
        raise ServiceError("未找到该加入申请。")
    Professional.objects.select_for_update().get(pk=found.professional_id)
    employment = (
        Employment.objects.select_for_update(of=("self",))
        .select_related("employer")
        .get(pk=found.pk)
    )
    if employment.status != EmploymentStatus.REQUESTED:
        raise ServiceError(f"该申请已处理（{employment.get_status_display()}），不能重复办理。")
    return employment


@transaction.atomic
def employment_accept(
    *, actor: User, active: ActiveRole, employment_id: int, today: dt.date | None = None
) -> Employment:
    """The employer accepts a request: the person works here from today.

    Any other active employment of the person ends today (kept, with its dates); the
    person's region becomes the employer's, since that is where their rules apply.
    """
    today = today or clock.today()
    employment = _pending_request_of_employer(active, employment_id)
    professional = Professional.objects.get(pk=employment.professional_id)  # locked above
    employer = employment.employer
    previous = list(
        Employment.objects.select_for_update()
        .filter(professional=professional, status=EmploymentStatus.ACTIVE)
        .exclude(pk=employment.pk)
    )
    for old in previous:
        old.status = EmploymentStatus.ENDED
        old.ended_on = today
        old.save(update_fields=["status", "ended_on"])
        audit_event_write(
            actor=actor,
            role=active.role,
            action="employment_end",
            target=old,
            from_status=EmploymentStatus.ACTIVE,
            to_status=EmploymentStatus.ENDED,
            comment=f"调入{employer.name}",
        )
    employment.status = EmploymentStatus.ACTIVE
    employment.started_on = today
    employment.decided_by = actor if getattr(actor, "pk", None) else None
    employment.save(update_fields=["status", "started_on", "decided_by"])
    from_region = professional.region_id
    professional.employer = employer
    professional.region_id = employer.region_id
    professional.save(update_fields=["employer", "region"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employment_accept",
        target=employment,
        from_status=EmploymentStatus.REQUESTED,
        to_status=EmploymentStatus.ACTIVE,
        data={
            "professional": professional.pk,
            "ended": [old.pk for old in previous],
            "region": [from_region, employer.region_id],
        },
    )
    # A new region (and employer) changes the person's rules and grouping in every year.
    standing.person_changed(professional_id=professional.pk)
    return employment


@transaction.atomic
def employment_decline(
    *, actor: User, active: ActiveRole, employment_id: int, reason: str = ""
) -> Employment:
    """The employer declines a request; the person may ask another employer."""
    employment = _pending_request_of_employer(active, employment_id)
    employment.status = EmploymentStatus.DECLINED
    employment.decided_by = actor if getattr(actor, "pk", None) else None
    employment.save(update_fields=["status", "decided_by"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employment_decline",
        target=employment,
        from_status=EmploymentStatus.REQUESTED,
        to_status=EmploymentStatus.DECLINED,
        comment=(reason or "").strip()[:500],
    )
    return employment


@transaction.atomic
def employment_end(
    *, actor: User, active: ActiveRole, employment_id: int, today: dt.date | None = None
) -> Employment:
    """The professional leaves their current employer. The employment is kept as ended;
    the person keeps their region until another employer accepts them."""
    today = today or clock.today()
    professional = _own_professional(active)
    employment = (
        Employment.objects.select_for_update(of=("self",))
        .filter(pk=employment_id, professional=professional)
        .select_related("employer")
        .first()
    )
    if employment is None:
        raise ServiceError("未找到该任职记录。")
    if employment.status != EmploymentStatus.ACTIVE:
        raise ServiceError(
            f"该任职记录当前状态为“{employment.get_status_display()}”，不能办理离职。"
        )
    if employment.started_on and employment.started_on > today:
        raise ServiceError("离职日期不能早于入职日期。")
    employment.status = EmploymentStatus.ENDED
    employment.ended_on = today
    employment.save(update_fields=["status", "ended_on"])
    if professional.employer_id == employment.employer_id:
        professional.employer = None
        professional.save(update_fields=["employer"])
    audit_event_write(
        actor=actor,
        role=active.role,
        action="employment_end",
        target=employment,
        from_status=EmploymentStatus.ACTIVE,
        to_status=EmploymentStatus.ENDED,
    )
    standing.person_changed(professional_id=professional.pk)  # no employer now, in every year
    return employment
