"""Joining, changing and leaving an employer, from the professional's and the employer's
side. A change of employer keeps the history: the old employment is ended, never deleted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    id_number_of,
    regions,
)
from xueshi.accounts.access import ActiveRole
from xueshi.accounts.models import Role, RoleAssignment
from xueshi.audit.models import AuditEvent
from xueshi.errors import ServiceError
from xueshi.people.models import Employment, EmploymentStatus, Professional
from xueshi.people.services import (
    employer_reviewer_add,
    employment_accept,
    employment_decline,
    employment_end,
    employment_request,
    employment_withdraw,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2015, 3, 2)
PASSWORD = "Xueshi-2014-Shantou"


@pytest.fixture
def world():
    """Two employers (Shantou and Kaifeng) with an admin each, and a person in neither."""
    regions()
    shantou = EmployerFactory(name="汕头市第一中学", region_id="440500")
    kaifeng = EmployerFactory(name="开封市人民医院", region_id="410200")
    person = ProfessionalFactory(full_name="陈静", region_id="440500")
    return {
        "person": person,
        "me": grant(person.user, Role.PROFESSIONAL),
        "shantou": shantou,
        "kaifeng": kaifeng,
        "shantou_admin": grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=shantou),
        "kaifeng_admin": grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=kaifeng),
    }


def _user(active: ActiveRole):
    return active.assignment.user


def _request(world, employer):
    return employment_request(
        actor=world["person"].user, active=world["me"], employer_id=employer.pk
    )


# --- services ------------------------------------------------------------------------


def test_a_request_waits_for_the_employer_and_changes_nothing_yet(world) -> None:
    employment = _request(world, world["shantou"])

    assert employment.status == EmploymentStatus.REQUESTED
    world["person"].refresh_from_db()
    assert world["person"].employer is None
    assert AuditEvent.objects.filter(action="employment_request").count() == 1


def test_accepting_makes_the_person_staff_in_the_employers_region(world) -> None:
    employment = _request(world, world["kaifeng"])
    admin = world["kaifeng_admin"]

    employment_accept(actor=_user(admin), active=admin, employment_id=employment.pk, today=TODAY)

    employment.refresh_from_db()
    person = Professional.objects.get(pk=world["person"].pk)
    assert (employment.status, employment.started_on) == (EmploymentStatus.ACTIVE, TODAY)
    assert employment.decided_by == _user(admin)
    assert person.employer == world["kaifeng"]
    assert person.region_id == "410200"


def test_accepting_a_move_ends_the_old_employment_and_keeps_it(world) -> None:
    """A change of employer keeps history: the old employment is ended today, not deleted."""
    person = employ(world["person"], world["shantou"])
    old = Employment.objects.get(professional=person, status=EmploymentStatus.ACTIVE)
    move = _request(world, world["kaifeng"])
    admin = world["kaifeng_admin"]

    employment_accept(actor=_user(admin), active=admin, employment_id=move.pk, today=TODAY)

    old.refresh_from_db()
    assert (old.status, old.ended_on) == (EmploymentStatus.ENDED, TODAY)
    history = list(person.employments.order_by("id").values_list("employer__name", "status"))
    assert history == [("汕头市第一中学", "ended"), ("开封市人民医院", "active")]
    person.refresh_from_db()
    assert person.employer == world["kaifeng"]
    assert person.region_id == "410200"
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"employment_accept", "employment_end"} <= actions


def test_an_employer_cannot_accept_or_decline_another_employers_request(world) -> None:
    employment = _request(world, world["shantou"])
    other = world["kaifeng_admin"]

    with pytest.raises(ServiceError, match="未找到该加入申请"):
        employment_accept(actor=_user(other), active=other, employment_id=employment.pk)
    with pytest.raises(ServiceError, match="未找到该加入申请"):
        employment_decline(actor=_user(other), active=other, employment_id=employment.pk)

    employment.refresh_from_db()
    assert employment.status == EmploymentStatus.REQUESTED


def test_a_request_is_answered_once(world) -> None:
    employment = _request(world, world["shantou"])
    admin = world["shantou_admin"]
    employment_decline(
        actor=_user(admin), active=admin, employment_id=employment.pk, reason="非本单位人员"
    )

    with pytest.raises(ServiceError, match="已处理"):
        employment_accept(actor=_user(admin), active=admin, employment_id=employment.pk)
    event = AuditEvent.objects.get(action="employment_decline")
    assert event.comment == "非本单位人员"
    assert Professional.objects.get(pk=world["person"].pk).employer is None


def test_one_open_request_at_a_time_and_it_can_be_withdrawn(world) -> None:
    first = _request(world, world["shantou"])
    with pytest.raises(ServiceError, match="汕头市第一中学提交加入申请"):
        _request(world, world["kaifeng"])

    employment_withdraw(actor=world["person"].user, active=world["me"], employment_id=first.pk)
    first.refresh_from_db()
    assert first.status == EmploymentStatus.WITHDRAWN
    assert _request(world, world["kaifeng"]).status == EmploymentStatus.REQUESTED


def test_a_person_cannot_ask_to_join_their_current_employer_or_a_missing_one(world) -> None:
    employ(world["person"], world["shantou"])
    with pytest.raises(ServiceError, match="您已在汕头市第一中学任职"):
        _request(world, world["shantou"])
    with pytest.raises(ServiceError, match="不存在"):
        employment_request(actor=world["person"].user, active=world["me"], employer_id=999999)


def test_leaving_ends_the_employment_and_keeps_the_region(world) -> None:
    person = employ(world["person"], world["kaifeng"])
    current = Employment.objects.get(professional=person, status=EmploymentStatus.ACTIVE)

    employment_end(actor=person.user, active=world["me"], employment_id=current.pk, today=TODAY)

    current.refresh_from_db()
    person.refresh_from_db()
    assert (current.status, current.ended_on) == (EmploymentStatus.ENDED, TODAY)
    assert person.employer is None
    assert person.region_id == "410200"
    with pytest.raises(ServiceError, match="不能办理离职"):
        employment_end(actor=person.user, active=world["me"], employment_id=current.pk)


def test_a_professional_cannot_end_someone_elses_employment(world) -> None:
    other = employ(ProfessionalFactory(), world["shantou"])
    theirs = Employment.objects.get(professional=other)
    with pytest.raises(ServiceError, match="未找到"):
        employment_end(actor=world["person"].user, active=world["me"], employment_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.status == EmploymentStatus.ACTIVE


def test_only_a_professional_asks_to_join(world) -> None:
    admin = world["shantou_admin"]
    with pytest.raises(ServiceError, match="专业技术人员本人"):
        employment_request(actor=_user(admin), active=admin, employer_id=world["kaifeng"].pk)


def test_an_employer_admin_adds_a_reviewer_for_the_same_employer(world) -> None:
    admin = world["shantou_admin"]
    assignment = employer_reviewer_add(
        actor=_user(admin), active=admin, username="reviewer1", password=PASSWORD, full_name="王审"
    )
    assert assignment.role == Role.EMPLOYER_REVIEWER
    assert assignment.employer == world["shantou"]
    assert assignment.user.check_password(PASSWORD)
    reviewer = ActiveRole(assignment)
    with pytest.raises(ServiceError, match="只有用人单位管理员"):
        employer_reviewer_add(
            actor=assignment.user, active=reviewer, username="r2", password=PASSWORD, full_name="李"
        )
    with pytest.raises(ServiceError, match="已被使用"):
        employer_reviewer_add(
            actor=_user(admin),
            active=admin,
            username="REVIEWER1",
            password=PASSWORD,
            full_name="李",
        )


# --- pages ----------------------------------------------------------------------------


def _login(client: Client, active: ActiveRole) -> Client:
    client.force_login(active.assignment.user)
    return client


def test_my_employment_finds_employers_by_name_or_exact_uscc(client: Client, world) -> None:
    _login(client, world["me"])
    url = reverse("people:my_employment")

    by_name = client.get(url, {"q": "第一中学"}).content.decode()
    by_code = client.get(url, {"q": world["kaifeng"].uscc.lower()}).content.decode()
    by_part = client.get(url, {"q": world["kaifeng"].uscc[:8]}).content.decode()

    assert "汕头市第一中学" in by_name
    assert "开封市人民医院" not in by_name
    assert "开封市人民医院" in by_code
    assert "开封市人民医院" not in by_part


def test_the_whole_journey_through_the_pages(client: Client, world) -> None:
    """Request, accept, then the history shows the employer and the dates."""
    me = _login(client, world["me"])
    response = me.post(reverse("people:employment_request"), {"employer_id": world["kaifeng"].pk})
    assert response.status_code == 302
    pending = Employment.objects.get(status=EmploymentStatus.REQUESTED)

    boss = _login(Client(), world["kaifeng_admin"])
    staff_page = boss.get(reverse("people:employer_staff")).content.decode()
    assert "陈静" in staff_page
    assert boss.post(reverse("people:employment_accept", args=[pending.pk])).status_code == 302

    page = me.get(reverse("people:my_employment")).content.decode()
    assert "现工作单位：<strong>开封市人民医院</strong>" in page
    assert "在职" in page
    staff_page = boss.get(reverse("people:employer_staff")).content.decode()
    assert "暂无待确认的申请" in staff_page


def test_the_staff_list_shows_the_masked_id_number_only(client: Client, world) -> None:
    person = employ(world["person"], world["shantou"])
    waiting = ProfessionalFactory(full_name="林申请")
    Employment.objects.create(professional=waiting, employer=world["shantou"])
    _login(client, world["shantou_admin"])

    content = client.get(reverse("people:employer_staff")).content.decode()

    assert person.masked_id_number in content
    assert id_number_of(person) not in content
    assert waiting.masked_id_number in content
    assert id_number_of(waiting) not in content


def test_an_employer_does_not_see_another_employers_staff_or_requests(
    client: Client, world
) -> None:
    employ(world["person"], world["shantou"])
    waiting = ProfessionalFactory(full_name="林申请")
    request = Employment.objects.create(professional=waiting, employer=world["shantou"])
    _login(client, world["kaifeng_admin"])

    content = client.get(reverse("people:employer_staff")).content.decode()
    assert "陈静" not in content
    assert "林申请" not in content
    # Searching by the whole ID number does not reach across employers either.
    found = client.get(reverse("people:employer_staff"), {"q": id_number_of(world["person"])})
    assert "陈静" not in found.content.decode()
    decline_page = client.get(reverse("people:employment_decline", args=[request.pk]))
    assert decline_page.status_code == 302
    client.post(reverse("people:employment_accept", args=[request.pk]))
    request.refresh_from_db()
    assert request.status == EmploymentStatus.REQUESTED


def test_staff_search_by_name_and_pagination(client: Client, world) -> None:
    for n in range(30):
        employ(ProfessionalFactory(full_name=f"员工{n:02d}"), world["shantou"])
    _login(client, world["shantou_admin"])
    url = reverse("people:employer_staff")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()
    assert "第 1 / 2 页，共 30 条" in first
    assert "员工00" in first
    assert "员工29" in second
    found = client.get(url, {"q": "员工07"}).content.decode()
    assert "员工07" in found
    assert "员工08" not in found


def test_declining_asks_for_confirmation_first(client: Client, world) -> None:
    request = _request(world, world["shantou"])
    _login(client, world["shantou_admin"])
    url = reverse("people:employment_decline", args=[request.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "确认不予接受" in page.content.decode()
    request.refresh_from_db()
    assert request.status == EmploymentStatus.REQUESTED

    client.post(url, {"reason": "查无此人"})
    request.refresh_from_db()
    assert request.status == EmploymentStatus.DECLINED


def test_leaving_asks_for_confirmation_first(client: Client, world) -> None:
    person = employ(world["person"], world["shantou"])
    current = Employment.objects.get(professional=person)
    _login(client, world["me"])
    url = reverse("people:employment_leave", args=[current.pk])

    assert "确认离职" in client.get(url).content.decode()
    current.refresh_from_db()
    assert current.status == EmploymentStatus.ACTIVE

    client.post(url)
    current.refresh_from_db()
    assert current.status == EmploymentStatus.ENDED


def test_reviewer_add_page_is_for_the_admin_only(client: Client, world) -> None:
    admin = _login(client, world["shantou_admin"])
    response = admin.post(
        reverse("people:employer_reviewer_add"),
        {"username": "rev", "full_name": "王审", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__username="rev")
    assert (assignment.role, assignment.employer) == (Role.EMPLOYER_REVIEWER, world["shantou"])

    reviewer = Client()
    reviewer.force_login(assignment.user)
    assert reviewer.get(reverse("people:employer_reviewer_add")).status_code == 403
    assert reviewer.get(reverse("people:employer_staff")).status_code == 200


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("people:employment_request", {}),
        ("people:employment_request", {"employer_id": "abc"}),
        ("people:employment_request", {"employer_id": "-4"}),
        ("people:employment_request", {"employer_id": "99999999999999999999999"}),
        ("people:employer_reviewer_add", {"username": "bad name!", "password1": "x"}),
    ],
)
def test_malformed_posts_answer_with_a_message_not_a_server_error(
    client: Client,
    world,
    name: str,
    data: dict[str, str],
) -> None:
    active = world["me"] if name == "people:employment_request" else world["shantou_admin"]
    _login(client, active)
    response = client.post(reverse(name), data, follow=True)
    assert response.status_code == 200
    assert "请" in response.content.decode() or "不存在" in response.content.decode()
    assert not Employment.objects.exists()


def test_pages_answer_for_ids_that_do_not_exist(client: Client, world) -> None:
    _login(client, world["me"])
    for name in ("people:employment_withdraw", "people:employment_leave"):
        response = client.post(reverse(name, args=[987654]), follow=True)
        assert response.status_code == 200
        assert "未找到" in response.content.decode()


def test_a_professional_role_without_a_person_record_sees_an_explanation(client: Client) -> None:
    regions()
    user = UserFactory()
    grant(user, Role.PROFESSIONAL)
    client.force_login(user)
    response = client.get(reverse("people:my_employment"), {"q": "单位"})
    assert response.status_code == 200
    assert "尚未登记专业技术人员信息" in response.content.decode()
    response = client.post(reverse("people:employment_request"), {"employer_id": 1}, follow=True)
    assert "尚未登记专业技术人员信息" in response.content.decode()
