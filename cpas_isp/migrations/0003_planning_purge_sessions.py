from django.db import migrations


def creer(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30", hour="3", day_of_week="*", day_of_month="*", month_of_year="*",
        timezone="Europe/Brussels",
    )
    PeriodicTask.objects.get_or_create(
        name="Purge des sessions expirées",
        defaults={"task": "cpas_isp.purger_sessions", "crontab": nightly, "enabled": True},
    )


def supprimer(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="Purge des sessions expirées"
    ).delete()


class Migration(migrations.Migration):
    """The nightly session purge lives in the database schedule (editable in the admin)."""

    dependencies = [
        ("cpas_isp", "0002_extensions"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(creer, supprimer)]
