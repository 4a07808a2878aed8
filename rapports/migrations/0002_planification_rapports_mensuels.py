"""Schedule the monthly reports: the 1st of each month at 06:00 (Brussels), every CPAS.

Stored in django-celery-beat's tables, so an administrator can change it in the admin.
"""

from django.db import migrations


def planifier(apps, schema_editor):
    from rapports.services import assurer_planification

    assurer_planification(
        apps.get_model("django_celery_beat", "PeriodicTask"),
        apps.get_model("django_celery_beat", "CrontabSchedule"),
    )


def deplanifier(apps, schema_editor):
    from rapports.services import NOM_PLANIFICATION

    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name=NOM_PLANIFICATION
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("rapports", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(planifier, deplanifier)]
