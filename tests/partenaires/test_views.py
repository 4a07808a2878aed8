import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cpas_isp.models import JournalAcces, Role
from partenaires.models import (
    ComptePartenaire,
    Convention,
    Orientation,
    Participation,
    StatutOrientation,
    Thematique,
    TypePartenaire,
)
from partenaires.services import creer_orientation, transition
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.conftest import PLAFOND_REQUETES
from tests.cpas_isp.factories import CpasFactory
from tests.partenaires.factories import (
    ComptePartenaireFactory,
    ConventionFactory,
    OrientationFactory,
    PartenaireFactory,
    ParticipationFactory,
    PartieCpasFactory,
    ProgrammeFactory,
    ServiceFactory,
    ref,
)

S = StatutOrientation
pytestmark = pytest.mark.django_db


@pytest.fixture
def service():
    return ServiceFactory(partenaire=PartenaireFactory(nom="CISP Le Trusquin"))


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a)


@pytest.fixture
def coordinateur(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def partenaire_user(make_user, cpas_a, service):
    user = make_user(Role.PARTENAIRE, cpas_a)
    ComptePartenaireFactory(user=user, partenaire=service.partenaire)
    return user


def _envoyer(agent, service, cpas, **kw):
    return creer_orientation(
        beneficiaire=BeneficiaireFactory(cpas=cpas, referent=agent),
        service=service,
        agent=agent,
        date_orientation=timezone.localdate(),
        motif="Formation en cuisine",
        informations_partagees="Disponible le matin",
        envoyer=True,
        **kw,
    )


# --- partner portal: sees only its referrals, never more --------------------------------


def test_partner_sees_only_referrals_sent_to_its_organisation(
    client_for, partenaire_user, agent, service, cpas_a
):
    mine = _envoyer(agent, service, cpas_a)
    other_partner = _envoyer(agent, ServiceFactory(), cpas_a)
    not_sent = OrientationFactory(beneficiaire__cpas=cpas_a, service=service, agent=agent)
    client = client_for(partenaire_user)
    r = client.get(reverse("partenaires:portail"))
    assert r.status_code == 200
    assert list(r.context["page"].object_list) == [mine]
    assert client.get(reverse("partenaires:portail_detail", args=[mine.pk])).status_code == 200
    for o in (other_partner, not_sent):
        assert client.get(reverse("partenaires:portail_detail", args=[o.pk])).status_code == 404


def test_partner_page_hides_niss_and_shows_what_was_shared(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    r = client_for(partenaire_user).get(reverse("partenaires:portail_detail", args=[o.pk]))
    html = r.content.decode()
    assert o.beneficiaire.nom in html and "Disponible le matin" in html
    assert o.beneficiaire.niss not in html and o.beneficiaire.niss_affiche not in html
    assert JournalAcces.objects.filter(user=partenaire_user, object_id=o.beneficiaire_id).exists()


def test_partner_gets_404_on_cpas_pages_and_other_cpas(
    client_for, partenaire_user, agent, service, cpas_a, cpas_b, make_user
):
    o = _envoyer(agent, service, cpas_a)
    agent_b = make_user(Role.AGENT, cpas_b)
    autre_cpas = _envoyer(agent_b, service, cpas_b)  # same partner, other CPAS
    conv = ConventionFactory(cpas=cpas_a)
    PartieCpasFactory(convention=conv, cpas=cpas_a)
    prog = ProgrammeFactory(cpas=cpas_a)
    client = client_for(partenaire_user)
    urls = [
        reverse("partenaires:portail_detail", args=[autre_cpas.pk]),
        reverse("partenaires:orientation_detail", args=[o.pk]),
        reverse("partenaires:orientations"),
        reverse("partenaires:orientation_creer") + f"?beneficiaire={o.beneficiaire_id}",
        reverse("partenaires:liste"),
        reverse("partenaires:detail", args=[service.partenaire_id]),
        reverse("partenaires:conventions"),
        reverse("partenaires:convention_detail", args=[conv.pk]),
        reverse("partenaires:programmes"),
        reverse("partenaires:programme_detail", args=[prog.pk]),
        reverse("partenaires:statistiques"),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    r = client.post(
        reverse("partenaires:portail_transition", args=[autre_cpas.pk]), {"vers": "acceptee"}
    )
    assert r.status_code == 404
    autre_cpas.refresh_from_db()
    assert autre_cpas.statut == S.ENVOYEE


def test_partner_cannot_open_the_person_page(client_for, partenaire_user, agent, service, cpas_a):
    o = _envoyer(agent, service, cpas_a)
    url = reverse("beneficiaires:detail", kwargs={"pk": o.beneficiaire_id})
    r = client_for(partenaire_user).get(url)
    assert r.status_code == 404
    assert o.beneficiaire.niss not in r.content.decode()


def test_partner_accepts_records_attendance_and_result(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    client = client_for(partenaire_user)
    url = reverse("partenaires:portail_transition", args=[o.pk])
    client.post(url, {"vers": "acceptee", "commentaire": "Entrée le 3"})
    client.post(
        reverse("partenaires:portail_presence", args=[o.pk]),
        {"date": timezone.localdate().isoformat(), "present": "1"},
    )
    client.post(
        reverse("partenaires:portail_message", args=[o.pk]), {"texte": "Bonne participation"}
    )
    r = client.post(
        url, {"vers": "terminee", "resultat": "qualification", "type_qualification": "certificat"}
    )
    assert r.status_code == 302
    o.refresh_from_db()
    assert (o.statut, o.resultat, o.type_qualification) == (
        S.TERMINEE,
        "qualification",
        "certificat",
    )
    assert o.presences.count() == 1
    assert o.messages.get().du_partenaire
    assert [t.par_id for t in o.transitions.all()][-2:] == [partenaire_user.pk] * 2


def test_partner_cannot_cancel_and_gets_a_message(
    client_for, partenaire_user, agent, service, cpas_a
):
    o = _envoyer(agent, service, cpas_a)
    r = client_for(partenaire_user).post(
        reverse("partenaires:portail_transition", args=[o.pk]), {"vers": "annulee"}, follow=True
    )
    assert r.status_code == 200
    assert "ne pouvez pas" in r.content.decode()
    o.refresh_from_db()
    assert o.statut == S.ENVOYEE


def test_partner_without_linked_organisation_sees_nothing(client_for, make_user, cpas_a):
    user = make_user(Role.PARTENAIRE, cpas_a)
    assert client_for(user).get(reverse("partenaires:portail")).status_code == 403


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
    assert list(r.context["page"].object_list) == [mine]
    assert (
        client_for(agent)
        .get(reverse("partenaires:orientation_detail", args=[theirs.pk]))
        .status_code
        == 404
    )
    coord = make_user(Role.COORDINATEUR, cpas_a)
    r = client_for(coord).get(reverse("partenaires:orientations"))
    assert set(r.context["page"].object_list) == {mine, theirs}


def test_referral_detail_logs_access(client_for, agent, service, cpas_a):
    o = _envoyer(agent, service, cpas_a)
    client_for(agent).get(reverse("partenaires:orientation_detail", args=[o.pk]))
    assert JournalAcces.objects.filter(user=agent, object_id=o.beneficiaire_id).count() == 1


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
    assert client_for(agent).get(reverse("partenaires:statistiques")).status_code == 403


def test_partner_directory_filters(client_for, agent):
    a = PartenaireFactory(nom="Lire et Écrire Namur", commune="Namur")

    ServiceFactory(partenaire=a, thematique=ref(Thematique, "alphabetisation"))
    b = PartenaireFactory(nom="Forem Ciney", commune="Ciney", type=ref(TypePartenaire, "forem"))
    client = client_for(agent)
    url = reverse("partenaires:liste")
    assert list(client.get(url, {"q": "ecrire"}).context["page"].object_list) == [a]
    assert list(client.get(url, {"type": "forem"}).context["page"].object_list) == [b]
    assert list(client.get(url, {"thematique": "alphabetisation"}).context["page"].object_list) == [
        a
    ]
    assert list(client.get(url, {"commune": "ciney"}).context["page"].object_list) == [b]


def test_only_managers_create_partners(client_for, agent, coordinateur):
    url = reverse("partenaires:creer")
    assert client_for(agent).get(url).status_code == 403

    r = client_for(coordinateur).post(
        url,
        {
            "nom": "MIRE Bruxelles",
            "type": ref(TypePartenaire, "mire").pk,
            "actif": "on",
        },
    )
    assert r.status_code == 302


# --- conventions ----------------------------------------------------------------------------


def test_coordinator_creates_three_cpas_convention(client_for, coordinateur, cpas_a):
    b = CpasFactory(code="gamma", habitants=12_000)
    c = CpasFactory(code="delta", habitants=8_000)
    p = PartenaireFactory()
    data = {
        "titre": "Préformation commune",
        "partenaires": [p.pk],
        "debut": "2026-01-01",
        "fin": "2026-12-31",
        "budget_total": "47775",
        "regle_repartition": "prorata_habitants",
        "part_minerval_cpas": "50",
        "parties-TOTAL_FORMS": "4",
        "parties-INITIAL_FORMS": "0",
        "parties-0-cpas": cpas_a.pk,
        "parties-1-cpas": b.pk,
        "parties-2-cpas": c.pk,
        "financements-TOTAL_FORMS": "3",
        "financements-INITIAL_FORMS": "0",
        "financements-0-source": "federal",
        "financements-0-montant": "10000",
    }
    r = client_for(coordinateur).post(reverse("partenaires:convention_creer"), data)
    assert r.status_code == 302, r.context and r.context["parties"].non_form_errors()
    conv = Convention.objects.get()
    r = client_for(coordinateur).get(reverse("partenaires:convention_detail", args=[conv.pk]))
    rep = r.context["repartition"]
    assert rep.solde == Decimal("37775.00") and rep.total_parts == rep.solde
    assert {p.partie.cpas.code: p.montant for p in rep.parts} == {
        # 37,775.00 x 50/70, 12/70, 8/70 = 26,982.142..., 6,475.714..., 4,317.142...;
        # the cent left over goes to the largest remainder (gamma, .714).
        "alpha": Decimal("26982.14"),
        "gamma": Decimal("6475.72"),
        "delta": Decimal("4317.14"),
    }


def test_convention_must_include_own_cpas(client_for, coordinateur, cpas_b):
    data = {
        "titre": "X",
        "debut": "2026-01-01",
        "fin": "2026-12-31",
        "budget_total": "100",
        "regle_repartition": "parts_egales",
        "part_minerval_cpas": "50",
        "parties-TOTAL_FORMS": "1",
        "parties-INITIAL_FORMS": "0",
        "parties-0-cpas": cpas_b.pk,
        "financements-TOTAL_FORMS": "0",
        "financements-INITIAL_FORMS": "0",
    }
    r = client_for(coordinateur).post(reverse("partenaires:convention_creer"), data)
    assert r.status_code == 200 and not Convention.objects.exists()


def test_convention_visible_to_parties_only(client_for, make_user, cpas_a, cpas_b):
    conv = ConventionFactory(cpas=cpas_a)
    PartieCpasFactory(convention=conv, cpas=cpas_a)
    url = reverse("partenaires:convention_detail", args=[conv.pk])
    assert client_for(make_user(Role.DIRECTEUR, cpas_a)).get(url).status_code == 200
    assert client_for(make_user(Role.COORDINATEUR, cpas_b)).get(url).status_code == 404
    PartieCpasFactory(convention=conv, cpas=cpas_b)
    coord_b = make_user(Role.COORDINATEUR, cpas_b)
    assert client_for(coord_b).get(url).status_code == 200
    # A party reads it; only the managing CPAS edits it.
    edit = reverse("partenaires:convention_modifier", args=[conv.pk])
    assert client_for(coord_b).get(edit).status_code == 403


def test_convention_ending_within_90_days_is_flagged(client_for, coordinateur, cpas_a):
    today = timezone.localdate()
    soon = ConventionFactory(
        cpas=cpas_a,
        debut=today - datetime.timedelta(days=300),
        fin=today + datetime.timedelta(days=60),
    )
    later = ConventionFactory(cpas=cpas_a, debut=today, fin=today + datetime.timedelta(days=200))
    for c in (soon, later):
        PartieCpasFactory(convention=c, cpas=cpas_a)
    r = client_for(coordinateur).get(reverse("partenaires:conventions"))
    flags = {c.pk: c.finit_bientot for c in r.context["page"].object_list}
    assert flags == {soon.pk: True, later.pk: False} and r.context["nb_bientot"] == 1


# --- programmes ------------------------------------------------------------------------------


def test_completion_and_positive_exit_rates_on_a_known_cohort(client_for, coordinateur, cpas_a):
    prog = ProgrammeFactory(cpas=cpas_a, objectif_participants=25)
    d = datetime.date(2026, 2, 1)
    fin = datetime.date(2026, 9, 1)
    # 22 registered, 20 started: 10 completed (4 job, 3 own business, 1 training, 2 no
    # solution), 6 dropped out, 4 still active; 2 never started.
    rows = (
        [("termine", "emploi")] * 4
        + [("termine", "activite_propre")] * 3
        + [("termine", "formation")]
        + [("termine", "sans_solution")] * 2
        + [("abandon", "sans_solution")] * 6
        + [("actif", "")] * 4
        + [("inscrit", "")] * 2
    )
    for statut, resultat in rows:
        ParticipationFactory(
            programme=prog,
            statut=statut,
            resultat=resultat,
            date_debut=None if statut == "inscrit" else d,
            date_fin=fin if resultat else None,
        )
    r = client_for(coordinateur).get(reverse("partenaires:programme_detail", args=[prog.pk]))
    ind = r.context["ind"]
    assert (ind.inscrits, ind.commences, ind.termines, ind.sorties) == (22, 20, 10, 16)
    assert ind.taux_achevement == Decimal("50.0")  # 10 / 20
    assert ind.taux_sortie_positive == Decimal("50.0")  # 8 / 16
    assert ind.taux_activite_propre == Decimal("18.8")  # 3 / 16
    assert ind.progression == Decimal("88.0")


def test_participants_nearing_maximum_duration(client_for, coordinateur, cpas_a):
    today = timezone.localdate()
    prog = ProgrammeFactory(cpas=cpas_a, duree_max_mois=12)
    near = ParticipationFactory(
        programme=prog, statut="actif", date_debut=today - datetime.timedelta(days=350)
    )
    ParticipationFactory(
        programme=prog, statut="actif", date_debut=today - datetime.timedelta(days=30)
    )
    r = client_for(coordinateur).get(reverse("partenaires:programme_detail", args=[prog.pk]))
    assert [p.pk for p in r.context["proches"]] == [near.pk]


def test_cohort_shows_only_own_cpas_names(client_for, make_user, cpas_a, cpas_b):
    prog = ProgrammeFactory(cpas=cpas_a)
    prog.cpas_participants.add(cpas_b)
    own = ParticipationFactory(programme=prog)
    other = ParticipationFactory(
        programme=prog, beneficiaire=BeneficiaireFactory(cpas=cpas_b), cpas=cpas_b
    )
    r = client_for(make_user(Role.COORDINATEUR, cpas_b)).get(
        reverse("partenaires:programme_detail", args=[prog.pk])
    )
    assert [p.pk for p in r.context["cohorte"]] == [other.pk]
    assert r.context["ind"].inscrits == 2
    assert own.beneficiaire.nom not in r.content.decode()


def test_enrol_and_feedback(client_for, agent, cpas_a):
    prog = ProgrammeFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    client = client_for(agent)
    r = client.post(
        reverse("partenaires:participation_creer", args=[prog.pk]),
        {"beneficiaire": b.pk, "statut": "actif", "date_inscription": "2026-01-05"},
    )
    assert r.status_code == 200  # start date missing for an active participant
    r = client.post(
        reverse("partenaires:participation_creer", args=[prog.pk]),
        {
            "beneficiaire": b.pk,
            "statut": "actif",
            "date_inscription": "2026-01-05",
            "date_debut": "2026-01-10",
        },
    )
    assert r.status_code == 302
    p = Participation.objects.get()
    r = client.post(
        reverse("partenaires:avis_creer", args=[prog.pk, p.pk]),
        {"date": "2026-03-01", "score": "4", "commentaire": "Très utile"},
    )
    assert r.status_code == 302 and p.avis.get().score == 4


# --- query counts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["partenaires:orientations", "partenaires:statistiques", "partenaires:liste"]
)
def test_list_query_count_does_not_grow(
    client_for, coordinateur, agent, cpas_a, requetes_de_la_page, url_name
):
    client = client_for(coordinateur)
    url = reverse(url_name)

    def nombre():
        return len(requetes_de_la_page(client, url))

    for _i in range(2):
        _envoyer(agent, ServiceFactory(), cpas_a)
    nombre()  # warm up (session, caches)
    avant = nombre()
    for _i in range(8):
        _envoyer(agent, ServiceFactory(), cpas_a)
    assert nombre() == avant


def test_portal_and_conventions_query_count_does_not_grow(
    client_for, partenaire_user, coordinateur, agent, service, cpas_a, requetes_de_la_page
):
    def nombre(client, url):
        return len(requetes_de_la_page(client, url))

    def ajouter(n):
        for _i in range(n):
            _envoyer(agent, service, cpas_a)
            c = ConventionFactory(cpas=cpas_a)
            PartieCpasFactory(convention=c, cpas=cpas_a)
            c.partenaires.add(service.partenaire)
            ProgrammeFactory(cpas=cpas_a)

    pages = [
        (client_for(partenaire_user), reverse("partenaires:portail")),
        (client_for(coordinateur), reverse("partenaires:conventions")),
        (client_for(coordinateur), reverse("partenaires:programmes")),
        (client_for(coordinateur), reverse("partenaires:detail", args=[service.partenaire_id])),
    ]
    ajouter(2)
    [nombre(c, u) for c, u in pages]  # warm up (session, caches)
    avant = [nombre(c, u) for c, u in pages]
    ajouter(6)
    assert [nombre(c, u) for c, u in pages] == avant


# --- access matrix: every role, own CPAS --------------------------------------------------

ROLES = [Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.ADMIN, Role.PARTENAIRE]
CONSULTER = {Role.AGENT: 200, Role.COORDINATEUR: 200, Role.DIRECTEUR: 200, Role.ADMIN: 200}
SUIVRE = {Role.AGENT: 200, Role.COORDINATEUR: 200, Role.DIRECTEUR: 403, Role.ADMIN: 403}
GERER = {Role.AGENT: 403, Role.COORDINATEUR: 200, Role.DIRECTEUR: 403, Role.ADMIN: 200}
STATS = {Role.AGENT: 403, Role.COORDINATEUR: 200, Role.DIRECTEUR: 200, Role.ADMIN: 403}
PAGES = [
    ("partenaires:liste", CONSULTER),
    ("partenaires:conventions", CONSULTER),
    ("partenaires:programmes", CONSULTER),
    ("partenaires:orientations", SUIVRE),
    ("partenaires:orientation_creer", SUIVRE),
    ("partenaires:statistiques", STATS),
    ("partenaires:creer", GERER),
    ("partenaires:convention_creer", GERER),
    ("partenaires:programme_creer", GERER),
]


@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(client_for, make_user, cpas_a, role):
    user = make_user(role, cpas_a)
    if role == Role.PARTENAIRE:
        ComptePartenaireFactory(user=user)
    client = client_for(user)
    for name, attendu in PAGES:
        expected = attendu.get(role, 404)  # partners: 404 everywhere but their portal
        assert client.get(reverse(name)).status_code == expected, (name, role)
    portail = client.get(reverse("partenaires:portail")).status_code
    assert portail == (200 if role == Role.PARTENAIRE else 403)


def test_anonymous_is_sent_to_login(client):
    r = client.get(reverse("partenaires:portail"))
    assert r.status_code == 302 and reverse("login") in r["Location"]


def test_pages_render_in_dutch(client_for, make_user, cpas_b, service):
    coord = make_user(Role.COORDINATEUR, cpas_b, langue="nl")
    conv = ConventionFactory(cpas=cpas_b)
    PartieCpasFactory(convention=conv, cpas=cpas_b)
    r = client_for(coord).get(reverse("partenaires:convention_detail", args=[conv.pk]))
    assert "Verdeling tussen de OCMW's" in r.content.decode()


def test_referral_list_filters_by_partner_and_status(client_for, coordinateur, agent, cpas_a):
    s1, s2 = ServiceFactory(), ServiceFactory()
    a = _envoyer(agent, s1, cpas_a)
    _envoyer(agent, s2, cpas_a)
    client = client_for(coordinateur)
    url = reverse("partenaires:orientations")
    r = client.get(url, {"partenaire": s1.partenaire_id})
    assert list(r.context["page"].object_list) == [a]
    assert set(r.context["partenaires"]) == {s1.partenaire, s2.partenaire}
    assert list(client.get(url, {"statut": "terminee"}).context["page"].object_list) == []


def test_home_cards_show_referrals_waiting(client_for, partenaire_user, agent, service, cpas_a):
    _envoyer(agent, service, cpas_a)
    _envoyer(agent, service, cpas_a)
    assert (
        "2 orientations attendent votre réponse"
        in client_for(partenaire_user).get(reverse("accueil")).content.decode()
    )
    assert "2 en attente de réponse" in client_for(agent).get(reverse("accueil")).content.decode()


def test_only_partner_role_users_can_be_linked_to_an_organisation(agent, partenaire_user):
    with pytest.raises(ValidationError):
        ComptePartenaire(user=agent, partenaire=PartenaireFactory()).full_clean()
    partenaire_user.compte_partenaire.full_clean()


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
