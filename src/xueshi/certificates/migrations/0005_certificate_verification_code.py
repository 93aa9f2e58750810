"""Every certificate gets a verification code (核验码), printed beside its number and carried
by its QR; those issued before get one here (a look-up by number alone no longer answers)."""

import secrets

from django.db import migrations, models

# As certificates/token.py (a migration keeps its own copy: the module may change later).
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"


def codes_for_existing(apps, schema_editor):
    Certificate = apps.get_model("certificates", "Certificate")
    missing = Certificate.objects.filter(verification_code="").only("pk")
    batch = []
    for certificate in missing.iterator(chunk_size=2000):
        certificate.verification_code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        batch.append(certificate)
        if len(batch) >= 2000:
            Certificate.objects.bulk_update(batch, ["verification_code"])
            batch = []
    if batch:
        Certificate.objects.bulk_update(batch, ["verification_code"])


class Migration(migrations.Migration):
    dependencies = [("certificates", "0004_roster_title_evaluation")]

    operations = [
        migrations.AddField(
            model_name="certificate",
            name="verification_code",
            field=models.CharField(blank=True, default="", max_length=8, verbose_name="核验码"),
        ),
        migrations.RunPython(codes_for_existing, migrations.RunPython.noop),
    ]
