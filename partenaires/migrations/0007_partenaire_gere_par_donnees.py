"""Existing partners are managed by the CPAS that encoded them (``cree_par_cpas``), else by the
CPAS in whose request the record was created (audit trail); otherwise nobody but a national
administrator edits them."""

from django.db import migrations
from django.db.models import F


def attribuer_gestion(apps, schema_editor):
    Partenaire = apps.get_model("partenaires", "Partenaire")
    PartenaireEvent = apps.get_model("partenaires", "PartenaireEvent")
    Partenaire.objects.filter(gere_par__isnull=True, cree_par_cpas__isnull=False).update(
        gere_par_id=F("cree_par_cpas_id")
    )
    Cpas = apps.get_model("cpas_isp", "Cpas")
    cpas_existants = set(Cpas.objects.values_list("pk", flat=True))
    for partenaire in Partenaire.objects.filter(gere_par__isnull=True).only("pk"):
        event = (
            PartenaireEvent.objects.filter(pgh_obj_id=partenaire.pk, pgh_label="insert")
            .select_related("pgh_context")
            .order_by("pgh_id")
            .first()
        )
        metadata = (event.pgh_context.metadata or {}) if event and event.pgh_context else {}
        cpas_id = metadata.get("cpas")
        if isinstance(cpas_id, int) and cpas_id in cpas_existants:
            Partenaire.objects.filter(pk=partenaire.pk).update(gere_par_id=cpas_id)


class Migration(migrations.Migration):
    dependencies = [
        ("partenaires", "0006_partenaire_gere_par_suggestions"),
        ("cpas_isp", "0004_journal_acces_personnes"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [migrations.RunPython(attribuer_gestion, migrations.RunPython.noop)]
