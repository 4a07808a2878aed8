"""The shared kinds of collective activity (FR/NL); a CPAS adds its own."""

from django.db import migrations

TYPES_ACTIVITE = [
    # code, FR, NL
    ("cours_langue", "Cours de langue", "Taalcursus"),
    ("alphabetisation", "Cours d'alphabétisation", "Alfabetiseringscursus"),
    ("atelier_recherche_emploi", "Atelier de recherche d'emploi", "Workshop sollicitatietraining"),
    ("atelier", "Atelier", "Workshop"),
    ("preformation", "Préformation", "Vooropleiding"),
    ("job_day", "Job Day (rencontre avec des employeurs)", "Jobdag (ontmoeting met werkgevers)"),
    ("seance_information", "Séance d'information", "Infosessie"),
    ("activation_sociale", "Activation sociale", "Sociale activering"),
]  # fmt: skip


def charger(apps, schema_editor):
    TypeActivite = apps.get_model("activites", "TypeActivite")
    for ordre, (code, fr, nl) in enumerate(TYPES_ACTIVITE, start=1):
        TypeActivite.objects.update_or_create(
            code=code, defaults={"libelle_fr": fr, "libelle_nl": nl, "ordre": ordre}
        )


class Migration(migrations.Migration):
    dependencies = [("activites", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
