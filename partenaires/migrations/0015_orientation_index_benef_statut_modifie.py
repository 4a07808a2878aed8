# The index of the referrals' counts by person and status also holds modifie_le: the home
# summary's counts of the people an agent sees read the index alone (no heap visit).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0014_orientation_cpas_de_la_personne"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="orientation",
            name="orientation_benef_statut_idx",
        ),
        migrations.AddIndex(
            model_name="orientation",
            index=models.Index(
                fields=["cpas", "beneficiaire", "statut"],
                include=("modifie_le",),
                name="orientation_benef_statut_idx",
            ),
        ),
    ]
