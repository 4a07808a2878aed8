from django.db import migrations

TACHE = "Notifications des échéances (PIIS, article 60)"


def planifier(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    matin, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="6",
        day_of_week="*",
        day_of_month="*",
        month_of_year="*",
        timezone="Europe/Brussels",
    )
    PeriodicTask.objects.get_or_create(
        name=TACHE,
        defaults={"task": "trajets.notifier_echeances", "crontab": matin, "enabled": True},
    )


def deplanifier(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=TACHE).delete()


class Migration(migrations.Migration):
    """The daily notifications of PIIS and article 60 due dates (06:30, before the digest at
    07:00; editable in the admin like the other periodic tasks)."""

    dependencies = [
        ("trajets", "0007_journal_types_workflow_parametres"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, deplanifier)]
