from django.db import migrations, models


class Migration(migrations.Migration):
    """The plain ID number goes; the blind index becomes the unique key."""

    dependencies = [("people", "0004_encrypt_id_numbers")]

    operations = [
        migrations.RemoveField(model_name="professional", name="id_number"),
        migrations.AlterField(
            model_name="professional",
            name="id_number_index",
            field=models.CharField(
                max_length=64, unique=True, verbose_name="公民身份号码（检索码）"
            ),
        ),
    ]
