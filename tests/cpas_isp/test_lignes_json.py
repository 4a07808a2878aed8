"""cpas_isp.lignes_json: a related list carried by its parent's row gives back the same model
instances as a query of its own (fields, types, order, relations)."""

import datetime

from django.db.models import Case, OuterRef, When

from beneficiaires.models import Beneficiaire, BilanSocioProfessionnel, DroitAide, FreinBeneficiaire
from cpas_isp.lignes_json import instances, liste_json
from cpas_isp.models import Cpas
from tests.beneficiaires.factories import (
    BeneficiaireFactory,
    BilanFactory,
    DroitFactory,
    FreinBeneficiaireFactory,
)

D = datetime.date


def _valeurs(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_list_in_the_parent_row_equals_the_list_queried_on_its_own(
    cpas_a, django_assert_num_queries
):
    b = BeneficiaireFactory(cpas=cpas_a)
    DroitFactory(beneficiaire=b, debut=D(2023, 1, 1), fin=D(2023, 6, 30), type="RIS")
    DroitFactory(beneficiaire=b, debut=D(2024, 1, 1), type="ERIS")
    FreinBeneficiaireFactory(beneficiaire=b, debut=D(2024, 2, 1), fin=D(2024, 2, 20))
    FreinBeneficiaireFactory(beneficiaire=b, debut=D(2024, 3, 1))
    BilanFactory(beneficiaire=b, version=1, projet="Cariste\n« guillemets » & accents é")
    BeneficiaireFactory(cpas=cpas_a)  # another person's lists stay out
    droits = DroitAide.objects.filter(beneficiaire=OuterRef("pk")).order_by("-debut")
    freins = FreinBeneficiaire.objects.filter(beneficiaire=OuterRef("pk")).order_by("debut")
    bilans = BilanSocioProfessionnel.objects.filter(beneficiaire=OuterRef("pk"))
    with django_assert_num_queries(1):
        lu = Beneficiaire.objects.annotate(
            d=liste_json(droits),
            f=liste_json(freins, relations=("frein", "note_par")),
            bsp=liste_json(bilans, relations=("auteur",)),
        ).get(pk=b.pk)
        d = instances(DroitAide, lu.d)
        f = instances(FreinBeneficiaire, lu.f, relations=("frein", "note_par"))
        bsp = instances(BilanSocioProfessionnel, lu.bsp, relations=("auteur",))
        assert f[0].frein.code == "mobilite" and f[1].note_par.username
        assert bsp[0].auteur.username and isinstance(bsp[0].cree_le, datetime.datetime)
    attendus = list(DroitAide.objects.filter(beneficiaire=b).order_by("-debut"))
    assert [_valeurs(x) for x in d] == [_valeurs(x) for x in attendus]
    assert isinstance(d[0].debut, datetime.date) and d[0].type == "ERIS"
    attendus = list(FreinBeneficiaire.objects.filter(beneficiaire=b).order_by("debut"))
    assert [_valeurs(x) for x in f] == [_valeurs(x) for x in attendus]
    assert _valeurs(f[0].note_par) == _valeurs(attendus[0].note_par)
    assert _valeurs(bsp[0]) == _valeurs(BilanSocioProfessionnel.objects.get(beneficiaire=b))
    assert not d[0]._state.adding


def test_no_rows_gives_an_empty_list_and_a_missing_relation_none(cpas_a, cpas_b):
    BeneficiaireFactory(cpas=cpas_a, referent=None)
    a, b = (
        Cpas.objects.annotate(
            p=liste_json(Beneficiaire.objects.filter(cpas=OuterRef("pk")), relations=("referent",))
        )
        .filter(pk__in=[cpas_a.pk, cpas_b.pk])
        .order_by(Case(When(pk=cpas_a.pk, then=0), default=1))
    )
    (personne,) = instances(Beneficiaire, a.p, relations=("referent",))
    assert personne.referent is None and personne.referent_id is None
    assert instances(Beneficiaire, b.p, relations=("referent",)) == []
