"""Schedule the retention jobs in django-celery-beat's tables: the recovery of interrupted
anonymisation runs (every minute) and the nightly prune of history and access log."""

from django.db import migrations

RELANCE = ("Relance des anonymisations interrompues", "beneficiaires.tasks.relancer_anonymisations")
ELAGAGE = (
    "Élagage de l'historique et du journal des consultations",
    "beneficiaires.tasks.elaguer_historique",
)


def planifier(apps, schema_editor):
    from cpas_isp.baux import planifier_relance

    planifier_relance(
        *RELANCE,
        apps.get_model("django_celery_beat", "PeriodicTask"),
        apps.get_model("django_celery_beat", "IntervalSchedule"),
    )
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="45",
        hour="3",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Brussels",
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=ELAGAGE[0], defaults={"task": ELAGAGE[1], "crontab": nightly, "enabled": True}
    )


def deplanifier(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name__in=[RELANCE[0], ELAGAGE[0]]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0015_conservation_anonymisation"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, deplanifier)]
