"""Assigning a file to a referent (creation or the referent change) notifies the new referent,
not the coordinator who did it, and nobody when the referent did not change."""

import pytest
from django.urls import reverse

from beneficiaires.models import Beneficiaire
from cpas_isp.models import NatureNotification, Notification, Role
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db


def test_changing_the_referent_notifies_the_new_one(coord, agent, make_user, cpas_a, client_for):
    ancien = make_user(Role.AGENT, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328", referent=ancien)
    url = reverse("beneficiaires:referent", args=[b.pk])
    client = client_for(coord)
    assert client.post(url, {"agent": ancien.pk}).status_code == 302
    assert not Notification.objects.exists()  # unchanged referent
    assert client.post(url, {"agent": agent.pk}).status_code == 302
    n = Notification.objects.get()
    assert (n.destinataire, n.nature, n.personne_id, n.lien) == (
        agent,
        NatureNotification.DOSSIER_ATTRIBUE,
        b.pk,
        f"/beneficiaires/{b.pk}/",
    )


def test_taking_a_file_oneself_notifies_nobody(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328", referent=None)
    client_for(coord).post(reverse("beneficiaires:referent", args=[b.pk]), {"agent": coord.pk})
    b.refresh_from_db()
    assert b.referent == coord and not Notification.objects.exists()


def test_creating_a_file_for_an_agent_notifies_them(coord, agent, client_for):
    client_for(coord).post(
        reverse("beneficiaires:creer"),
        {
            "niss": "85073003328",
            "nom": "Dupont",
            "prenom": "Jean",
            "langue": "fr",
            "referent": agent.pk,
        },
    )
    b = Beneficiaire.objects.get()
    assert list(Notification.objects.values_list("destinataire_id", "personne_id")) == [
        (agent.pk, b.pk)
    ]
