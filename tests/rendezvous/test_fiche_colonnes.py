"""The person page reads only the columns its appointment cards and timeline show
(``queries.CHAMPS_FICHE``): the cards and the timeline written from those rows ask for no
deferred column (no query), and are the same as from the whole rows."""

import pytest
from django.test import RequestFactory

from beneficiaires.models import Beneficiaire
from beneficiaires.permissions import memoriser_acces
from rendezvous import cartes, hooks, queries
from tests.beneficiaires.factories import BeneficiaireFactory

from .test_fiche_et_accueil import _historique, _tous_par_l_orm, agent  # noqa: F401

pytestmark = pytest.mark.django_db


def _cartes_et_evenements(b, user):
    request = RequestFactory().get(f"/beneficiaires/{b.pk}/")
    request.user = user
    a_venir, passes = queries.de_la_personne(b, user)
    html = cartes.cartes(a_venir, request, avec_date=True, avec_agent=True) + cartes.cartes(
        passes, request, avec_date=True, avec_agent=True
    )
    evenements = [(e.date, e.titre, e.url) for e in hooks.timeline(b, user)]
    return html, evenements


def test_person_page_appointments_need_no_other_column(
    agent,  # noqa: F811
    cpas_a,
    django_assert_num_queries,
    monkeypatch,
):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    _historique(agent, b, 5)
    # The same token in both renderings (the forms' masked token is random).
    monkeypatch.setattr(cartes, "get_token", lambda request: "jeton")
    lu = Beneficiaire.objects.get(pk=b.pk)
    rdvs = queries.rendez_vous_de_la_personne(lu)
    assert len(rdvs) > 5
    memoriser_acces(agent, lu)  # as the page does: the need-to-know answer reused
    _cartes_et_evenements(lu, agent)  # the user's membership read (the page has it already)
    with django_assert_num_queries(0):
        html, evenements = _cartes_et_evenements(lu, agent)
    entier = Beneficiaire.objects.get(pk=b.pk)
    entier.__dict__["_rendez_vous"] = _tous_par_l_orm(b)
    memoriser_acces(agent, entier)
    assert (html, evenements) == _cartes_et_evenements(entier, agent)
    assert "Agent" in html  # the agent's name, from the narrowed row
