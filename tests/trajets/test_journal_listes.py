"""The access log of the trajectory's lists and forms: cellule queues, "Mes échéances", the
collective session form, the article 60 lists and the quick step form each write one
JournalAcces row naming exactly the people shown."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.trajets.factories import ContratFactory, EtapeFactory, PassageFactory

D = datetime.date


def dernier(user):
    return JournalAcces.objects.filter(user=user).latest("id")


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def en_emploi(cpas_a):
    """Three people in the emploi phase (the emploi cellule's queue), one in alpha."""
    personnes = [BeneficiaireFactory(cpas=cpas_a) for _ in range(3)]
    for b in personnes:
        PassageFactory(beneficiaire=b, phase="emploi", debut=D(2024, 1, 8))
    PassageFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a), phase="alpha", debut=D(2024, 1, 8)
    )
    return personnes


def test_cellule_queue_logs_the_people_of_the_queue(agent, en_emploi, client_for):
    r = client_for(agent).get(reverse("trajets:file_cellule", args=["emploi"]))
    assert r.status_code == 200
    shown = sorted(p.beneficiaire_id for p in r.context["page"].object_list)
    assert shown == sorted(b.pk for b in en_emploi)
    assert sorted(dernier(agent).personnes) == shown


def test_collective_session_form_logs_the_people_it_offers(agent, en_emploi, client_for):
    r = client_for(agent).get(reverse("trajets:seance_collective", args=["emploi"]))
    assert r.status_code == 200
    assert sorted(dernier(agent).personnes) == sorted(b.pk for b in en_emploi)


def test_another_cellule_queue_answers_404(agent, en_emploi, client_for):
    client = client_for(agent)
    assert client.get(reverse("trajets:file_cellule", args=["alpha"])).status_code == 404
    url = reverse("trajets:seance_collective", args=["alpha"])
    assert client.get(url).status_code == 404


def test_my_deadlines_log_the_people_listed(cpas_a, make_user, client_for):
    agent = make_user(Role.AGENT, cpas_a)
    aujourd_hui = timezone.localdate()
    a_faire = [
        EtapeFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent),
            auteur=agent,
            prochaine_action="Appeler l'employeur",
            echeance=aujourd_hui + datetime.timedelta(days=n),
        )
        for n in (-3, 2)
    ]
    autre = make_user(Role.AGENT, cpas_a)
    EtapeFactory(  # not the agent's
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=autre),
        auteur=autre,
        prochaine_action="Rappeler",
        echeance=aujourd_hui,
    )
    r = client_for(agent).get(reverse("trajets:echeances"))
    assert r.status_code == 200
    assert sorted(dernier(agent).personnes) == sorted(e.beneficiaire_id for e in a_faire)


def test_article60_lists_log_the_people_shown(cpas_a, make_user, client_for):
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    aujourd_hui = timezone.localdate()
    finissant = ContratFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a),
        debut=aujourd_hui - datetime.timedelta(days=300),
        fin_prevue=aujourd_hui + datetime.timedelta(days=10),
    )
    a_cloturer = ContratFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a),
        debut=aujourd_hui - datetime.timedelta(days=400),
        fin_prevue=aujourd_hui - datetime.timedelta(days=5),
    )
    en_cours = ContratFactory(  # running, ending in months: only on the contracts list
        beneficiaire=BeneficiaireFactory(cpas=cpas_a),
        debut=aujourd_hui - datetime.timedelta(days=10),
        fin_prevue=aujourd_hui + datetime.timedelta(days=300),
    )
    client = client_for(coordinateur)
    r = client.get(reverse("trajets:occupation"))
    assert r.status_code == 200
    assert sorted(dernier(coordinateur).personnes) == sorted(
        [finissant.beneficiaire_id, a_cloturer.beneficiaire_id]
    )
    r = client.get(reverse("trajets:contrats_liste"))
    shown = sorted(c.beneficiaire_id for c in r.context["page"].object_list)
    assert shown == sorted([finissant.beneficiaire_id, en_cours.beneficiaire_id])
    assert sorted(dernier(coordinateur).personnes) == shown


def test_quick_step_form_logs_the_person(agent, en_emploi, client_for):
    b = en_emploi[0]
    r = client_for(agent).get(reverse("trajets:etape_rapide", args=[b.pk]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    row = dernier(agent)
    assert row.personnes == [b.pk] and row.object_id == b.pk


def test_my_deadlines_leave_out_people_no_longer_in_my_caseload(cpas_a, make_user, client_for):
    """A step the agent wrote for someone now followed by another referent and cellule: its
    deadline (and the person's name) is no longer on the agent's list."""
    agent = make_user(Role.AGENT, cpas_a)
    parti = BeneficiaireFactory(cpas=cpas_a, referent=make_user(Role.AGENT, cpas_a))
    EtapeFactory(
        beneficiaire=parti,
        auteur=agent,
        prochaine_action="Rappeler",
        echeance=timezone.localdate(),
    )
    r = client_for(agent).get(reverse("trajets:echeances"))
    assert r.status_code == 200
    assert r.context["n_en_retard"] + r.context["n_a_venir"] == 0
    assert str(parti) not in r.content.decode()


def test_article60_lists_name_people_only_for_those_who_may_see_them(cpas_a, make_user, client_for):
    """A director reads the posts and their end dates, not who holds them; nothing is logged
    for them since no person is shown."""
    aujourd_hui = timezone.localdate()
    contrat = ContratFactory(
        beneficiaire=BeneficiaireFactory(cpas=cpas_a, nom="Titulaire"),
        debut=aujourd_hui - datetime.timedelta(days=300),
        fin_prevue=aujourd_hui + datetime.timedelta(days=10),
    )
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    client = client_for(directeur)
    for url in (reverse("trajets:occupation"), reverse("trajets:contrats_liste")):
        html = client.get(url).content.decode()
        assert contrat.fonction in html and "Personne hors de vos dossiers" in html, url
        assert str(contrat.beneficiaire) not in html, url
    assert not JournalAcces.objects.filter(user=directeur).exists()
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    html = client_for(coordinateur).get(reverse("trajets:contrats_liste")).content.decode()
    assert str(contrat.beneficiaire) in html


def test_article60_posts_page_names_for_a_coordinator_the_people_of_their_cpas_only(
    cpas_a, cpas_b, make_user, client_for
):
    """A coordinator sees every person of their CPAS (``voit_tout_le_cpas``: the page names
    them without asking ``visibles_par``), and no one else's, even on a contract of their CPAS."""
    aujourd_hui = timezone.localdate()
    dates = {
        "debut": aujourd_hui - datetime.timedelta(days=300),
        "fin_prevue": aujourd_hui + datetime.timedelta(days=10),
    }
    ici = ContratFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a, nom="Ici"), **dates)
    ailleurs = ContratFactory(
        cpas=cpas_a, beneficiaire=BeneficiaireFactory(cpas=cpas_b, nom="Ailleurs"), **dates
    )
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    html = client_for(coordinateur).get(reverse("trajets:occupation")).content.decode()
    assert str(ici.beneficiaire) in html and str(ailleurs.beneficiaire) not in html
    assert "Personne hors de vos dossiers" in html
    journal = JournalAcces.objects.get(user=coordinateur)
    assert journal.personnes == [ici.beneficiaire_id]
