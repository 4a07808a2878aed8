"""Seed the shared document categories (FR/NL); ``sensible``: health or judicial data."""

from django.db import migrations

CATEGORIES = [
    # code, FR, NL, sensible
    ("diplome", "Diplôme, certificat, attestation de réussite", "Diploma, getuigschrift, attest", False),
    ("attestation_formation", "Attestation de formation ou de fréquentation", "Attest van opleiding of aanwezigheid", False),
    ("piis_signe", "PIIS signé (scan)", "Ondertekend GPMI (scan)", False),
    ("contrat_travail", "Contrat de travail ou article 60", "Arbeidsovereenkomst of artikel 60", False),
    ("cv", "CV, lettre de motivation", "Cv, motivatiebrief", False),
    ("offre_emploi", "Offre d'emploi, candidature", "Vacature, sollicitatie", False),
    ("titre_sejour", "Titre de séjour, carte d'identité", "Verblijfsdocument, identiteitskaart", False),
    ("equivalence", "Équivalence ou reconnaissance de diplôme", "Gelijkwaardigheid of erkenning van diploma", False),
    ("courrier", "Courrier, convocation", "Brief, oproeping", False),
    ("certificat_medical", "Certificat médical", "Medisch attest", True),
    ("judiciaire", "Document judiciaire", "Gerechtelijk document", True),
    ("autre", "Autre document", "Ander document", False),
]


def charger(apps, schema_editor):
    CategorieDocument = apps.get_model("documents", "CategorieDocument")
    for ordre, (code, fr, nl, sensible) in enumerate(CATEGORIES, start=1):
        CategorieDocument.objects.update_or_create(
            code=code,
            defaults={
                "libelle_fr": fr,
                "libelle_nl": nl,
                "sensible": sensible,
                "ordre": ordre * 10,
                "cpas": None,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
