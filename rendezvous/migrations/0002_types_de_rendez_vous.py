"""The shared kinds of appointment (FR/NL), each mapped to the journal step type it writes."""

from django.db import migrations

TYPES_RENDEZ_VOUS = [
    # code, FR, NL, step type code, minutes, collective, PIIS evaluation
    ("premier_entretien_isp", "Premier entretien ISP", "Eerste SPI-gesprek", "entretien_individuel", 60, False, False),
    ("bsp", "Entretien de bilan socioprofessionnel", "Gesprek socio-professionele balans", "bilan_socioprofessionnel", 60, False, False),
    ("proposition_piis", "Proposition du PIIS", "Voorstel van het GPMI", "entretien_individuel", 45, False, False),
    ("evaluation_piis", "Évaluation du PIIS", "Evaluatie van het GPMI", "evaluation_piis", 45, False, True),
    ("suivi", "Entretien de suivi", "Opvolgingsgesprek", "entretien_individuel", 30, False, False),
    ("information_collective", "Séance d'information collective", "Collectieve infosessie", "seance_collective", 90, True, False),
    ("rencontre_partenaire", "Rencontre avec un partenaire", "Ontmoeting met een partner", "entretien_individuel", 60, False, False),
]  # fmt: skip


def charger(apps, schema_editor):
    TypeEtape = apps.get_model("trajets", "TypeEtape")
    TypeRendezVous = apps.get_model("rendezvous", "TypeRendezVous")
    for ordre, (code, fr, nl, etape, duree, collectif, evaluation) in enumerate(
        TYPES_RENDEZ_VOUS, start=1
    ):
        TypeRendezVous.objects.update_or_create(
            code=code,
            defaults={
                "libelle_fr": fr,
                "libelle_nl": nl,
                "ordre": ordre,
                "type_etape": TypeEtape.objects.get(code=etape),
                "duree": duree,
                "collectif": collectif,
                "evaluation_piis": evaluation,
            },
        )


class Migration(migrations.Migration):
    dependencies = [
        ("rendezvous", "0001_initial"),
        ("trajets", "0003_listes_de_reference"),
    ]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
