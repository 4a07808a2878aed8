"""The messages sent, on the person's page (appointments section, on its tab "Rendez-vous et
activités") and in the right-of-access export."""

import datetime
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaires.hooks import url_onglet
from cpas_isp.models import Role
from rendezvous import envois
from rendezvous.hooks import ONGLET
from rendezvous.models import Canal, NatureEnvoi
from tests.beneficiaires.factories import BeneficiaireFactory

from .factories import moment, planifier


@pytest.fixture(autouse=True)
def _canaux(settings):
    settings.SMS_BACKEND = "rendezvous.sms.MemoireBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def coord(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


def _personne_avec_messages(cpas, agent, n=1):
    personne = BeneficiaireFactory(
        cpas=cpas, referent=agent, email="josiane@example.org", telephone="02 512 34 56"
    )
    for i in range(n):
        jour = timezone.localdate() + datetime.timedelta(days=3 + i)
        rdv = planifier(agent, personne, moment(jour, "10:00"))
        envois.notifier(
            beneficiaire=personne, nature=NatureEnvoi.CONVOCATION,
            canaux=[Canal.EMAIL, Canal.SMS], rendez_vous=rdv, par=agent,
        )  # fmt: skip
    return personne


def _url(personne):
    """The person page's tab of the appointments (and their messages)."""
    return url_onglet(personne.pk, ONGLET)


def _page(client, personne):
    return client.get(_url(personne)).content.decode()


def test_person_page_lists_the_messages_with_their_status(coord, cpas_a, client_for):
    personne = _personne_avec_messages(cpas_a, coord)
    page = _page(client_for(coord), personne)
    assert "Messages envoyés" in page
    assert page.count(">Convocation</a>") == 2
    assert "pas de numéro de GSM valable" in page  # the landline: SMS failed
    assert "Envoyé" in page and "Échec" in page


def test_person_page_says_when_the_person_refused_reminders(coord, cpas_a, client_for):
    personne = BeneficiaireFactory(cpas=cpas_a, referent=coord, refuse_rappels=True)
    page = _page(client_for(coord), personne)
    assert "La personne ne souhaite pas de rappels" in page
    assert "Aucun message envoyé." in page


def test_messages_do_not_add_queries_to_the_person_page(
    coord, cpas_a, client_for, requetes_de_la_page
):
    personne = _personne_avec_messages(cpas_a, coord, n=1)
    client = client_for(coord)
    url = _url(personne)
    requetes_de_la_page(client, url)  # warm-up: first request of the session
    avant = len(requetes_de_la_page(client, url))
    for i in range(4):
        jour = timezone.localdate() + datetime.timedelta(days=10 + i)
        rdv = planifier(coord, personne, moment(jour, "11:00"))
        envois.notifier(
            beneficiaire=personne, nature=NatureEnvoi.RAPPEL_RENDEZ_VOUS,
            canaux=[Canal.EMAIL, Canal.SMS], rendez_vous=rdv,
        )  # fmt: skip
    assert len(requetes_de_la_page(client, url)) == avant


def test_messages_are_in_the_right_of_access_export(coord, cpas_a, client_for):
    personne = _personne_avec_messages(cpas_a, coord)
    url = reverse("beneficiaires:donnees_personnelles", args=[personne.pk])
    donnees = json.loads(client_for(coord).get(url, {"format": "json"}).content)
    messages = donnees["messages_envoyes"]
    assert [(m["canal"], m["nature"], m["statut"]) for m in messages] == [
        ("E-mail", "Convocation", "Envoyé"),
        ("SMS", "Convocation", "Échec"),
    ]
    assert messages[0]["destinataire"] == "josiane@example.org"
    assert messages[1]["erreur"] == "pas de numéro de GSM valable"


def test_another_cpas_does_not_see_the_person_nor_the_messages(
    cpas_a, cpas_b, make_user, client_for
):
    agent_a = make_user(Role.COORDINATEUR, cpas_a)
    personne = _personne_avec_messages(cpas_a, agent_a)
    autre = client_for(make_user(Role.COORDINATEUR, cpas_b))
    assert autre.get(reverse("beneficiaires:detail", args=[personne.pk])).status_code == 404
    assert autre.get(_url(personne)).status_code == 404
