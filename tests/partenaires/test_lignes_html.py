"""The referral list's and the partner portal's rows are written by their views (not by a
template per row): every value from the data is escaped there as the template escaped it."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import PartenaireFactory, ServiceFactory
from tests.partenaires.helpers import _envoyer

pytestmark = pytest.mark.django_db

BALISE = "<b>x</b>&"
ECHAPPEE = "&lt;b&gt;x&lt;/b&gt;&amp;"


def _orientation_aux_noms_balises(agent, cpas):
    service = ServiceFactory(nom=f"Service {BALISE}", partenaire=PartenaireFactory(nom=BALISE))
    o = _envoyer(agent, service, cpas)
    b = o.beneficiaire
    b.nom, b.prenom = f"Nom{BALISE}", f"Prenom{BALISE}"
    b.save()
    return o


def test_referral_list_rows_escape_names(client_for, coordinateur, agent, cpas_a):
    o = _orientation_aux_noms_balises(agent, cpas_a)
    agent.first_name = f"Agent{BALISE}"
    agent.save()
    html = client_for(coordinateur).get(reverse("partenaires:orientations")).content.decode()
    assert "<b>x</b>" not in html.lower()
    personne = escape(str(o.beneficiaire))
    assert f'<a href="/beneficiaires/{o.beneficiaire.pk}/">{personne}</a>' in html
    assert f"{ECHAPPEE} — Service {ECHAPPEE}</a>" in html
    assert f"<td>{escape(str(agent))}</td>" in html and ECHAPPEE in escape(str(agent))


def test_partner_portal_rows_escape_names(client_for, make_user, cpas_a, agent):
    from cpas_isp.models import Role
    from tests.partenaires.factories import ComptePartenaireFactory

    o = _orientation_aux_noms_balises(agent, cpas_a)
    user = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=user, partenaire=o.service.partenaire)
    BeneficiaireFactory(cpas=cpas_a)  # someone else, not sent: not listed
    html = client_for(user).get(reverse("partenaires:portail")).content.decode()
    assert "<b>x</b>" not in html
    assert f"Prenom{ECHAPPEE} Nom{ECHAPPEE}</a>" in html
    assert f"<td>Service {ECHAPPEE}</td>" in html
