from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0012_orientation_index_beneficiaire_statut"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="orientation",
            index=models.Index(fields=["cpas", "date_envoi"], name="orientation_cpas_envoi_idx"),
        ),
    ]
