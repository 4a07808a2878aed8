"""The dashboards' two statements over the referrals of a period read them from an index alone:
the delay to the partner's answer (referrals sent in the period: orientation_cpas_envoi_idx
now includes what it reads of them) and the referrals per partner (referrals made in the
period: a new index with the table's columns)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0016_orientation_index_cpas_statut"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="orientation",
            name="orientation_cpas_envoi_idx",
        ),
        migrations.AddIndex(
            model_name="orientation",
            index=models.Index(
                fields=["cpas", "date_envoi"],
                include=("statut", "date_reponse", "agent"),
                name="orientation_cpas_envoi_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="orientation",
            index=models.Index(
                fields=["cpas", "date_orientation"],
                include=("service", "date_envoi", "statut", "resultat", "agent"),
                name="orientation_date_suivi_idx",
            ),
        ),
    ]
