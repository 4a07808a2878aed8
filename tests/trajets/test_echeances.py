"""Mes échéances: the three kinds of item ordered and cut in SQL, links built once."""

import datetime

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PiisFactory
from trajets import services
from trajets.models import EvaluationPiis, ObjectifPiis

D = datetime.date


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


def test_overdue_items_of_every_kind_are_ordered_and_cut_in_sql(
    cpas_a, agent, client_for, monkeypatch
):
    monkeypatch.setattr("trajets.views.files.MAX_ECHEANCES", 3)
    signee = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Signee")
    piis = PiisFactory(beneficiaire=signee, agent=agent)
    ObjectifPiis.objects.create(cpas=piis.cpas, piis=piis, ordre=1, libelle="Obtenir le CESS")
    piis = services.proposer_piis(piis, D(2023, 11, 20), agent)
    # Evaluations planned on 29/02/2024, 30/05/2024, 30/08/2024 and 29/11/2024: all overdue.
    piis = services.signer_piis(piis, D(2023, 11, 30), agent, fin=D(2024, 11, 29))
    premiere = EvaluationPiis.objects.filter(piis=piis).order_by("date_prevue").first()
    brouillon = PiisFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Brouillon"),
        agent=agent,
        date_decision_ris=D(2023, 11, 30),  # signature due 29/02/2024 (month end clamped)
    )
    EtapeFactory(
        beneficiaire=signee, auteur=agent, prochaine_action="Appeler", echeance=D(2024, 1, 10)
    )
    EtapeFactory(
        beneficiaire=signee,
        auteur=agent,
        prochaine_action="Plus tard",
        echeance=timezone.localdate() + datetime.timedelta(days=3),
    )
    html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert "En retard (6)" in html and "(1)" in html
    retard = html[html.index("En retard") : html.index("30 prochains jours")]
    assert retard.index("Appeler") < retard.index("Évaluation du PIIS") < retard.index("Signature")
    assert retard.count("29/02/2024") == 2 and "30/05/2024" not in retard
    assert f'href="/trajets/evaluation/{premiere.pk}/"' in retard
    assert f'href="/trajets/piis/{brouillon.pk}/"' in retard
    assert "Les 3 plus anciennes sont affichées" in html
    assert "Plus tard" in html[html.index("30 prochains jours") :]


def test_rows_escape_what_people_typed_and_keep_the_done_button(cpas_a, agent, client_for):
    """The rows are written in Python (not by a template loop): names and texts stay escaped,
    an action keeps its step's type and date and its "Fait" button."""
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="<b>Gras</b>", prenom="A&B")
    etape = EtapeFactory(
        beneficiaire=b,
        auteur=agent,
        prochaine_action='<script>alert("x")</script>',
        echeance=timezone.localdate() + datetime.timedelta(days=2),
    )
    html = client_for(agent).get("/trajets/echeances/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "&lt;B&gt;GRAS&lt;/B&gt; A&amp;B" in html
    assert f'<span id="action-{etape.pk}"><button' in html
    assert f'hx-post="/trajets/etape/{etape.pk}/fait/"' in html
    assert f"{etape.date:%d/%m/%Y}" in html
