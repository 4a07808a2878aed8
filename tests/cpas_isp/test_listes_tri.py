"""The lists' sort orders (cpas_isp.listes.Tri): empty values last in both directions, and
no NULLS LAST on columns that cannot be empty, so that their indexes serve the sort."""

import datetime

from cpas_isp.listes import Tri
from partenaires.models import Orientation
from tests.beneficiaires.factories import BeneficiaireFactory

TRI = Tri({"cloture": ["date_cloture", "id"], "nom": ["nom", "id"]}, "nom")


def test_a_nullable_column_keeps_empty_values_last_both_ways(cpas_a):
    vieux = BeneficiaireFactory(cpas=cpas_a, date_cloture=datetime.date(2020, 1, 1))
    sans = BeneficiaireFactory(cpas=cpas_a, date_cloture=None)
    jeune = BeneficiaireFactory(cpas=cpas_a, date_cloture=datetime.date(2024, 1, 1))
    qs = vieux.__class__.objects.filter(cpas=cpas_a)
    assert list(TRI.appliquer(qs, "cloture")[0]) == [vieux, jeune, sans]
    assert list(TRI.appliquer(qs, "-cloture")[0]) == [jeune, vieux, sans]


def test_a_column_that_cannot_be_empty_is_sorted_as_its_index():
    """The referral list's default order (date, id descending) is the one of the index
    ``orientation_cpas_date_idx``: PostgreSQL walks it and stops at the page's end instead of
    sorting every referral of the CPAS (470 ms on 20,000 referrals, 1 ms with the index)."""
    from partenaires.views.orientations import TRI as TRI_ORIENTATIONS

    qs, _cle = TRI_ORIENTATIONS.appliquer(Orientation.objects.all(), "-date")
    sql = str(qs.query)
    assert '"date_orientation" DESC, "partenaires_orientation"."id" DESC' in sql
    assert "NULLS" not in sql
    # Through foreign keys that cannot be NULL either; not through a nullable one.
    tri = Tri(
        {"personne": ["beneficiaire__nom"], "referent": ["beneficiaire__referent__email"]},
        "personne",
    )
    assert "NULLS" not in str(tri.appliquer(Orientation.objects.all(), "-personne")[0].query)
    assert "NULLS LAST" in str(tri.appliquer(Orientation.objects.all(), "-referent")[0].query)
