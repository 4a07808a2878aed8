"""The activity pages: query counts that do not grow with rows, the person page's section and
action, creating an activity and generating its sessions with holiday exceptions, the
personal data export."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from activites import services
from activites.calendrier import dates_recurrentes, jours_feries, lire_exclusions
from activites.hooks import ONGLET_FICHE
from activites.models import Activite, Seance
from beneficiaires import registre
from beneficiaires.hooks import url_onglet
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory


@pytest.fixture
def coord(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


def test_list_query_count_does_not_grow(client, cpas_a, coord, requetes_de_la_page):
    client.force_login(coord)
    url = reverse("activites:liste")
    client.get(url)
    ActiviteFactory.create_batch(2, cpas=cpas_a)
    avant = requetes_de_la_page(client, url)
    for a in ActiviteFactory.create_batch(6, cpas=cpas_a):
        SeanceFactory(activite=a)
        services.inscrire(a, BeneficiaireFactory(cpas=cpas_a), coord)
    apres = requetes_de_la_page(client, url)
    assert len(apres) == len(avant)


def test_detail_query_count_does_not_grow(client, cpas_a, coord, requetes_de_la_page):
    activite = ActiviteFactory(cpas=cpas_a, capacite=3)
    client.force_login(coord)
    url = reverse("activites:detail", args=[activite.pk])
    client.get(url)

    def ajouter(n):
        for _ in range(n):
            i = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord)
            # a session already held (attendance is not recorded for one still to come)
            s = SeanceFactory(
                activite=activite, date=activite.debut + datetime.timedelta(days=i.pk % 30)
            )
            if i.statut == "inscrit":
                services.enregistrer_presences(s, {i: ("present", None)}, coord)

    ajouter(2)
    avant = requetes_de_la_page(client, url)
    ajouter(5)  # fills the seats, then the waiting list
    apres = requetes_de_la_page(client, url)
    assert len(apres) == len(avant)


def test_person_page_shows_the_section_and_the_enrol_action(client, cpas_a, coord):
    """The person page's tab "Rendez-vous et activités" lists the enrolments and offers the
    enrol action (a header button, on every tab)."""
    b = BeneficiaireFactory(cpas=cpas_a)
    activite = ActiviteFactory(cpas=cpas_a, titre="Atelier numérique")
    services.inscrire(activite, b, coord)
    client.force_login(coord)
    page = client.get(url_onglet(b.pk, ONGLET_FICHE)).content.decode()
    assert 'id="activites"' in page and "Atelier numérique" in page
    assert reverse("activites:inscrire_personne", args=[b.pk]) in page


def test_create_an_activity_and_generate_sessions_without_holidays(client, cpas_a, coord):
    client.force_login(coord)
    annee = timezone.localdate().year + 1
    r = client.post(
        reverse("activites:creer"),
        {
            "titre": "Alpha A1",
            "type": Activite._meta.get_field("type")
            .related_model.objects.get(code="alphabetisation")
            .pk,
            "niveau": "A1",
            "debut": f"{annee}-04-27",
            "fin": f"{annee}-05-10",
            "capacite": "12",
        },
    )
    activite = Activite.objects.get(titre="Alpha A1")
    assert activite.cpas == cpas_a and r.url == reverse("activites:seances", args=[activite.pk])
    r = client.post(
        reverse("activites:seances", args=[activite.pk]),
        {
            "action": "recurrence",
            "du": f"{annee}-04-27",
            "au": f"{annee}-05-10",
            "jours": ["0", "2", "4"],
            "heure_debut": "09:00",
            "heure_fin": "12:00",
            "sauf_feries": "on",
            "exclusions": f"{annee}-05-04 - {annee}-05-06",
        },
    )
    assert r.status_code == 302
    attendues = [
        d
        for d in dates_recurrentes(
            datetime.date(annee, 4, 27), datetime.date(annee, 5, 10), {0, 2, 4}
        )
        if d not in {datetime.date(annee, 5, k) for k in (4, 5, 6)}
    ]
    assert datetime.date(annee, 5, 1) not in attendues  # Labour Day
    assert (
        sorted(Seance.objects.filter(activite=activite).values_list("date", flat=True)) == attendues
    )


def test_belgian_holidays_and_exclusion_parsing():
    assert datetime.date(2027, 3, 29) in jours_feries(2027)  # Easter Monday 2027
    assert datetime.date(2027, 5, 6) in jours_feries(2027)  # Ascension 2027
    assert len(jours_feries(2028)) == 10
    dates, erreurs = lire_exclusions("2026-12-24\n28/12/2026..30/12/2026, bidon, 2027-02-30")
    assert dates == {datetime.date(2026, 12, d) for d in (24, 28, 29, 30)}
    assert erreurs == ["bidon", "2027-02-30"]


def test_a_level_only_for_language_courses(client, cpas_a, coord):
    client.force_login(coord)
    from activites.models import TypeActivite

    r = client.post(
        reverse("activites:creer"),
        {
            "titre": "Job day",
            "type": TypeActivite.objects.get(code="job_day").pk,
            "niveau": "B1",
            "debut": "2026-05-02",
            "fin": "2026-05-01",
            "capacite": "0",
        },
    )
    page = r.content.decode()
    assert r.status_code == 200 and not Activite.objects.exists()
    assert "Le niveau CECR ne concerne que les cours de langue." in page


def test_personal_data_export_lists_enrolments_and_attendance(cpas_a, coord):
    b = BeneficiaireFactory(cpas=cpas_a)
    activite = ActiviteFactory(cpas=cpas_a, titre="Atelier CV")
    i = services.inscrire(activite, b, coord)
    services.enregistrer_presences(SeanceFactory(activite=activite), {i: ("present", None)}, coord)
    donnees = {p.cle: lignes for p, lignes in registre.export(b)}["activites_collectives"]
    assert donnees[0]["activite"] == "Atelier CV"
    assert donnees[0]["presences"][0]["heures"] == "3.00"
