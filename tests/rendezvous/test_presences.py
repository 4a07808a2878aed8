"""A collective session: each participant's outcome recorded with one click, each writing
that person's own journal step; the session's status follows its participants."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import services
from rendezvous.models import ChangementStatut, Participant, StatutRendezVous
from tests.beneficiaires.factories import BeneficiaireFactory
from trajets.models import Etape

from .factories import moment, planifier


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="facilitateurs")


@pytest.fixture
def session(cpas_a, agent):
    """A collective information session yesterday with three people the agent follows."""
    personnes = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    hier = timezone.localdate() - datetime.timedelta(days=1)
    rdv = planifier(agent, personnes, moment(hier, "14:00"), 90, code="information_collective")
    return rdv, personnes


def _url(rdv, b):
    return reverse("rendezvous:issue_participant", args=[rdv.pk, b.pk])


def test_each_participant_gets_their_own_outcome_and_step(agent, session, client_for):
    rdv, (p1, p2, p3) = session
    client = client_for(agent)
    r = client.post(_url(rdv, p1), {"issue": "vu"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "etapeEnregistree" in r["HX-Trigger"]
    assert 'id="presences"' in r.content.decode()
    assert 'hx-swap-oob="true"' in r.content.decode()  # the card's status is redrawn too
    client.post(_url(rdv, p2), {"issue": "absent"}, HTTP_HX_REQUEST="true")
    client.post(_url(rdv, p3), {"issue": "excuse", "motif": "Certificat"})

    issues = dict(Participant.objects.filter(rendez_vous=rdv).values_list("beneficiaire", "issue"))
    assert issues == {p1.pk: "vu", p2.pk: "absent", p3.pk: "excuse"}
    e1, e2, e3 = (Etape.objects.get(beneficiaire=p) for p in (p1, p2, p3))
    assert e1.type.code == "seance_collective" and e1.duree == 90 and e1.note == ""
    assert "absence non excusée" in e2.note and e2.duree is None
    assert "absence excusée" in e3.note and "Certificat" in e3.note
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.VU  # someone came: the session was held
    par_personne = ChangementStatut.objects.filter(rendez_vous=rdv, beneficiaire__isnull=False)
    assert sorted(par_personne.values_list("beneficiaire", "nouveau")) == sorted(
        [(p1.pk, "vu"), (p2.pk, "absent"), (p3.pk, "excuse")]
    )


def test_correcting_one_participant_updates_only_their_step(agent, session, client_for):
    rdv, (p1, p2, _p3) = session
    client = client_for(agent)
    client.post(_url(rdv, p1), {"issue": "absent"})
    client.post(_url(rdv, p2), {"issue": "vu"})
    client.post(_url(rdv, p1), {"issue": "excuse", "motif": "Malade"})
    assert Etape.objects.filter(beneficiaire=p1).count() == 1
    e1 = Etape.objects.get(beneficiaire=p1)
    assert "absence excusée" in e1.note and "Malade" in e1.note
    assert Etape.objects.get(beneficiaire=p2).note == ""
    assert Participant.objects.get(rendez_vous=rdv, beneficiaire=p1).issue == "excuse"


def test_session_status_follows_participants(agent, session):
    rdv, (p1, p2, _p3) = session
    services.noter_issue_participant(rdv, p1.pk, "excuse", agent)
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.EXCUSE
    services.noter_issue_participant(rdv, p2.pk, "absent", agent)
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.ABSENT
    services.noter_issue_participant(rdv, p2.pk, "vu", agent)
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.VU


def test_whole_session_outcome_is_everyones(agent, session, client_for):
    rdv, personnes = session
    client_for(agent).post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "absent"})
    assert set(Participant.objects.filter(rendez_vous=rdv).values_list("issue", flat=True)) == {
        "absent"
    }
    assert Etape.objects.filter(beneficiaire__in=personnes).count() == 3


def test_refused_before_start_and_unknown_outcome(agent, cpas_a, client_for):
    b1, b2 = (BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(2))
    demain = timezone.localdate() + datetime.timedelta(days=1)
    rdv = planifier(agent, [b1, b2], moment(demain, "14:00"), 90, code="information_collective")
    client = client_for(agent)
    r = client.post(_url(rdv, b1), {"issue": "vu"}, HTTP_HX_REQUEST="true")
    assert "une fois qu&#x27;il a commencé" in r.content.decode()
    r = client.post(_url(rdv, b1), {"issue": "annule_cpas"}, HTTP_HX_REQUEST="true")
    assert "Issue inconnue" in r.content.decode()
    assert not Etape.objects.filter(beneficiaire=b1).exists()
    assert Participant.objects.get(rendez_vous=rdv, beneficiaire=b1).issue == ""


def test_person_not_in_session_or_not_visible(agent, session, cpas_a, cpas_b, client_for):
    rdv, _personnes = session
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    r = client_for(agent).post(_url(rdv, autre), {"issue": "vu"})
    assert r.status_code == 302
    assert not Etape.objects.filter(beneficiaire=autre).exists()
    etranger = BeneficiaireFactory(cpas=cpas_b)
    assert client_for(agent).post(_url(rdv, etranger), {"issue": "vu"}).status_code == 404


def test_detail_page_shows_one_button_row_per_participant(agent, session, client_for):
    rdv, personnes = session
    html = client_for(agent).get(reverse("rendezvous:detail", args=[rdv.pk])).content.decode()
    for p in personnes:
        assert reverse("rendezvous:issue_participant", args=[rdv.pk, p.pk]) in html
    assert html.count('name="issue" value="vu"') == 3
