"""Schedule the daily creation of the ESF+ follow-ups (results at exit and at six months) in
django-celery-beat's tables."""

from django.db import migrations

SUIVIS_FSE = ("Suivis FSE+ (sortie et six mois)", "activites.tasks.suivis_fse")


def planifier(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    chaque_matin, _ = CrontabSchedule.objects.get_or_create(
        minute="15",
        hour="5",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Brussels",
    )
    apps.get_model("django_celery_beat", "PeriodicTask").objects.get_or_create(
        name=SUIVIS_FSE[0],
        defaults={"task": SUIVIS_FSE[1], "crontab": chaque_matin, "enabled": True},
    )


def deplanifier(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=SUIVIS_FSE[0]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("activites", "0003_participants_fse"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, deplanifier)]
