"""Search support (immutable unaccent wrapper, trigram indexes on the normalised name and on the
NISS) and the reference list of obstacles (freins) from the domain."""

from django.db import migrations

FONCTIONS = """
CREATE OR REPLACE FUNCTION isp_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
CREATE OR REPLACE FUNCTION isp_nom_recherche(nom text, prenom text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT public.isp_unaccent(coalesce(nom, '') || ' ' || coalesce(prenom, '')) $$;
CREATE INDEX beneficiaire_nom_trgm ON beneficiaires_beneficiaire
    USING gin (isp_nom_recherche(nom, prenom) gin_trgm_ops);
CREATE INDEX beneficiaire_niss_trgm ON beneficiaires_beneficiaire USING gin (niss gin_trgm_ops);
"""

SUPPRESSION = """
DROP INDEX IF EXISTS beneficiaire_niss_trgm;
DROP INDEX IF EXISTS beneficiaire_nom_trgm;
DROP FUNCTION IF EXISTS isp_nom_recherche(text, text);
DROP FUNCTION IF EXISTS isp_unaccent(text);
"""

# code, FR, NL, sensitive (health or judicial: flag only, need-to-know)
FREINS = [
    ("jeune_peu_qualifie", "Jeune peu ou pas qualifié", "Jongere met weinig of geen kwalificaties", False),
    ("qualifications_depassees", "45–55 ans, qualifications qui ne comptent plus", "45–55 jaar, kwalificaties die niet meer tellen", False),
    ("sante_mentale", "Santé mentale", "Geestelijke gezondheid", True),
    ("souffrance_physique", "Souffrance physique", "Lichamelijk lijden", True),
    ("assuetudes", "Assuétudes", "Verslavingen", True),
    ("casier_judiciaire", "Casier judiciaire", "Strafregister", True),
    ("niveau_langue", "Niveau de langue insuffisant pour les tests d'admission", "Taalniveau onvoldoende voor toelatingsproeven", False),
    ("diplome_non_reconnu", "Diplôme étranger non reconnu", "Buitenlands diploma niet erkend", False),
    ("garde_enfants", "Garde d'enfants", "Kinderopvang", False),
    ("mobilite", "Mobilité", "Mobiliteit", False),
    ("numerique", "Compétences numériques", "Digitale vaardigheden", False),
    ("confiance_en_soi", "Confiance en soi", "Zelfvertrouwen", False),
    ("discrimination", "Discrimination", "Discriminatie", False),
]


def charger_freins(apps, schema_editor):
    Frein = apps.get_model("beneficiaires", "Frein")
    for ordre, (code, fr, nl, sensible) in enumerate(FREINS, start=1):
        Frein.objects.update_or_create(
            code=code,
            defaults={"libelle_fr": fr, "libelle_nl": nl, "sensible": sensible, "ordre": ordre * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("beneficiaires", "0002_freins_bilan"), ("cpas_isp", "0002_extensions")]

    operations = [
        migrations.RunSQL(FONCTIONS, SUPPRESSION),
        migrations.RunPython(charger_freins, migrations.RunPython.noop),
    ]
