"""Encrypt every existing ID number (people/identity.py): its ciphertext, blind index and
masked form from the plain column, in chunks. Backwards: the plain number from the
ciphertext (needs the keys)."""

from typing import Any

from django.db import migrations

CHUNK = 1000


def encrypt_existing(apps: Any, schema_editor: Any) -> None:
    from xueshi.people.identity import id_fields

    Professional = apps.get_model("people", "Professional")
    last = 0
    while True:
        chunk = list(
            Professional.objects.filter(pk__gt=last, id_number_index__isnull=True)
            .order_by("pk")
            .only("pk", "id_number")[:CHUNK]
        )
        if not chunk:
            return
        for row in chunk:
            for field, value in id_fields(row.id_number).items():
                setattr(row, field, value)
        Professional.objects.bulk_update(
            chunk, ["id_number_encrypted", "id_number_index", "id_number_masked"]
        )
        last = chunk[-1].pk


def decrypt_existing(apps: Any, schema_editor: Any) -> None:
    from xueshi.people.identity import id_number_decrypt

    Professional = apps.get_model("people", "Professional")
    rows = list(Professional.objects.exclude(id_number_encrypted=""))
    for row in rows:
        row.id_number = id_number_decrypt(row.id_number_encrypted, row.id_number_index)
    Professional.objects.bulk_update(rows, ["id_number"], batch_size=CHUNK)


class Migration(migrations.Migration):
    dependencies = [("people", "0003_professional_id_number_encrypted_fields")]

    operations = [migrations.RunPython(encrypt_existing, decrypt_existing)]
