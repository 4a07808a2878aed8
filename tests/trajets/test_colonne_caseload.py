"""The trajectory column of the caseload (trajets.hooks._cellules_caseload): written in Python for
the page's rows at once, with the markup the per-row template gave, in French and Dutch."""

import datetime

import pytest
from django.utils import timezone

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import EtapeFactory, PassageFactory

pytestmark = pytest.mark.django_db


def _ligne(html, b):
    debut = html.index(f'href="/beneficiaires/{b.pk}/"')
    return html[debut : html.index("</tr>", debut)]


def test_phase_overdue_badge_last_step_and_button_then_out_of_trajectory(
    cpas_a, make_user, client_for
):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    aujourd_hui = timezone.localdate()
    suivi = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Avec")
    PassageFactory(beneficiaire=suivi, phase="emploi", debut=datetime.date(2024, 11, 7))
    EtapeFactory(
        beneficiaire=suivi,
        auteur=agent,
        date=datetime.date(2025, 8, 26),
        prochaine_action="Rappeler <vite>",
        echeance=aujourd_hui - datetime.timedelta(days=1),
    )
    hors = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Sans")
    client = client_for(agent)
    html = client.get("/beneficiaires/").content.decode()
    bouton = (
        '<button type="button" class="btn btn-link btn-sm p-0 ms-1" '
        'hx-get="/trajets/personne/{pk}/etape/?dans=ligne" hx-target="closest tr" '
        'hx-swap="afterend" hx-select="#etape-rapide-{pk}" hx-push-url="false" '
        'data-etape-ouvrir="{pk}">+ {etape}</button></div>\n</td>'
    )
    assert (
        '<td><span class="badge text-bg-primary">Emploi</span> '
        '<span class="text-muted small">07/11/24</span>\n'
        '<span class="badge text-bg-danger" '
        'title="Actions, évaluations ou signature de PIIS en retard">retard</span>\n'
        '<div class="small text-muted">dernière étape 26/08/25\n'
        + bouton.format(pk=suivi.pk, etape="étape")
    ) in _ligne(html, suivi)
    assert (
        '<td><span class="text-muted small">hors trajet</span>\n\n'
        '<div class="small text-muted">\n' + bouton.format(pk=hors.pk, etape="étape")
    ) in _ligne(html, hors)

    agent.langue = "nl"
    agent.save(update_fields=["langue"])
    html = client.get("/beneficiaires/").content.decode()
    ligne = _ligne(html, suivi)
    assert '<span class="badge text-bg-primary">Werk</span>' in ligne
    assert "laatste stap 26/08/25" in ligne and "étape" not in ligne
    assert "hors trajet" not in _ligne(html, hors)
