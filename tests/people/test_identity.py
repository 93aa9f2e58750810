"""ID numbers encrypted at rest (issue 14 item 4): SM4-GCM with the key id beside the
ciphertext, an HMAC-SM3 blind index for look-up and uniqueness, a masked form for display;
keys outside the database that rotate; a migration that encrypts existing rows; every read
of a full number audited; a page where a person sees what is held about them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from tests.support.factories import (
    EmployerFactory,
    ProfessionalFactory,
    UserFactory,
    employ,
    grant,
    id_number_of,
    make_ric,
    regions,
)
from xueshi.accounts.models import Role
from xueshi.audit.models import AuditEvent
from xueshi.people import identity
from xueshi.people.identity import IdKeyError, id_keys, id_number_decrypt, id_number_reveal
from xueshi.people.models import Professional

pytestmark = pytest.mark.django_db


@pytest.fixture
def own_keys(settings: Any, tmp_path: Path) -> Path:
    """Keys of this test alone (rotation must not reach other tests)."""
    settings.XUESHI_ID_KEYS = tmp_path / "idkeys"
    return settings.XUESHI_ID_KEYS


def _raw_row(pk: int) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_professional WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return tuple(row)


def test_the_database_holds_no_id_number_in_clear() -> None:
    regions()
    number = make_ric()
    person = ProfessionalFactory(id_number=number)
    row = _raw_row(person.pk)
    assert not any(number in str(value) or number[6:14] in str(value) for value in row)
    person.refresh_from_db()
    assert person.id_number_masked == number[:4] + "*" * 10 + number[-4:]
    assert len(person.id_number_index) == 64
    kid, _, sealed = person.id_number_encrypted.partition(".")
    assert kid == id_keys().active
    assert len(sealed) == 62  # 12-byte nonce, 18 bytes, 16-byte tag in base64url
    assert id_number_of(person) == number
    # Two encryptions of one number differ (a fresh nonce), the index does not.
    again = identity.id_fields(number)
    assert again["id_number_encrypted"] != person.id_number_encrypted
    assert again["id_number_index"] == person.id_number_index


def test_look_up_and_uniqueness_go_by_the_blind_index() -> None:
    regions()
    number = make_ric()[:17] + "X"
    person = ProfessionalFactory(id_number=number)
    assert Professional.objects.id_number_is(number.lower()).get() == person
    assert list(Professional.objects.id_number_in([number, make_ric()])) == [person]
    with pytest.raises(IntegrityError), transaction.atomic():
        ProfessionalFactory(id_number=number)


def test_a_ciphertext_moved_to_another_row_or_altered_does_not_decrypt() -> None:
    regions()
    one, two = ProfessionalFactory(), ProfessionalFactory()
    with pytest.raises(IdKeyError, match="不属于这一行"):
        id_number_decrypt(one.id_number_encrypted, two.id_number_index)
    kid, _, sealed = one.id_number_encrypted.partition(".")
    altered = f"{kid}.{sealed[:20]}{'A' if sealed[20] != 'A' else 'B'}{sealed[21:]}"
    with pytest.raises(IdKeyError):
        id_number_decrypt(altered, one.id_number_index)
    with pytest.raises(IdKeyError, match="不在本机"):
        id_number_decrypt("k19990101." + sealed, one.id_number_index)


def test_keys_rotate_and_every_row_is_reencrypted(
    own_keys: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    regions()
    old = ProfessionalFactory()
    number = id_number_of(old)
    first = id_keys().active
    assert (own_keys / f"id-{first}.key").stat().st_mode & 0o077 == 0
    call_command("idkeys", "rotate")
    second = id_keys().active
    assert second != first
    new = ProfessionalFactory()
    assert new.id_number_encrypted.startswith(f"{second}.")
    assert id_number_of(old) == number  # the old key still decrypts
    call_command("idkeys", "list")
    listing = capsys.readouterr().out
    assert f"{second}\t加密\t1 条" in listing
    assert f"{first}\t仅解密\t1 条" in listing
    call_command("idkeys", "reencrypt")
    old.refresh_from_db()
    assert old.id_number_encrypted.startswith(f"{second}.")
    assert id_number_of(old) == number
    assert Professional.objects.id_number_is(number).get() == old  # the index is unchanged
    assert AuditEvent.objects.filter(action="id_key_rotate", target_id=second).exists()
    event = AuditEvent.objects.get(action="id_numbers_reencrypt")
    assert event.data["rows"] == 1
    call_command("idkeys", "reencrypt")  # nothing left: no new audit row
    assert AuditEvent.objects.filter(action="id_numbers_reencrypt").count() == 1


def test_production_refuses_to_make_keys_on_its_own(settings: Any, tmp_path: Path) -> None:
    settings.PRODUCTION = True
    settings.XUESHI_ID_KEYS = tmp_path / "none"
    with pytest.raises(ImproperlyConfigured, match="xueshi idkeys rotate"):
        id_keys()
    assert not (tmp_path / "none").exists()


def test_a_full_number_is_revealed_only_with_an_audit_row() -> None:
    regions()
    person = ProfessionalFactory()
    reader = UserFactory()
    assert id_number_reveal(
        actor=reader, role="bureau_staff", professional=person, purpose="补办登记册"
    ) == id_number_of(person)
    event = AuditEvent.objects.get(action="id_number_read")
    assert (event.actor_id, event.role, event.comment) == (reader.pk, "bureau_staff", "补办登记册")
    assert (event.target_type, event.target_id) == ("people.professional", str(person.pk))
    # Nothing in the model reads it back.
    with pytest.raises(AttributeError):
        person.id_number  # noqa: B018


def test_a_person_sees_what_is_held_about_them(client: Client) -> None:
    regions()
    employer = EmployerFactory(region_id="440500", name="汕头市第一中学")
    person = employ(ProfessionalFactory(full_name="陈静"), employer)
    grant(person.user, Role.PROFESSIONAL)
    number = id_number_of(person)
    id_number_reveal(actor=None, role="system", professional=person, purpose="导出学时登记模板")
    client.force_login(person.user)
    url = reverse("web:my_data")
    page = client.get(url).content.decode()
    assert "陈静" in page
    assert person.masked_id_number in page
    assert number not in page
    assert "汕头市第一中学" in page
    assert "导出学时登记模板" in page  # who read the full number, and why
    assert AuditEvent.objects.filter(action="id_number_read").count() == 1

    shown = client.post(url, {"reveal": "id_number"}).content.decode()
    assert number in shown
    mine = AuditEvent.objects.filter(action="id_number_read", actor=person.user).get()
    assert (mine.comment, mine.target_id) == ("本人查看", str(person.pk))
    assert "本人查看" in client.get(url).content.decode()


def test_only_the_person_has_the_page(client: Client) -> None:
    regions()
    employer = EmployerFactory(region_id="440500")
    person = employ(ProfessionalFactory(), employer)
    boss = grant(UserFactory(), Role.EMPLOYER_ADMIN, employer=employer)
    client.force_login(boss.assignment.user)
    assert client.get(reverse("web:my_data")).status_code == 403
    assert client.post(reverse("web:my_data"), {"reveal": "id_number"}).status_code == 403
    assert not AuditEvent.objects.filter(action="id_number_read").exists()
    assert person.pk


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_back() -> None:
    """Rows written before encryption (a plain column) come out encrypted, indexed and
    masked, and unmigrating puts the plain numbers back (SQLite and PostgreSQL)."""
    regions()
    users = [UserFactory(), UserFactory()]
    numbers = [make_ric(), make_ric()[:17] + "X"]
    executor = MigrationExecutor(connection)
    before = [("people", "0003_professional_id_number_encrypted_fields")]
    executor.migrate(before)
    with connection.cursor() as cursor:
        for user, number in zip(users, numbers, strict=True):
            cursor.execute(
                "INSERT INTO people_professional (user_id, full_name, id_number, series,"
                " title_level, institution_level, region_id, created_at, id_number_encrypted,"
                " id_number_masked) VALUES (%s, '旧人', %s, 'engineering', 'intermediate', '',"
                " '440500', CURRENT_TIMESTAMP, '', '')",
                [user.pk, number],
            )
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()  # every app: going back undid dependants
    executor.migrate(latest)
    people = list(Professional.objects.filter(full_name="旧人").order_by("pk"))
    assert [id_number_of(p) for p in people] == numbers
    assert [p.masked_id_number for p in people] == [n[:4] + "*" * 10 + n[-4:] for n in numbers]
    assert Professional.objects.id_number_is(numbers[1]).get() == people[1]
    for person in people:
        assert not any(numbers[0] in str(v) or numbers[1] in str(v) for v in _raw_row(person.pk))

    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number FROM people_professional ORDER BY id")
        assert [row[0] for row in cursor.fetchall()] == numbers
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
