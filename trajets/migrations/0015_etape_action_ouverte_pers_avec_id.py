"""A person's open actions' index includes the step's id: "Mes échéances" reads the actions of
the people the user refers from the index alone (their text, type and step date read after
the cut, for the lines shown), no longer each one's row."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("trajets", "0014_index_personne_debut"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="etape",
            name="etape_action_ouverte_pers_idx",
        ),
        migrations.AddIndex(
            model_name="etape",
            index=models.Index(
                condition=models.Q(("action_faite_le__isnull", True), ("echeance__isnull", False)),
                fields=["beneficiaire", "echeance"],
                include=("cpas", "id"),
                name="etape_action_ouverte_pers_idx",
            ),
        ),
    ]
