"""Search indexes per CPAS: every search is scoped to one CPAS, so the trigram indexes lead with
cpas_id (btree_gin). The normalised name function becomes PL/pgSQL with a high COST: a SQL
function is inlined and then looks free to the planner, which preferred filtering a whole CPAS's
files row by row (130 ms on 5,000 files) over the trigram index (6 ms); see
benchmarks/bench_beneficiaires.py."""

from django.contrib.postgres.operations import BtreeGinExtension
from django.db import migrations

INDEX = """
DROP INDEX IF EXISTS beneficiaire_nom_trgm;
CREATE OR REPLACE FUNCTION isp_nom_recherche(nom text, prenom text) RETURNS text
    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE COST 1000
    AS $$ BEGIN RETURN public.isp_unaccent(coalesce(nom, '') || ' ' || coalesce(prenom, '')); END $$;
DROP INDEX IF EXISTS beneficiaire_niss_trgm;
CREATE INDEX beneficiaire_cpas_nom_trgm ON beneficiaires_beneficiaire
    USING gin (cpas_id, isp_nom_recherche(nom, prenom) gin_trgm_ops);
CREATE INDEX beneficiaire_cpas_niss_trgm ON beneficiaires_beneficiaire
    USING gin (cpas_id, niss gin_trgm_ops);
"""

RETOUR = """
DROP INDEX IF EXISTS beneficiaire_cpas_nom_trgm;
DROP INDEX IF EXISTS beneficiaire_cpas_niss_trgm;
CREATE OR REPLACE FUNCTION isp_nom_recherche(nom text, prenom text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT public.isp_unaccent(coalesce(nom, '') || ' ' || coalesce(prenom, '')) $$;
CREATE INDEX beneficiaire_nom_trgm ON beneficiaires_beneficiaire
    USING gin (isp_nom_recherche(nom, prenom) gin_trgm_ops);
CREATE INDEX beneficiaire_niss_trgm ON beneficiaires_beneficiaire USING gin (niss gin_trgm_ops);
"""


class Migration(migrations.Migration):
    dependencies = [("beneficiaires", "0004_lot_import")]

    operations = [BtreeGinExtension(), migrations.RunSQL(INDEX, RETOUR)]
