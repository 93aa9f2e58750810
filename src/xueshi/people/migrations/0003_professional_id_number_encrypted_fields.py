from django.db import migrations, models


class Migration(migrations.Migration):
    """The columns of the encrypted ID number beside the plain one (filled by 0004)."""

    dependencies = [("people", "0002_employment_status_withdrawn")]

    operations = [
        # Nullable and no longer unique while it is being replaced (so that going back
        # re-adds it cleanly); 0005 removes it.
        migrations.AlterField(
            model_name="professional",
            name="id_number",
            field=models.CharField(max_length=18, null=True, verbose_name="公民身份号码"),
        ),
        migrations.AddField(
            model_name="professional",
            name="id_number_encrypted",
            field=models.CharField(default="", max_length=120, verbose_name="公民身份号码（密文）"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="professional",
            name="id_number_index",
            field=models.CharField(max_length=64, null=True, verbose_name="公民身份号码（检索码）"),
        ),
        migrations.AddField(
            model_name="professional",
            name="id_number_masked",
            field=models.CharField(default="", max_length=18, verbose_name="公民身份号码"),
            preserve_default=False,
        ),
    ]
