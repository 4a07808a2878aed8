"""Reference lists (partner types, themes) and the daily schedule of the referral deadlines
task, kept in the database (django-celery-beat) so administrators can see and change it."""

from django.db import migrations

TYPES = [
    ("actiris", "Actiris", "Actiris"),
    ("forem", "Le Forem", "Le Forem"),
    ("vdab", "VDAB", "VDAB"),
    ("bruxelles_formation", "Bruxelles Formation", "Bruxelles Formation"),
    ("oisp_aft", "OISP / AFT", "OISP / AFT"),
    ("eft_cisp", "EFT / CISP", "EFT / CISP"),
    ("mire", "MIRE (accompagnement vers l'emploi)", "MIRE (trajectbegeleiding naar werk)"),
    ("mission_locale", "Mission locale", "Mission locale"),
    ("ale", "ALE (agence locale pour l'emploi)", "PWA (plaatselijk werkgelegenheidsagentschap)"),
    ("cefa", "CEFA", "CEFA"),
    ("ifapme", "IFAPME / SFPME", "IFAPME / SFPME"),
    ("promotion_sociale", "Enseignement de promotion sociale", "Onderwijs voor sociale promotie"),
    ("alphabetisation", "Association d'alphabétisation", "Alfabetiseringsvereniging"),
    ("economie_sociale", "Entreprise d'économie sociale", "Sociale-economiebedrijf"),
    ("employeur_prive", "Employeur privé", "Privéwerkgever"),
    (
        "microcredit",
        "Microcrédit / accompagnement à l'autocréation",
        "Microkrediet / begeleiding naar zelfstandig ondernemerschap",
    ),
    ("incubateur", "Incubateur d'entreprises", "Bedrijfsincubator"),
    ("autre_cpas", "Autre CPAS", "Ander OCMW"),
    ("asbl", "Association (ASBL)", "Vereniging (vzw)"),
]

THEMES = [
    ("alphabetisation", "Alphabétisation", "Alfabetisering"),
    ("langues", "Cours de langue (FLE, néerlandais)", "Taalcursus (Frans, Nederlands)"),
    ("preformation", "Préformation", "Voortraject"),
    ("formation_qualifiante", "Formation qualifiante", "Kwalificerende opleiding"),
    ("etudes", "Reprise d'études", "Hervatten van studies"),
    ("recherche_emploi", "Recherche active d'emploi", "Actief zoeken naar werk"),
    ("job_coaching", "Job coaching", "Jobcoaching"),
    ("autocreation", "Autocréation d'emploi (indépendant)", "Zelfstandig ondernemerschap"),
    ("stage", "Stage en entreprise", "Stage in een bedrijf"),
    ("mise_a_l_emploi", "Mise à l'emploi (article 60)", "Tewerkstelling (artikel 60)"),
    ("orientation", "Orientation et bilan", "Oriëntatie en balans"),
    ("numerique", "Compétences numériques", "Digitale vaardigheden"),
    ("activation_sociale", "Activation sociale", "Sociale activering"),
]

TASK_NAME = "Orientations : rappels et expirations"
TASK = "partenaires.tasks.echeances_orientations"


def charger(apps, schema_editor):
    TypePartenaire = apps.get_model("partenaires", "TypePartenaire")
    Thematique = apps.get_model("partenaires", "Thematique")
    for ordre, (code, fr, nl) in enumerate(TYPES, start=1):
        TypePartenaire.objects.update_or_create(
            code=code, defaults={"libelle_fr": fr, "libelle_nl": nl, "ordre": ordre}
        )
    for ordre, (code, fr, nl) in enumerate(THEMES, start=1):
        Thematique.objects.update_or_create(
            code=code, defaults={"libelle_fr": fr, "libelle_nl": nl, "ordre": ordre}
        )

    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Brussels",
    )
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "crontab": crontab,
            "enabled": True,
            "description": "Rappel aux partenaires à mi-délai, expiration des orientations "
            "envoyées restées sans réponse (délai par CPAS).",
        },
    )


def retirer(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(charger, retirer)]
