"""The appointment cards written in Python (``rendezvous.cartes``) are the template
``rendezvous/_rdv.html``'s HTML, byte for byte (the CSRF token aside), whatever the card's
case: upcoming, started, outcome recorded, cancelled, collective, place, a colleague's person,
with or without date and agent, in French and in Dutch."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone, translation

from cpas_isp.models import Role
from rendezvous import cartes, queries
from rendezvous.models import RendezVous
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import lieu, moment, planifier

pytestmark = pytest.mark.django_db

JETON = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+')


def _rdvs(agent, collegue, cpas):
    mien = BeneficiaireFactory(cpas=cpas, referent=agent, nom="O'Brien <b>", prenom="Zoé")
    autre = BeneficiaireFactory(cpas=cpas, referent=agent, nom="Martin", prenom="Léa")
    sien = BeneficiaireFactory(cpas=cpas, referent=collegue, nom="Alpha")
    demain = timezone.localdate() + datetime.timedelta(days=1)
    futur = planifier(agent, mien, moment(demain, "10:00"), lieu=lieu(cpas, "Bureau <2>"))
    confirme = planifier(agent, autre, moment(demain, "11:00"))
    RendezVous.objects.filter(pk=confirme.pk).update(statut="confirme")
    passes = []
    for i, statut in enumerate(["planifie", "vu", "absent", "annule_cpas", "excuse"]):
        rdv = planifier(agent, mien, moment(demain + datetime.timedelta(days=10 + i), "09:00"))
        debut = timezone.now() - datetime.timedelta(days=i + 1)
        RendezVous.objects.filter(pk=rdv.pk).update(
            statut=statut, debut=debut, fin=debut + datetime.timedelta(minutes=30)
        )
        passes.append(rdv)
    groupe = planifier(
        agent, [mien, sien], moment(demain, "14:00"), 90, code="information_collective"
    )
    debut = timezone.now() - datetime.timedelta(minutes=10)
    RendezVous.objects.filter(pk=groupe.pk).update(
        debut=debut, fin=debut + datetime.timedelta(minutes=90)
    )
    ids = [futur.pk, confirme.pk, groupe.pk, *(r.pk for r in passes)]
    return queries.rendez_vous_avec_personnes(
        RendezVous.objects.filter(pk__in=ids).order_by("debut", "id"), agent
    )


@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("avec_date,avec_agent", [(True, True), (False, False), (True, False)])
def test_cards_are_the_template_s(cpas_a, make_user, langue, avec_date, avec_agent):
    agent = make_user(Role.AGENT, cpas_a, first_name="Anne", last_name="D'Agent")
    collegue = make_user(Role.AGENT, cpas_a)
    rdvs = _rdvs(agent, collegue, cpas_a)
    assert any(not v for r in rdvs for _b, v in r.personnes)  # a colleague's person
    request = RequestFactory().get("/beneficiaires/1/?a=1&b=<2>")
    request.user = agent
    with translation.override(langue):
        attendu = "".join(
            render_to_string(
                "rendezvous/_rdv.html",
                {"rdv": r, "avec_date": avec_date, "avec_agent": avec_agent},
                request=request,
            )
            for r in rdvs
        )
        ecrit = cartes.cartes(rdvs, request, avec_date=avec_date, avec_agent=avec_agent)
    assert "#presences" in attendu and "Bureau &lt;2&gt;" in attendu
    assert "csrfmiddlewaretoken" in attendu and '<span class="text-muted">' in attendu
    assert JETON.sub(r"\1", str(ecrit)) == JETON.sub(r"\1", attendu)
    assert cartes.cartes([], request) == ""
