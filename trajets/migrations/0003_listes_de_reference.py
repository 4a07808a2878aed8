"""Seed the reference lists: exit reasons (FR/NL, classed), step types, and the article 60
duration rules (pre-2026 rule by age at the end; from 2026-03-01, 312 worked days for all)."""

import datetime

from django.db import migrations

MOTIFS_SORTIE = [
    # code, FR, NL, class
    ("emploi", "Emploi sur le marché régulier", "Werk op de reguliere arbeidsmarkt", "positive"),
    ("formation_qualifiante", "Entrée en formation qualifiante", "Start van een kwalificerende opleiding", "positive"),
    ("diplome", "Diplôme, certificat ou attestation obtenu", "Diploma, getuigschrift of attest behaald", "positive"),
    ("independant", "Installation comme indépendant", "Start als zelfstandige", "positive"),
    ("article60_droits", "Article 60 terminé, droits sociaux ouverts", "Artikel 60 beëindigd, sociale rechten geopend", "positive"),
    ("reorientation", "Réorientation vers une autre phase", "Heroriëntering naar een andere fase", "neutre"),
    ("orientation_partenaire", "Orientation vers un partenaire", "Doorverwijzing naar een partner", "neutre"),
    ("transfert", "Transfert vers un autre CPAS ou service", "Overdracht naar een ander OCMW of dienst", "neutre"),
    ("fin_contrat_article60", "Fin de contrat article 60 sans ouverture de droits", "Einde artikel 60-contract zonder opening van rechten", "neutre"),
    ("abandon", "Abandon", "Afhaken", "negative"),
    ("sanction", "Sanction", "Sanctie", "negative"),
    ("fin_droit", "Fin du droit à l'aide", "Einde van het recht op steun", "negative"),
    ("demenagement", "Déménagement", "Verhuizing", "negative"),
    ("sante", "Raisons de santé", "Gezondheidsredenen", "negative"),
    ("injoignable", "Personne injoignable", "Persoon onbereikbaar", "negative"),
]

TYPES_ETAPE = [
    # code, FR, NL, collective
    ("entretien_individuel", "Entretien individuel", "Individueel gesprek", False),
    ("seance_collective", "Séance collective", "Groepssessie", True),
    ("job_coaching", "Job coaching", "Jobcoaching", False),
    ("candidature", "Candidature envoyée", "Sollicitatie verstuurd", False),
    ("entretien_embauche", "Entretien d'embauche", "Sollicitatiegesprek", False),
    ("job_day", "Job Day", "Job Day", True),
    ("test_admission", "Test d'admission", "Toelatingsproef", False),
    ("inscription_formation", "Inscription à une formation", "Inschrijving voor een opleiding", False),
    ("validation_competences", "Validation des compétences", "Validering van competenties", False),
    ("appel_telephonique", "Appel téléphonique", "Telefoongesprek", False),
    ("courrier", "Courrier", "Brief", False),
    ("visite_domicile", "Visite à domicile", "Huisbezoek", False),
    ("bilan_socioprofessionnel", "Bilan socioprofessionnel", "Socio-professionele balans", False),
    ("evaluation_piis", "Évaluation du PIIS", "Evaluatie van het GPMI", False),
    ("atelier_cv", "Atelier CV et lettre", "Workshop cv en brief", True),
]

REGLES_A60 = [
    # valid from, min age at end, max age at end, worked days, comment
    (datetime.date(2002, 10, 1), None, 35, 312, "Moins de 36 ans à la fin : 312 jours (≈ 12 mois)"),
    (datetime.date(2002, 10, 1), 36, 49, 468, "36 à 49 ans à la fin : 468 jours (≈ 18 mois)"),
    (datetime.date(2002, 10, 1), 50, None, 624, "50 ans et plus à la fin : 624 jours (≈ 24 mois)"),
    (datetime.date(2026, 3, 1), None, None, 312, "Réforme du chômage : 312 jours en 36 mois pour tous"),
]


def charger(apps, schema_editor):
    MotifSortie = apps.get_model("trajets", "MotifSortie")
    TypeEtape = apps.get_model("trajets", "TypeEtape")
    Regle = apps.get_model("trajets", "RegleDureeArticle60")
    for ordre, (code, fr, nl, classe) in enumerate(MOTIFS_SORTIE, start=1):
        MotifSortie.objects.update_or_create(
            code=code,
            defaults={"libelle_fr": fr, "libelle_nl": nl, "classe": classe, "ordre": ordre * 10},
        )
    for ordre, (code, fr, nl, collectif) in enumerate(TYPES_ETAPE, start=1):
        TypeEtape.objects.update_or_create(
            code=code,
            defaults={"libelle_fr": fr, "libelle_nl": nl, "collectif": collectif, "ordre": ordre * 10},
        )
    for valable_du, age_min, age_max, jours, commentaire in REGLES_A60:
        Regle.objects.update_or_create(
            valable_du=valable_du,
            age_min=age_min,
            defaults={"age_max": age_max, "jours_prestes": jours, "commentaire": commentaire},
        )


class Migration(migrations.Migration):
    dependencies = [("trajets", "0002_journal_piis_article60")]

    operations = [migrations.RunPython(charger, migrations.RunPython.noop)]
