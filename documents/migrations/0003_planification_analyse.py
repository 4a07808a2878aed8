"""Every 10 minutes, scan the documents kept as not scanned (no scanner then, or clamd down),
kept in the database (django-celery-beat) so administrators can see and change it."""

from django.db import migrations

TASK_NAME = "Documents : analyse antivirus en attente"
TASK = "documents.tasks.analyser_documents_en_attente"


def planifier(apps, schema_editor):
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    intervalle, _ = IntervalSchedule.objects.get_or_create(every=10, period="minutes")
    PeriodicTask.objects.update_or_create(
        name=TASK_NAME,
        defaults={
            "task": TASK,
            "interval": intervalle,
            "enabled": True,
            "description": "Analyse par clamd des documents déposés sans analyse (pas de "
            "scanner configuré ou clamd indisponible) ; ils ne sont téléchargeables qu'après.",
        },
    )


def retirer(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name=TASK_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0002_categories"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, retirer)]
