# One monthly report per CPAS, month and language (the CPAS's own every month, the other on
# demand).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("rapports", "0006_rapport_mensuel_tenantmodel"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="rapportmensuel",
            name="rapport_un_par_cpas_et_mois",
        ),
        migrations.AddConstraint(
            model_name="rapportmensuel",
            constraint=models.UniqueConstraint(
                fields=("cpas", "mois", "langue"), name="rapport_un_par_cpas_mois_et_langue"
            ),
        ),
    ]
