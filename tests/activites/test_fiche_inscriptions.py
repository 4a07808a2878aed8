"""The person page's enrolments, their query compiled once (``activites.hooks``): the same
rows, hours and counts as the queryset it was compiled from, for each person."""

from decimal import Decimal

from activites import hooks, queries
from activites.models import Presence
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory, SeanceFactory, inscrire
from tests.beneficiaires.factories import BeneficiaireFactory


def _reference(b):
    return list(
        queries.avec_heures(hooks._inscriptions(b)).values_list(
            "pk", "activite__titre", "heures_suivies", "nb_presents", "nb_absents", "nb_excuses"
        )
    )


def test_compiled_enrolments_are_the_queryset_s(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a)
    b1 = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    b2 = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    activite = ActiviteFactory(cpas=cpas_a)
    seance = SeanceFactory(activite=activite)
    i1 = inscrire(activite, b1, agent)
    inscrire(ActiviteFactory(cpas=cpas_a), b1, agent)
    inscrire(activite, b2, agent)
    Presence.objects.create(
        cpas=cpas_a,
        seance=seance,
        inscription=i1,
        statut="present",
        heures=Decimal("2.5"),
        note_par=agent,
    )
    for b in (b1, b2, BeneficiaireFactory(cpas=cpas_a)):
        lignes = hooks._INSCRIPTIONS_PAGE.lignes(b.cpas_id, b.pk)
        assert [
            (i.pk, i.activite.titre, i.heures_suivies, i.nb_presents, i.nb_absents, i.nb_excuses)
            for i in lignes
        ] == _reference(b)
        assert all(i.fiche_a_attestations is False for i in lignes)
    assert hooks._INSCRIPTIONS_PAGE.lignes(b1.cpas_id, b1.pk)[-1].heures_suivies == Decimal("2.5")
