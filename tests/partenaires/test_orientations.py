"""Referrals on the CPAS side: sending, editing, lists, statistics and home-page counts."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cpas_isp.models import JournalAcces, Role
from partenaires.models import Orientation, StatutOrientation
from partenaires.services import transition
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import PLAFOND_REQUETES
from tests.partenaires.factories import OrientationFactory, ServiceFactory
from tests.partenaires.helpers import _envoyer
from tests.trajets.factories import PassageFactory

S = StatutOrientation
pytestmark = pytest.mark.django_db


# --- CPAS side ------------------------------------------------------------------------------


def test_agent_refers_a_person_and_it_is_sent(client_for, agent, service, cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    r = client_for(agent).post(
        reverse("partenaires:orientation_creer"),
        {
            "beneficiaire": b.pk,
            "service": service.pk,
            "date_orientation": "2026-03-02",
            "motif": "Projet horeca",
            "envoyer": "on",
        },
    )
    o = Orientation.objects.get()
    assert r.status_code == 302 and o.statut == S.ENVOYEE and o.agent == agent


def test_agent_cannot_refer_someone_of_another_cpas(client_for, agent, service, cpas_b):
    b = BeneficiaireFactory(cpas=cpas_b)
    url = reverse("partenaires:orientation_creer")
    assert client_for(agent).get(url + f"?beneficiaire={b.pk}").status_code == 404
    r = client_for(agent).post(
        url,
        {
            "beneficiaire": b.pk,
            "service": service.pk,
            "date_orientation": "2026-03-02",
            "motif": "x",
        },
    )
    assert r.status_code == 200 and not Orientation.objects.exists()


def test_referral_of_another_cpas_is_404(client_for, agent, service, cpas_b, make_user):
    autre = _envoyer(make_user(Role.AGENT, cpas_b), service, cpas_b)
    client = client_for(agent)
    assert client.get(reverse("partenaires:orientation_detail", args=[autre.pk])).status_code == 404
    r = client.post(
        reverse("partenaires:orientation_transition", args=[autre.pk]), {"vers": "annulee"}
    )
    assert r.status_code == 404


def test_agent_sees_only_referrals_of_their_caseload(client_for, agent, make_user, service, cpas_a):
    collegue = make_user(Role.AGENT, cpas_a)
    mine = _envoyer(agent, service, cpas_a)
    theirs = _envoyer(collegue, service, cpas_a)
    r = client_for(agent).get(reverse("partenaires:orientations"))
    assert [o["id"] for o in r.context["page"].object_list] == [mine.pk]
    assert (
        client_for(agent)
        .get(reverse("partenaires:orientation_detail", args=[theirs.pk]))
        .status_code
        == 404
    )
    coord = make_user(Role.COORDINATEUR, cpas_a)
    r = client_for(coord).get(reverse("partenaires:orientations"))
    assert {o["id"] for o in r.context["page"].object_list} == {mine.pk, theirs.pk}


def test_referral_detail_logs_access(client_for, agent, service, cpas_a):
    o = _envoyer(agent, service, cpas_a)
    client_for(agent).get(reverse("partenaires:orientation_detail", args=[o.pk]))
    assert JournalAcces.objects.filter(user=agent, object_id=o.beneficiaire_id).count() == 1


def test_referral_list_filters_by_partner_and_status(client_for, coordinateur, agent, cpas_a):
    s1, s2 = ServiceFactory(), ServiceFactory()
    a = _envoyer(agent, s1, cpas_a)
    _envoyer(agent, s2, cpas_a)
    client = client_for(coordinateur)
    url = reverse("partenaires:orientations")
    r = client.get(url, {"partenaire": s1.partenaire_id})
    assert [o["id"] for o in r.context["page"].object_list] == [a.pk]
    assert {pk for pk, _nom, _choisi in r.context["partenaires"]} == {
        s1.partenaire_id,
        s2.partenaire_id,
    }
    assert list(client.get(url, {"statut": "terminee"}).context["page"].object_list) == []


def test_referral_editable_until_the_partner_answers(
    client_for, agent, service, cpas_a, partenaire_user
):
    o = _envoyer(agent, service, cpas_a)
    url = reverse("partenaires:orientation_modifier", args=[o.pk])
    r = client_for(agent).post(url, {"motif": "Nouveau motif", "informations_partagees": "x"})
    assert r.status_code == 302
    o.refresh_from_db()
    assert o.motif == "Nouveau motif" and o.service == service  # service fixed once sent
    transition(o, S.ACCEPTEE, par=partenaire_user)
    client_for(agent).post(url, {"motif": "Encore"})
    o.refresh_from_db()
    assert o.motif == "Nouveau motif"


def test_statistics_per_partner(client_for, coordinateur, agent, service, cpas_a, partenaire_user):
    a = _envoyer(agent, service, cpas_a)
    b = _envoyer(agent, service, cpas_a)
    _envoyer(agent, service, cpas_a)
    transition(a, S.ACCEPTEE, par=partenaire_user)
    transition(b, S.REFUSEE, par=partenaire_user, motif_refus="complet")
    transition(a, S.TERMINEE, par=partenaire_user, resultat="emploi")
    r = client_for(coordinateur).get(reverse("partenaires:statistiques"))
    (ligne,) = r.context["lignes"]
    assert (ligne["envoyees"], ligne["acceptees"], ligne["refusees"], ligne["terminees"]) == (
        3,
        1,
        1,
        1,
    )
    assert ligne["en_attente"] == 1 and ligne["taux_acceptation"] == Decimal("50.0")
    assert ligne["delai_moyen"] == 0
    # Each result with its count, as each language writes it (no space before the colon in
    # Dutch).
    assert "Emploi trouvé : 1" in r.content.decode()
    client = client_for(coordinateur)
    client.cookies["django_language"] = "nl"
    assert "Werk gevonden: 1" in client.get(reverse("partenaires:statistiques")).content.decode()
    assert client_for(agent).get(reverse("partenaires:statistiques")).status_code == 403


def test_home_cards_show_referrals_waiting(
    client_for, partenaire_user, agent, service, cpas_a, make_user
):
    _envoyer(agent, service, cpas_a)
    _envoyer(agent, service, cpas_a)
    # A colleague's person: not counted on the agent's card (need-to-know).
    _envoyer(make_user(Role.AGENT, cpas_a), service, cpas_a)
    assert (
        "3 orientations attendent votre réponse"
        in client_for(partenaire_user).get(reverse("accueil")).content.decode()
    )
    assert "2 en attente de réponse" in client_for(agent).get(reverse("accueil")).content.decode()


def test_home_summary_of_a_coordinator_counts_the_referrals_of_the_cpas_only(
    client_for, coordinateur, service, cpas_a, cpas_b
):
    """A coordinator's counts (every referral of the CPAS, one count per status range):
    zero when there is none, the other CPAS's referrals and old refusals left out."""
    client = client_for(coordinateur)
    page = client.get(reverse("accueil")).content.decode()
    assert "0 en attente de réponse" in page and "0 suivies par un partenaire" in page
    assert "refusée ou expirée" not in page

    def orientation(cpas, statut, **champs):
        return OrientationFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas), service=service, statut=statut, **champs
        )

    for statut in ("envoyee", "envoyee", "acceptee", "en_cours", "proposee", "annulee"):
        orientation(cpas_a, statut)
    orientation(cpas_a, "terminee", resultat="emploi")
    orientation(cpas_a, "refusee", motif_refus="complet")
    ancienne = orientation(cpas_a, "expiree")
    Orientation.objects.filter(pk=ancienne.pk).update(
        modifie_le=timezone.now() - datetime.timedelta(days=40)
    )
    for statut in ("envoyee", "en_cours", "expiree"):
        orientation(cpas_b, statut)
    page = client.get(reverse("accueil")).content.decode()
    assert "2 en attente de réponse" in page and "2 suivies par un partenaire" in page
    assert "1 refusée ou expirée ce mois-ci" in page


