"""The one need-to-know rule (with the cellule filter trajets registers):
``Beneficiaire.objects.visibles_par``, the per-object predicate and ``get_beneficiaire_or_404``
give the same answer for every role and every kind of person."""

import datetime

import pytest
from django.http import Http404

from beneficiaires.acces import get_beneficiaire_or_404
from beneficiaires.models import Beneficiaire
from beneficiaires.permissions import peut_voir_beneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import PassageFactory


@pytest.fixture
def monde(cpas_a, cpas_b, make_user):
    agent_cellule = make_user(Role.AGENT, cpas_a, cellule="emploi")
    agent = make_user(Role.AGENT, cpas_a)
    users = {
        "agent_cellule": agent_cellule,
        "agent": agent,
        "coordinateur": make_user(Role.COORDINATEUR, cpas_a),
        "directeur": make_user(Role.DIRECTEUR, cpas_a),
        "partenaire": make_user(Role.PARTENAIRE, cpas_a),
        "admin": make_user(Role.ADMIN, cpas_a),
        "coordinateur_b": make_user(Role.COORDINATEUR, cpas_b),
    }
    dans_cellule = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=dans_cellule, phase="emploi", debut=datetime.date(2024, 1, 8))
    sorti = BeneficiaireFactory(cpas=cpas_a)  # was in emploi, now in alpha
    PassageFactory(
        beneficiaire=sorti,
        phase="emploi",
        debut=datetime.date(2023, 1, 9),
        fin=datetime.date(2023, 12, 31),
    )
    PassageFactory(beneficiaire=sorti, phase="alpha", debut=datetime.date(2024, 1, 1))
    people = {
        "refere": BeneficiaireFactory(cpas=cpas_a, referent=agent),
        "dans_cellule": dans_cellule,
        "sorti_de_la_cellule": sorti,
        "personne": BeneficiaireFactory(cpas=cpas_a),
        "autre_cpas": BeneficiaireFactory(cpas=cpas_b),
    }
    return users, people


ATTENDU = {
    "agent_cellule": {"dans_cellule"},
    "agent": {"refere"},
    "coordinateur": {"refere", "dans_cellule", "sorti_de_la_cellule", "personne"},
    "directeur": set(),
    "partenaire": set(),
    "admin": set(),
    "coordinateur_b": {"autre_cpas"},
}


def test_queryset_predicate_and_404_agree_for_every_role(monde):
    users, people = monde
    for role, user in users.items():
        visibles = set(Beneficiaire.objects.visibles_par(user).values_list("pk", flat=True))
        assert visibles == {people[k].pk for k in ATTENDU[role]}, role
        for key, b in people.items():
            attendu = key in ATTENDU[role]
            assert peut_voir_beneficiaire(user, b) is attendu, (role, key)
            if attendu:
                assert get_beneficiaire_or_404(user, b.pk) == b
            else:
                with pytest.raises(Http404):
                    get_beneficiaire_or_404(user, b.pk)


def test_compiled_person_query_agrees_for_every_role(monde):
    """``get_beneficiaire_or_404(..., cle=...)`` (the person page's query compiled once per key
    and need-to-know SQL): the same person, the same values, or 404, as the plain query, for
    every role and person, asked twice (compiled, then from the memo); one compiled query per
    user whose rule differs, not per person."""
    from django.utils import timezone

    from beneficiaires import acces
    from beneficiaires.views.dossiers import _requete_fiche

    users, people = monde
    acces._FICHES.clear()
    cle, requete = _requete_fiche(timezone.localdate())
    for _tour in range(2):
        for role, user in users.items():
            for key, b in people.items():
                if key in ATTENDU[role]:
                    plain = get_beneficiaire_or_404(user, b.pk, requete)
                    compiled = get_beneficiaire_or_404(user, b.pk, requete, cle=cle)
                    assert compiled == plain == b
                    assert {k: v for k, v in compiled.__dict__.items() if k != "_state"} == {
                        k: v for k, v in plain.__dict__.items() if k != "_state"
                    }, (role, key)
                else:
                    with pytest.raises(Http404):
                        get_beneficiaire_or_404(user, b.pk, requete, cle=cle)
    # agents (2, by their people), coordinators of two CPAS; nobody else sees anyone.
    assert len(acces._FICHES) == 4


def test_compiled_object_query_agrees_for_every_role(monde, cpas_b):
    """``get_objet_or_404(..., cle=...)`` (one object of a person, its query compiled once per
    key and need-to-know rule, each line's person checked through the rule's indexes): the
    same PIIS with the same person, or 404, as the plain query, for every role and every
    kind of person, asked twice (compiled, then from the memo); keys no row has (0, negative,
    past a bigint) answer 404 too, and a key as text what the plain query answers. One
    compiled query per rule, not per object or user."""
    from beneficiaires import acces
    from beneficiaires.acces import get_objet_or_404
    from tests.trajets.factories import PiisFactory
    from trajets.models import Piis

    users, people = monde
    piis = {key: PiisFactory(beneficiaire=b) for key, b in people.items()}
    base = Piis.objects.select_related("beneficiaire__referent", "agent")
    acces._OBJETS.clear()
    for _tour in range(2):
        for role, user in users.items():
            for key, p in piis.items():
                if key in ATTENDU[role]:
                    plain = get_objet_or_404(base, user, pk=p.pk)
                    compiled = get_objet_or_404(base, user, cle=("test",), pk=p.pk)
                    assert compiled == plain == p
                    assert compiled.beneficiaire == people[key]
                    assert (
                        compiled.beneficiaire.__dict__.keys() == plain.beneficiaire.__dict__.keys()
                    )
                    assert compiled.beneficiaire.referent == people[key].referent
                else:
                    for cle in (None, ("test",)):
                        with pytest.raises(Http404):
                            get_objet_or_404(base, user, cle=cle, pk=p.pk)
            for pk in (0, -1, 2**63, -(2**63) - 1):
                with pytest.raises(Http404):
                    get_objet_or_404(base, user, cle=("test",), pk=pk)
            # A key as text: the plain query (not compiled), the same answer.
            if "personne" in ATTENDU[role]:
                assert get_objet_or_404(base, user, cle=("test",), pk=str(piis["personne"].pk))
            else:
                with pytest.raises(Http404):
                    get_objet_or_404(base, user, cle=("test",), pk=str(piis["personne"].pk))
    # agents (2, by their people), coordinators of two CPAS; nobody else sees anyone.
    assert len(acces._OBJETS) == 4


def test_compiled_object_query_refuses_a_write_on_a_closed_file(monde):
    """During a writing request a closed file's object is refused (``DossierCloture``), with
    its person read with it (no query of its own) as without."""
    import datetime

    from beneficiaires.acces import ECRITURE, DossierCloture, get_objet_or_404
    from tests.trajets.factories import PiisFactory
    from trajets.models import Piis

    users, people = monde
    b = people["refere"]
    p = PiisFactory(beneficiaire=b)
    Beneficiaire.objects.filter(pk=b.pk).update(date_cloture=datetime.date(2024, 6, 30))
    jeton = ECRITURE.set(True)
    try:
        for base, cle in (
            (Piis.objects.select_related("beneficiaire"), ("test_clos",)),
            (Piis.objects.select_related("beneficiaire"), None),
            (Piis.objects.all(), ("test_clos_seul",)),
        ):
            with pytest.raises(DossierCloture):
                get_objet_or_404(base, users["agent"], cle=cle, pk=p.pk)
    finally:
        ECRITURE.reset(jeton)
    assert get_objet_or_404(Piis.objects.all(), users["agent"], cle=("test_clos_seul",), pk=p.pk)
