"""Referral events notify the CPAS side in the application: answer (accepted/refused), closing
and partner's messages reach the referral's agent and the person's referent, never the author."""

import pytest

from cpas_isp.models import NatureNotification, Notification, Role
from partenaires.models import StatutOrientation
from partenaires.services import ajouter_message, transition
from partenaires.services.orientations import TransitionInvalide
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory

S = StatutOrientation
N = NatureNotification


@pytest.fixture
def referent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a)


@pytest.fixture
def orientation(agent, referent, service, cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a, referent=referent)
    return OrientationFactory(beneficiaire=b, service=service, agent=agent, statut=S.ENVOYEE)


def _notifiees(nature):
    return sorted(
        Notification.objects.filter(nature=nature).values_list("destinataire_id", flat=True)
    )


@pytest.mark.parametrize("vers", [S.ACCEPTEE, S.REFUSEE])
def test_partner_answer_notifies_agent_and_referent(
    orientation, partenaire_user, agent, referent, vers
):
    transition(orientation, vers, par=partenaire_user, motif_refus="Complet")
    assert _notifiees(N.ORIENTATION_REPONSE) == sorted([agent.pk, referent.pk])
    n = Notification.objects.get(destinataire=agent)
    assert n.personne_id == orientation.beneficiaire_id and n.object_id == orientation.pk
    assert n.lien == f"/partenaires/orientations/{orientation.pk}/"
    assert n.cpas_id == orientation.cpas_id and n.lue_le is None


def test_the_author_of_the_answer_is_not_notified(orientation, agent, referent):
    transition(orientation, S.ACCEPTEE, par=agent)  # the agent records the phone answer
    assert _notifiees(N.ORIENTATION_REPONSE) == [referent.pk]


def test_closing_notifies_once_each(orientation, partenaire_user, agent, referent):
    transition(orientation, S.ACCEPTEE, par=partenaire_user)
    transition(orientation, S.TERMINEE, par=partenaire_user, resultat="emploi")
    assert _notifiees(N.ORIENTATION_CLOTUREE) == sorted([agent.pk, referent.pk])


def test_agent_who_is_also_the_referent_gets_one_notification(orientation, partenaire_user, agent):
    orientation.beneficiaire.referent = agent
    orientation.beneficiaire.save()
    transition(orientation, S.ACCEPTEE, par=partenaire_user)
    assert _notifiees(N.ORIENTATION_REPONSE) == [agent.pk]


def test_partner_message_notifies_but_not_the_cpas_own_messages(
    orientation, partenaire_user, agent, referent
):
    ajouter_message(orientation, agent, "Pouvez-vous confirmer la date ?")
    assert _notifiees(N.ORIENTATION_MESSAGE) == []
    ajouter_message(orientation, partenaire_user, "Entrée le 4 janvier.")
    assert _notifiees(N.ORIENTATION_MESSAGE) == sorted([agent.pk, referent.pk])


def test_a_rejected_move_notifies_nobody(orientation, partenaire_user):
    with pytest.raises(TransitionInvalide):
        transition(orientation, S.REFUSEE, par=partenaire_user)  # no reason given
    assert not Notification.objects.exists()


def test_partner_accepting_in_the_portal_lights_the_agents_bell(
    orientation, partenaire_user, agent, client_for
):
    client = client_for(partenaire_user)
    r = client.post(
        f"/partenaires/portail/{orientation.pk}/statut/", {"vers": S.ACCEPTEE}, follow=True
    )
    assert r.status_code == 200
    page = client_for(agent).get("/").content.decode()
    assert 'id="badge-notifications"' in page
    assert '>1<span class="visually-hidden"> non lues' in page
