"""A stay carries its person's CPAS: a foreign key on (person, CPAS) to the people's unique
(id, cpas), as the referrals have (partenaires 0014), deferred to the commit like Django's own
foreign keys. The ids of a cellule's people read from the stays of a CPAS are then people of
that CPAS, without the person table (``beneficiaires.models.personnes.sql_ids_visibles``).
Django models no composite foreign key: raw SQL."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("beneficiaires", "0019_beneficiaire_id_cpas"),
        ("trajets", "0011_file_cellule_index_couvrants"),
    ]

    operations = [
        migrations.RunSQL(
            sql="""
                ALTER TABLE trajets_passagephase
                ADD CONSTRAINT passage_cpas_de_la_personne
                FOREIGN KEY (beneficiaire_id, cpas_id)
                REFERENCES beneficiaires_beneficiaire (id, cpas_id)
                DEFERRABLE INITIALLY DEFERRED
            """,
            reverse_sql="""
                ALTER TABLE trajets_passagephase
                DROP CONSTRAINT passage_cpas_de_la_personne
            """,
        ),
    ]
