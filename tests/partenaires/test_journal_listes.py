"""Need-to-know and the access log on the partners' pages: the referral lists, the partner
portal, the programme cohort and the forms offering people log exactly the people shown; a
person out of the user's caseload answers 404; a cellule agent can refer the people of their
cellule."""

import datetime

import pytest
from django.urls import reverse

from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import (
    ComptePartenaireFactory,
    OrientationFactory,
    ParticipationFactory,
    ProgrammeFactory,
)
from tests.trajets.factories import PassageFactory

pytestmark = pytest.mark.django_db


def dernier(user):
    return JournalAcces.objects.filter(user=user).latest("id")


def test_referral_list_logs_the_people_shown(agent, cpas_a, cpas_b, service, client_for):
    miens = [
        OrientationFactory(
            beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent), agent=agent
        )
        for _ in range(2)
    ]
    OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a))  # not the agent's person
    OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_b))
    r = client_for(agent).get(reverse("partenaires:orientations"))
    shown = {o["beneficiaire_id"] for o in r.context["page"].object_list}
    assert shown == {o.beneficiaire_id for o in miens}
    assert set(dernier(agent).personnes) == shown


def test_partner_portal_list_logs_the_people_shown(make_user, cpas_a, service, client_for):
    user = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=user, partenaire=service.partenaire)
    envoyees = [
        OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a), service=service)
        for _ in range(2)
    ]
    for o in envoyees:
        o.statut = "envoyee"
        o.date_envoi = datetime.date.today()
        o.save()
    OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a))  # another partner's
    r = client_for(user).get(reverse("partenaires:portail"))
    assert r.status_code == 200
    assert sorted(dernier(user).personnes) == sorted(o.beneficiaire_id for o in envoyees)


def test_programme_cohort_names_and_logs_only_the_people_the_user_may_see(
    agent, cpas_a, client_for
):
    programme = ProgrammeFactory(cpas=cpas_a)
    mien = ParticipationFactory(
        programme=programme, beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent)
    )
    autre = ParticipationFactory(programme=programme)
    r = client_for(agent).get(reverse("partenaires:programme_detail", args=[programme.pk]))
    html = r.content.decode()
    assert [p.pk for p in r.context["cohorte"]] == [mien.pk]
    assert str(mien.beneficiaire) in html and str(autre.beneficiaire) not in html
    assert "1 autre participant" in html
    assert dernier(agent).personnes == [mien.beneficiaire_id]


def test_referral_form_logs_the_people_it_offers(agent, cpas_a, client_for):
    miens = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(3)]
    BeneficiaireFactory(cpas=cpas_a)
    client_for(agent).get(reverse("partenaires:orientation_creer"))
    assert sorted(dernier(agent).personnes) == sorted(b.pk for b in miens)


def test_cellule_agent_is_offered_a_referral_that_works(make_user, cpas_a, service, client_for):
    """The person is followed by the agent's cellule (not referred by the agent): the person
    page offers "Orienter vers un partenaire", and following it opens the form (was 404)."""
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a)
    PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2024, 1, 8))
    client = client_for(agent)
    page = client.get(reverse("beneficiaires:detail", args=[b.pk]))
    assert page.status_code == 200
    action = next(a for a in page.context["actions"] if a.libelle == "Orienter vers un partenaire")
    assert action.url in page.content.decode().replace("&amp;", "&")
    form = client.get(action.url)
    assert form.status_code == 200
    assert str(b) in form.content.decode()
    r = client.post(
        action.url,
        {
            "beneficiaire": b.pk,
            "service": service.pk,
            "date_orientation": datetime.date.today().isoformat(),
            "motif": "Projet de formation",
        },
    )
    assert r.status_code == 302, r.context["form"].errors if r.context else r


def test_agent_without_the_person_in_caseload_gets_404_on_partners_pages(agent, cpas_a, client_for):
    hors = BeneficiaireFactory(cpas=cpas_a)
    orientation = OrientationFactory(beneficiaire=hors, agent=agent)
    programme = ProgrammeFactory(cpas=cpas_a)
    participation = ParticipationFactory(programme=programme, beneficiaire=hors)
    client = client_for(agent)
    for url in (
        reverse("partenaires:orientation_detail", args=[orientation.pk]),
        reverse("partenaires:orientation_modifier", args=[orientation.pk]),
        reverse("partenaires:orientation_creer") + f"?beneficiaire={hors.pk}",
        reverse("partenaires:participation_modifier", args=[programme.pk, participation.pk]),
        reverse("partenaires:avis_creer", args=[programme.pk, participation.pk]),
    ):
        assert client.get(url).status_code == 404, url