def test_home_summary_of_an_agent_of_a_cellule_counts_the_people_they_may_see(
    client_for, make_user, service, cpas_a, cpas_b
):
    """An agent of a cellule: the referrals of the people they refer or whose stay running
    today is in their cellule's phase (the rule's ids-only form), each person once, none of a
    colleague's, an ended stay's, another CPAS's; the same counts on every home page (the
    statement is prepared on the connection, then planned generically after a few runs)."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    collegue = make_user(Role.AGENT, cpas_a)
    aujourd_hui = timezone.localdate()
    debut = aujourd_hui - datetime.timedelta(days=60)

    def personne(cpas=cpas_a, referent=None, phase=None, fin=None, statuts=()):
        b = BeneficiaireFactory(cpas=cpas, referent=referent)
        if phase:
            PassageFactory(beneficiaire=b, phase=phase, debut=debut, fin=fin)
        for statut in statuts:
            champs = {"motif_refus": "complet"} if statut == "refusee" else {}
            OrientationFactory(beneficiaire=b, service=service, statut=statut, **champs)
        return b

    personne(referent=agent, statuts=("envoyee", "en_cours", "refusee"))
    personne(phase="emploi", statuts=("envoyee", "acceptee"))
    personne(referent=agent, phase="emploi", statuts=("envoyee", "expiree"))  # counted once
    personne(phase="emploi", fin=aujourd_hui - datetime.timedelta(days=1), statuts=("envoyee",))
    personne(phase="alpha", statuts=("envoyee",))
    personne(referent=collegue, statuts=("envoyee", "en_cours"))
    personne(cpas=cpas_b, phase="emploi", statuts=("envoyee", "en_cours"))
    client = client_for(agent)
    for _ in range(8):
        page = client.get(reverse("accueil")).content.decode()
        assert "3 en attente de réponse" in page and "2 suivies par un partenaire" in page
        assert "2 refusées ou expirées ce mois-ci" in page


def test_home_summary_counts_refusals_since_local_midnight_30_days_ago(
    client_for, agent, service, cpas_a, django_assert_max_num_queries, django_assert_num_queries
):
    utc = datetime.UTC
    with freeze_time("2026-03-31 10:00:00"):  # 12:00 in Brussels; 30 days ago: 1 March
        client = client_for(agent)
        client.get(reverse("accueil"))  # first page of the session

        def refusee(quand):
            o = OrientationFactory(
                beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent),
                service=service,
                agent=agent,
                statut="refusee",
                motif_refus="complet",
                date_envoi=datetime.date(2026, 2, 1),
                date_reponse=datetime.date(2026, 2, 2),
            )
            Orientation.objects.filter(pk=o.pk).update(modifie_le=quand)

        # 00:30 on 1 March in Brussels (UTC+1): counted; 23:30 on 28 February: not.
        refusee(datetime.datetime(2026, 2, 28, 23, 30, tzinfo=utc))
        refusee(datetime.datetime(2026, 2, 28, 22, 30, tzinfo=utc))
        _envoyer(agent, service, cpas_a)
        with django_assert_max_num_queries(PLAFOND_REQUETES) as petit:
            page = client.get(reverse("accueil")).content.decode()
        assert "1 en attente de réponse" in page
        assert "1 refusée ou expirée ce mois-ci" in page
        for _ in range(5):
            _envoyer(agent, service, cpas_a)
            refusee(datetime.datetime(2026, 3, 30, 8, 0, tzinfo=utc))
        with django_assert_num_queries(len(petit)):
            page = client.get(reverse("accueil")).content.decode()
        assert "6 en attente de réponse" in page
        assert "6 refusées ou expirées ce mois-ci" in page
