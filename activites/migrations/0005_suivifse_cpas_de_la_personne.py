"""An ESF+ follow-up carries its person's CPAS: a foreign key on (person, CPAS) to the people's
unique (id, cpas) (deferred to the commit, like Django's own foreign keys), as referrals and
stays do (partenaires 0014, trajets 0012). Django models no composite foreign key: raw SQL."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0019_beneficiaire_id_cpas"),
        ("activites", "0004_planification_suivis_fse"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE activites_suivifse
                ADD CONSTRAINT suivi_fse_cpas_de_la_personne
                FOREIGN KEY (beneficiaire_id, cpas_id)
                REFERENCES beneficiaires_beneficiaire (id, cpas_id)
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE activites_suivifse
                DROP CONSTRAINT suivi_fse_cpas_de_la_personne
            """,
        ),
    ]
