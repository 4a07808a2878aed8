"""Attendance: hours summed exactly, the grid saved all-or-nothing, the weekly journal step,
a shared activity naming each CPAS's own participants only, partners marking only their own
activities, and the grid's query count."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activites import queries, services
from activites.models import Presence, ResumeHebdomadaire
from cpas_isp.models import JournalAcces, Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import ComptePartenaireFactory, PartenaireFactory
from tests.trajets.factories import PassageFactory
from trajets.models import Etape


@pytest.fixture
def coord(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


def _seances(activite, n, debut=None, heures=(datetime.time(9, 0), datetime.time(11, 45))):
    debut = debut or (timezone.localdate() - datetime.timedelta(days=n))
    return [
        SeanceFactory(
            activite=activite,
            date=debut + datetime.timedelta(days=k),
            heure_debut=heures[0],
            heure_fin=heures[1],
        )
        for k in range(n)
    ]


def test_hours_are_summed_exactly(cpas_a, coord):
    activite = ActiviteFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    i = services.inscrire(activite, b, coord)
    s1, s2, s3, s4 = _seances(activite, 4)  # 2 h 45 each
    services.enregistrer_presences(s1, {i: ("present", None)}, coord)  # 2.75 (planned)
    services.enregistrer_presences(s2, {i: ("retard", Decimal("1.33"))}, coord)
    services.enregistrer_presences(s3, {i: ("excuse", None)}, coord)
    services.enregistrer_presences(s4, {i: ("present", Decimal("0.67"))}, coord)
    assert queries.heures_suivies(i) == Decimal("4.75")
    ligne = queries.avec_heures(queries.inscriptions_visibles(coord, activite)).get()
    assert (ligne.heures_suivies, ligne.nb_presents, ligne.nb_excuses) == (Decimal("4.75"), 3, 1)
    # Correcting a mark replaces it, it is not added.
    services.enregistrer_presences(s4, {i: ("absent", None)}, coord)
    assert queries.heures_suivies(i) == Decimal("4.08")
    assert Presence.objects.filter(inscription=i).count() == 4


def test_one_journal_step_per_person_and_week_kept_up_to_date(cpas_a, coord):
    activite = ActiviteFactory(cpas=cpas_a, titre="Alpha A1")
    b = BeneficiaireFactory(cpas=cpas_a)
    lundi = services.lundi(timezone.localdate()) - datetime.timedelta(days=14)
    passage = PassageFactory(
        beneficiaire=b, phase="alpha", debut=lundi - datetime.timedelta(days=30)
    )
    i = services.inscrire(activite, b, coord)
    seances = _seances(activite, 3, debut=lundi)  # Mon, Tue, Wed of one week
    for s, statut in zip(seances, ["present", "absent", "present"], strict=True):
        services.enregistrer_presences(s, {i: (statut, None)}, coord)
    etapes = Etape.objects.filter(beneficiaire=b)
    assert etapes.count() == 1
    etape = etapes.get()
    assert etape.type.code == "seance_collective"
    assert etape.passage == passage
    assert etape.date == seances[2].date
    assert etape.duree == 330  # 2 x 2 h 45
    assert "Alpha A1" in etape.note and "3 séance(s)" in etape.note and "5,5 h" in etape.note
    assert "présent : 2, absent : 1" in etape.note
    # The next week: a second step.
    suivante = SeanceFactory(activite=activite, date=lundi + datetime.timedelta(days=7))
    services.enregistrer_presences(suivante, {i: ("present", None)}, coord)
    assert Etape.objects.filter(beneficiaire=b).count() == 2
    assert ResumeHebdomadaire.objects.filter(inscription=i).count() == 2


def test_shared_activity_shows_each_cpas_only_its_own_names(client, cpas_a, cpas_b, make_user):
    coord_a = make_user(Role.COORDINATEUR, cpas_a)
    coord_b = make_user(Role.COORDINATEUR, cpas_b)
    activite = ActiviteFactory(cpas=cpas_a, cpas_participants=[cpas_b], titre="Préformation")
    seance = SeanceFactory(activite=activite)
    de_a = BeneficiaireFactory(cpas=cpas_a, nom="Dealpha")
    de_b = BeneficiaireFactory(cpas=cpas_b, nom="Debeta")
    ia = services.inscrire(activite, de_a, coord_a)
    ib = services.inscrire(activite, de_b, coord_b)

    client.force_login(coord_b)
    for url in (
        reverse("activites:detail", args=[activite.pk]),
        reverse("activites:presences", args=[seance.pk]),
    ):
        page = client.get(url).content.decode()
        assert "DEBETA" in page
        assert "DEALPHA" not in page and "Dealpha" not in page
    assert (
        "Plus 1 participant"
        in client.get(reverse("activites:detail", args=[activite.pk])).content.decode()
    )
    # Another CPAS's enrolment answers 404 to every action.
    assert (
        client.post(reverse("activites:retirer", args=[ia.pk]), {"motif": "autre"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("activites:attestation_emettre", args=[ia.pk]), {"type": "presence"}
        ).status_code
        == 404
    )
    # Posting a mark for it in the grid does nothing.
    client.post(
        reverse("activites:presences", args=[seance.pk]),
        {f"statut-{ia.pk}": "present", f"statut-{ib.pk}": "present"},
    )
    assert list(Presence.objects.values_list("inscription_id", flat=True)) == [ib.pk]
    # The organiser's coordinator sees only theirs too; B's list logged in B's access log.
    client.force_login(coord_a)
    page = client.get(reverse("activites:detail", args=[activite.pk])).content.decode()
    assert "DEALPHA" in page and "DEBETA" not in page
    assert JournalAcces.objects.filter(cpas=cpas_b, personnes__contains=[de_b.pk]).exists()


def test_agent_sees_only_the_participants_of_their_caseload(client, cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a)
    coord = make_user(Role.COORDINATEUR, cpas_a)
    activite = ActiviteFactory(cpas=cpas_a)
    services.inscrire(
        activite, BeneficiaireFactory(cpas=cpas_a, nom="Moncas", referent=agent), coord
    )
    services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a, nom="Horsdossier"), coord)
    client.force_login(agent)
    page = client.get(reverse("activites:detail", args=[activite.pk])).content.decode()
    assert "MONCAS" in page and "HORSDOSSIER" not in page


def test_partner_records_attendance_only_for_its_own_activity(client, cpas_a, make_user):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    user = make_user(Role.PARTENAIRE, cpas_a)
    compte = ComptePartenaireFactory(user=user)
    a_lui = ActiviteFactory(cpas=cpas_a, partenaire=compte.partenaire)
    a_un_autre = ActiviteFactory(cpas=cpas_a, partenaire=PartenaireFactory())
    sans_partenaire = ActiviteFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, nom="Participant")
    seances = {}
    inscriptions = {}
    for cle, activite in (("lui", a_lui), ("autre", a_un_autre), ("aucun", sans_partenaire)):
        seances[cle] = SeanceFactory(activite=activite)
        inscriptions[cle] = services.inscrire(activite, b, coord)
    client.force_login(user)
    url = reverse("activites:presences", args=[seances["lui"].pk])
    assert "PARTICIPANT" in client.get(url).content.decode()
    r = client.post(url, {f"statut-{inscriptions['lui'].pk}": "present"})
    assert r.status_code == 302
    assert Presence.objects.filter(inscription=inscriptions["lui"]).exists()
    for cle in ("autre", "aucun"):
        url = reverse("activites:presences", args=[seances[cle].pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {f"statut-{inscriptions[cle].pk}": "present"}).status_code == 404
        assert (
            client.get(reverse("activites:detail", args=[seances[cle].activite_id])).status_code
            == 404
        )
    assert Presence.objects.count() == 1
    liste = client.get(reverse("activites:liste")).content.decode()
    assert a_lui.titre in liste and a_un_autre.titre not in liste


def test_grid_is_saved_all_or_nothing_with_messages_per_row(client, cpas_a, coord):
    activite = ActiviteFactory(cpas=cpas_a)
    seance = SeanceFactory(activite=activite)
    i1 = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord)
    i2 = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord)
    client.force_login(coord)
    url = reverse("activites:presences", args=[seance.pk])
    r = client.post(
        url,
        {f"statut-{i1.pk}": "present", f"statut-{i2.pk}": "present", f"heures-{i2.pk}": "99"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200
    assert "Les heures vont de 0 à 24." in r.content.decode()
    assert "a été enregistré : corrigez" in r.content.decode()
    assert not Presence.objects.exists()
    for junk in ("abc", "1e400", "NaN", "-1", "1.234"):
        r = client.post(url, {f"statut-{i1.pk}": "present", f"heures-{i1.pk}": junk})
        assert r.status_code == 200
    r = client.post(url, {f"statut-{i1.pk}": "bidon"})
    assert r.status_code == 200 and not Presence.objects.exists()
    r = client.post(
        url,
        {f"statut-{i1.pk}": "present", f"statut-{i2.pk}": "excuse", f"heures-{i2.pk}": "3"},
        HTTP_HX_REQUEST="true",
    )
    assert "Présences enregistrées." in r.content.decode()
    assert dict(Presence.objects.values_list("inscription_id", "heures")) == {
        i1.pk: Decimal("3.00"),
        i2.pk: Decimal("0.00"),
    }


def test_grid_query_count_does_not_grow_with_participants(
    client, cpas_a, coord, requetes_de_la_page
):
    activite = ActiviteFactory(cpas=cpas_a, capacite=50)
    seance = SeanceFactory(activite=activite)
    client.force_login(coord)
    url = reverse("activites:presences", args=[seance.pk])

    def ajouter(n):
        for _ in range(n):
            i = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord)
            services.enregistrer_presences(seance, {i: ("present", None)}, coord)

    client.get(url)
    ajouter(2)
    avant = requetes_de_la_page(client, url)
    ajouter(8)
    apres = requetes_de_la_page(client, url)
    assert len(apres) == len(avant)


def test_saving_the_grid_runs_the_same_queries_for_2_or_10_people(client, cpas_a, coord):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(coord)
    client.get("/")

    def requetes_pour(n):
        activite = ActiviteFactory(cpas=cpas_a, capacite=20)
        seance = SeanceFactory(activite=activite)
        inscriptions = [
            services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord) for _ in range(n)
        ]
        url = reverse("activites:presences", args=[seance.pk])
        comptes = []
        for statut in ("present", "retard"):  # a first save, then a correction of every mark
            data = {f"statut-{i.pk}": statut for i in inscriptions}
            with CaptureQueriesContext(connection) as ctx:
                assert client.post(url, data, HTTP_HX_REQUEST="true").status_code == 200
            comptes.append(len(ctx.captured_queries))
        assert Presence.objects.filter(seance=seance, statut="retard").count() == n
        return comptes

    assert requetes_pour(2) == requetes_pour(10)


def test_a_session_still_to_come_takes_no_attendance(cpas_a, coord, client_for):
    activite = ActiviteFactory(cpas=cpas_a)
    i = services.inscrire(activite, BeneficiaireFactory(cpas=cpas_a), coord)
    (demain,) = _seances(activite, 1, debut=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ValidationError, match="pas encore eu lieu"):
        services.enregistrer_presences(demain, {i: ("present", None)}, coord)
    url = reverse("activites:presences", args=[demain.pk])
    client = client_for(coord)
    assert "Séance à venir" in client.get(url).content.decode()
    reponse = client.post(url, {f"statut-{i.pk}": "present", f"heures-{i.pk}": ""})
    assert reponse.status_code == 200 and "pas encore eu lieu" in reponse.content.decode()
    assert not Presence.objects.exists() and not Etape.objects.exists()
    # On the day itself, it can be marked.
    (jour,) = _seances(activite, 1, debut=timezone.localdate())
    services.enregistrer_presences(jour, {i: ("present", None)}, coord)
    assert Presence.objects.count() == 1


def test_the_weekly_summary_reads_as_the_language_writes_it(cpas_a, coord):
    """Written in the CPAS's language, Dutch here: "aanwezig: 1" (no space before the
    colon)."""
    cpas_a.langue = "nl"
    cpas_a.save(update_fields=["langue"])
    activite = ActiviteFactory(cpas=cpas_a, titre="Alfa")
    b = BeneficiaireFactory(cpas=cpas_a)
    i = services.inscrire(activite, b, coord)
    (seance,) = _seances(activite, 1, debut=services.lundi(timezone.localdate()))
    services.enregistrer_presences(seance, {i: ("present", None)}, coord)
    assert "aanwezig: 1" in Etape.objects.get(beneficiaire=b).note
