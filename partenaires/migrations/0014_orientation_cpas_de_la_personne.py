"""A referral carries its person's CPAS: a foreign key on (person, CPAS) to the people's
unique (id, cpas) (deferred to the commit, like Django's own foreign keys). Django models no
composite foreign key: raw SQL."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0019_beneficiaire_id_cpas"),
        ("partenaires", "0013_orientation_index_cpas_envoi"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE partenaires_orientation
                ADD CONSTRAINT orientation_cpas_de_la_personne
                FOREIGN KEY (beneficiaire_id, cpas_id)
                REFERENCES beneficiaires_beneficiaire (id, cpas_id)
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE partenaires_orientation
                DROP CONSTRAINT orientation_cpas_de_la_personne
            """,
        ),
    ]
