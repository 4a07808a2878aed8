"""The appointments' indicators (delays to the first meeting, no-shows by kind and origin,
agents' load) on a hand-built history, checked figure by figure with the people behind each
number; the dashboard section, its links, its exports and the monthly PDF."""

import datetime
import re
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from rapports import services
from rapports.queries import fin_du_mois
from rendezvous import indicateurs
from rendezvous import services as rdv_services
from rendezvous.models import Absence, Invitation, RendezVous, StatutRendezVous
from rendezvous.queries import agenda_de
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.partenaires.factories import OrientationFactory
from tests.rendezvous.factories import disponibilite, moment, planifier, type_rdv
from tests.trajets.factories import PassageFactory

D = datetime.date
DEBUT, FIN = D(2025, 1, 1), D(2025, 12, 31)


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne", last_name="Agent")


@pytest.fixture
def coordinateur(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


def _rdv(agent, personnes, jour, heure, code, issue=None, origine="direct", duree=30):
    rdv = planifier(agent, personnes, moment(jour, heure), duree, code=code, origine=origine)
    if issue:
        rdv_services.changer_statut(rdv, issue, agent)
    return rdv


@pytest.fixture
def histoire(cpas_a, cpas_b, agent):
    """People of CPAS A in 2025 (and one of CPAS B), each line of the docstrings of the tests
    below refers to them."""

    def personne(nom, cpas=cpas_a):
        return BeneficiaireFactory(cpas=cpas, nom=nom, referent=agent if cpas == cpas_a else None)

    p = {n: personne(n) for n in ("R1", "R2", "R3", "R4", "R5", "P7", "P8")}
    DroitFactory(beneficiaire=p["R1"], date_decision=D(2025, 3, 1), debut=D(2025, 3, 1))
    DroitFactory(beneficiaire=p["R2"], debut=D(2025, 5, 1))  # no decision date: the start
    DroitFactory(beneficiaire=p["R3"], date_decision=D(2025, 12, 20), debut=D(2025, 12, 20))
    DroitFactory(beneficiaire=p["R4"], date_decision=D(2025, 2, 1), debut=D(2025, 2, 1))
    DroitFactory(beneficiaire=p["R5"], date_decision=D(2024, 11, 1), debut=D(2024, 11, 1))
    autre = personne("Q1", cpas_b)
    DroitFactory(beneficiaire=autre, date_decision=D(2025, 3, 1), debut=D(2025, 3, 1))

    PassageFactory(beneficiaire=p["R1"], phase="facilitateur", debut=D(2025, 3, 1))
    PassageFactory(beneficiaire=p["P7"], phase="emploi", debut=D(2025, 4, 1), fin=D(2025, 4, 30))
    PassageFactory(beneficiaire=p["P8"], phase="emploi", debut=D(2025, 6, 1))

    V, A, E = StatutRendezVous.VU, StatutRendezVous.ABSENT, StatutRendezVous.EXCUSE
    _rdv(agent, p["R5"], D(2025, 1, 10), "09:00", "premier_entretien_isp", V)
    _rdv(agent, p["R1"], D(2025, 3, 5), "09:00", "premier_entretien_isp", A)
    _rdv(agent, p["R1"], D(2025, 3, 11), "09:00", "premier_entretien_isp", V)
    _rdv(agent, p["R2"], D(2025, 6, 20), "09:00", "premier_entretien_isp", V, "convocation")
    _rdv(agent, p["P8"], D(2025, 6, 5), "09:00", "suivi", V, "invitation")
    _rdv(agent, p["P8"], D(2025, 7, 1), "09:00", "suivi", A, "invitation")
    _rdv(agent, p["P8"], D(2025, 7, 15), "09:00", "suivi", E, "convocation")
    session = _rdv(agent, [p["R1"], p["R4"], p["P7"]], D(2025, 9, 10), "14:00",
                   "information_collective", duree=90)  # fmt: skip
    for qui, issue in (("R1", V), ("R4", A), ("P7", E)):
        rdv_services.noter_issue_participant(session, p[qui].pk, issue, agent)
    _rdv(agent, p["R2"], D(2025, 8, 1), "09:00", "suivi", StatutRendezVous.ANNULE_CPAS)
    _rdv(agent, p["P7"], D(2025, 8, 5), "09:00", "suivi")  # past, outcome not recorded

    o = dict(agent=agent, date_orientation=D(2025, 1, 20))
    OrientationFactory(beneficiaire=p["R1"], statut="acceptee", date_envoi=D(2025, 2, 1),
                       date_reponse=D(2025, 2, 11), **o)  # fmt: skip
    OrientationFactory(beneficiaire=p["R2"], statut="refusee", date_envoi=D(2025, 3, 1),
                       date_reponse=D(2025, 5, 1), motif_refus="Complet", **o)  # fmt: skip
    OrientationFactory(beneficiaire=p["R3"], statut="envoyee", date_envoi=D(2025, 12, 15), **o)
    OrientationFactory(beneficiaire=p["R4"], statut="proposee", **o)  # not sent
    return p


def _noms(qs):
    return sorted(qs.values_list("nom", flat=True))


def _delais(cpas, **kw):
    return {(d.cle, d.phase): d for d in indicateurs.delais([cpas.pk], DEBUT, FIN, FIN, **kw)}


def _chiffres(d):
    return (d.total, d.atteints, d.mediane, d.echus, d.dans_delai, d.en_attente)


def test_delay_from_ris_decision_to_first_interview(cpas_a, histoire):
    """R1 seen 10 days after the decision (an earlier no-show does not count), R2 50 days after
    the start of the right; R3 decided on 20 December, still waiting, 30 days not passed; R4
    never seen; R5's decision is before the period; Q1 is another CPAS's."""
    d = _delais(cpas_a)["ris", None]
    assert _chiffres(d) == (4, 2, 30, 3, 1, 2)
    assert str(d.taux_dans_delai) == "33.33"
    ids = [cpas_a.pk]
    attendus = {
        "total": ["R1", "R2", "R3", "R4"],
        "atteints": ["R1", "R2"],
        "echus": ["R1", "R2", "R4"],
        "dans_delai": ["R1"],
        "en_attente": ["R3", "R4"],
    }
    for quoi, noms in attendus.items():
        qs = indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, "ris", quoi)
        assert _noms(qs) == noms, quoi


def test_delay_from_phase_entry_to_first_appointment(cpas_a, histoire):
    """Facilitateur: R1 entered on 1 March, first seen on 11 March. Emploi: P7's stay (April)
    ended without an appointment; P8 entered on 1 June, seen on 5 June."""
    delais = _delais(cpas_a)
    assert _chiffres(delais["phase", "facilitateur"]) == (1, 1, 10, 1, 1, 0)
    assert _chiffres(delais["phase", "emploi"]) == (2, 1, 4, 2, 1, 0)
    assert _chiffres(delais["phase", "alpha"]) == (0, 0, None, 0, 0, 0)
    assert _chiffres(delais["phase", None]) == (3, 2, 7, 3, 2, 0)
    ids = [cpas_a.pk]
    qs = indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, "phase", "total", phase="emploi")
    assert _noms(qs) == ["P7", "P8"]
    qs = indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, "phase", "atteints")
    assert _noms(qs) == ["P8", "R1"]
    # A cellule's dashboard: its phase only, without the RIS and referral rows.
    delais = _delais(cpas_a, phases=["emploi"], sans_cellule=False)
    assert list(delais) == [("phase", "emploi")]


def test_delay_from_referral_to_partners_answer(cpas_a, histoire):
    """Sent 1 Feb, accepted 10 days later; sent 1 March, refused 61 days later; sent on
    15 December, no answer yet; one proposed and never sent."""
    d = _delais(cpas_a)["orientation", None]
    assert _chiffres(d) == (3, 2, 35.5, 2, 1, 1)
    ids = [cpas_a.pk]
    assert _noms(
        indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, "orientation", "en_attente")
    ) == ["R3"]
    assert _noms(
        indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, "orientation", "dans_delai")
    ) == ["R1"]


def test_delays_of_a_cpas_without_any_appointment(cpas_a, cpas_b, histoire):
    """CPAS B has no appointment at all (CPAS A's are in the same tables): Q1's decision of
    1 March and stay from 1 April are cases still waiting, never reached; CPAS A's figures
    are those of its own appointments."""
    q1 = Beneficiaire.objects.get(nom="Q1")
    PassageFactory(beneficiaire=q1, phase="alpha", debut=D(2025, 4, 1))
    delais = _delais(cpas_b)
    assert _chiffres(delais["ris", None]) == (1, 0, None, 1, 0, 1)
    assert _chiffres(delais["phase", "alpha"]) == (1, 0, None, 1, 0, 1)
    assert _chiffres(delais["phase", None]) == (1, 0, None, 1, 0, 1)
    ids = [cpas_b.pk]
    for cle in ("ris", "phase"):
        attente = indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, cle, "en_attente")
        assert _noms(attente) == ["Q1"]
        assert not indicateurs.personnes_delai(ids, DEBUT, FIN, FIN, cle, "atteints").exists()
    assert _chiffres(_delais(cpas_a)["ris", None]) == (4, 2, 30, 3, 1, 2)


def test_no_shows_by_kind_by_origin_and_in_all(cpas_a, histoire):
    """Per person expected: the collective session counts its three participants with their
    own outcome; the cancelled appointment and the one without outcome are left out."""
    a = indicateurs.absences([cpas_a.pk], DEBUT, FIN)
    par_type = {t.libelle: (t.vus, t.absents, t.excuses) for t in a.par_type}
    assert par_type == {
        type_rdv("premier_entretien_isp").libelle: (3, 1, 0),
        type_rdv("suivi").libelle: (1, 1, 1),
        type_rdv("information_collective").libelle: (1, 1, 1),
    }
    par_origine = {o.origine: (o.vus, o.absents, o.excuses) for o in a.par_origine}
    assert par_origine == {
        "direct": (3, 2, 1),
        "invitation": (1, 1, 0),
        "convocation": (1, 0, 1),
    }
    assert (a.total.vus, a.total.absents, a.total.excuses) == (5, 3, 2)
    assert str(a.total.taux_absence) == "30.00" and str(a.total.taux_excuse) == "20.00"
    invitation = next(o for o in a.par_origine if o.origine == "invitation")
    assert str(invitation.taux_absence) == "50.00"
    ids = [cpas_a.pk]
    assert _noms(indicateurs.personnes_absences(ids, DEBUT, FIN, "absent")) == ["P8", "R1", "R4"]
    assert _noms(
        indicateurs.personnes_absences(ids, DEBUT, FIN, "absent", origine="invitation")
    ) == ["P8"]
    assert _noms(
        indicateurs.personnes_absences(
            ids, DEBUT, FIN, "excuse", type_id=type_rdv("information_collective").pk
        )
    ) == ["P7"]


def test_agents_appointments_in_the_period(cpas_a, agent, histoire):
    """Nine appointments not cancelled in 2025 (the planned one without outcome included)."""
    charge = indicateurs.charge([cpas_a.pk], DEBUT, FIN, a_venir=False)
    (ligne,) = charge.agents
    assert (ligne.agent_id, ligne.agent, ligne.rendez_vous) == (agent.pk, "Anne Agent", 9)
    assert ligne.par_semaine == round(9 / (365 / 7), 1)
    qs = indicateurs.personnes_charge_agent([cpas_a.pk], DEBUT, FIN, agent.pk, "periode")
    assert _noms(qs) == ["P7", "P8", "R1", "R2", "R4", "R5"]


def _invitation(agenda, b, agent, expire_dans=5, statut="en_attente"):
    return Invitation.objects.create(
        cpas_id=agenda.cpas_id,
        beneficiaire=b,
        mode="invitation",
        type=type_rdv("premier_entretien_isp"),
        agenda=agenda,
        statut=statut,
        jeton=secrets.token_hex(32),
        expire_le=timezone.now() + datetime.timedelta(days=expire_dans),
        cree_par=agent,
    )


@pytest.fixture
def charge_a_venir(cpas_a, agent, make_user):
    """The agent (cellule Emploi) offers 09:00-10:00 in 30-minute slots on the weekday of
    tomorrow (tomorrow and a week later: 4 slots), has an appointment tomorrow at 9:00 and is
    away a week later at 9:30 (2 free). The Emploi cellule's agenda offers the same on the day
    after tomorrow (4 slots), one booked by a colleague (3 free). Six invitations wait in the
    agent's agenda; one has expired, one was booked."""
    demain = timezone.localdate() + datetime.timedelta(days=1)
    propre = agenda_de(agent, cpas_a.pk)
    passe = demain - datetime.timedelta(days=30)
    disponibilite(propre, jour=demain.weekday(), de="09:00", a="10:00", valide_du=passe)
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Demain")
    planifier(agent, b, moment(demain, "09:00"))
    semaine = demain + datetime.timedelta(days=7)
    Absence.objects.create(
        cpas=cpas_a, agenda=propre, debut=moment(semaine, "09:30"), fin=moment(semaine, "12:00")
    )
    emploi = cpas_a.cellules.get(code="emploi")
    commun = propre.__class__.objects.create(cpas=cpas_a, cellule=emploi)
    apres = demain + datetime.timedelta(days=1)
    disponibilite(commun, jour=apres.weekday(), de="09:00", a="10:00", valide_du=passe)
    collegue = make_user(Role.AGENT, cpas_a, cellule="alpha")
    autre = BeneficiaireFactory(cpas=cpas_a, nom="Collectif")
    rdv = RendezVous(
        cpas=cpas_a,
        agent=collegue,
        agenda=commun,
        type=type_rdv("suivi"),
        debut=moment(apres, "09:00"),
        fin=moment(apres, "09:30"),
    )
    rdv_services.planifier(rdv, [autre], collegue)
    invites = [BeneficiaireFactory(cpas=cpas_a, nom=f"Invite{i}") for i in range(6)]
    for personne in invites:
        _invitation(propre, personne, agent)
    _invitation(propre, BeneficiaireFactory(cpas=cpas_a, nom="Expiree"), agent, expire_dans=-1)
    reservee = planifier(agent, autre, moment(demain, "15:00"))
    Invitation.objects.filter(
        pk=_invitation(propre, BeneficiaireFactory(cpas=cpas_a, nom="Reservee"), agent).pk
    ).update(statut="reservee", rendez_vous=reservee)
    return invites


def test_free_slots_against_pending_invitations(cpas_a, agent, charge_a_venir):
    aujourd_hui = timezone.localdate()
    charge = indicateurs.charge([cpas_a.pk], aujourd_hui, aujourd_hui)
    ligne = next(a for a in charge.agents if a.agent_id == agent.pk)
    assert ligne.creneaux_libres == 2
    assert ligne.a_venir == 2  # tomorrow 9:00 and 15:00
    cellules = {c.code: c for c in charge.cellules}
    assert (cellules["emploi"].creneaux_libres, cellules["emploi"].invitations) == (5, 6)
    assert cellules["emploi"].alerte
    assert (cellules["alpha"].creneaux_libres, cellules["alpha"].invitations) == (0, 0)
    assert not cellules["alpha"].alerte
    emploi = cellules["emploi"].cellule_id
    noms = _noms(indicateurs.personnes_invitations([cpas_a.pk], emploi))
    assert noms == sorted(f"Invite{i}" for i in range(6))


def test_free_slots_match_the_agenda_page(cpas_a, agent, charge_a_venir):
    """The SQL count of free slots agrees with the agenda's own computation (the week view)."""
    from rendezvous.queries import calendriers

    aujourd_hui = timezone.localdate()
    propre = agenda_de(agent, cpas_a.pk)
    (cal,) = calendriers([propre], aujourd_hui, indicateurs.JOURS_CHARGE, agent)
    attendus = sum(len(j.creneaux) for j in cal.jours)
    charge = indicateurs.charge([cpas_a.pk], aujourd_hui, aujourd_hui)
    assert next(a for a in charge.agents if a.agent_id == agent.pk).creneaux_libres == attendus


def test_free_slots_in_sql_equal_the_agenda_pages_on_a_hand_built_agenda(cpas_a, agent, make_user):
    """Tuesday 10 March 2026, 10:20 in Brussels. The agent's agenda (cellule Emploi) offers
    Tuesdays 9:00-12:00 in 30-minute slots (today: 4 not over yet; the 17th: an appointment
    9:15-10:05 takes 3, a cancelled one takes none: 3), Thursdays 14:00-16:10 in 45-minute
    slots (2 fit; the 12th: away 14:50-15:00, 1; the 19th: away all day, 0), Mondays
    9:00-10:00 in 20-minute slots until the 16th (the 16th: one taken by the agent's
    appointment booked in the cellule's agenda, one by the agent's appointment from Sunday
    20:00 to Monday 9:10, 1; the 23rd: no longer offered): 9. The
    cellule's agenda offers Wednesdays 9:00-11:00 in 60-minute slots (the 11th: a colleague's
    appointment booked in it 9:30-10:00 takes one, the agent's own at 10:00 in their agenda
    does not; the 18th: the agenda is closed 10:00-10:30): 2. The SQL count equals the agenda
    pages' own computation for each agenda, and the cellule's total adds them up."""
    from freezegun import freeze_time

    from rendezvous.queries import calendriers

    D2 = datetime.date(2026, 3, 10)
    jour = lambda n: D2 + datetime.timedelta(days=n)  # noqa: E731
    with freeze_time("2026-03-10 09:20:00"):
        propre = agenda_de(agent, cpas_a.pk)
        depuis = D2 - datetime.timedelta(days=60)
        disponibilite(propre, jour=1, de="09:00", a="12:00", creneau=30, valide_du=depuis)
        disponibilite(propre, jour=3, de="14:00", a="16:10", creneau=45, valide_du=depuis)
        lundis = disponibilite(propre, jour=0, de="09:00", a="10:00", creneau=20, valide_du=depuis)
        lundis.valide_au = jour(6)
        lundis.save()
        emploi = cpas_a.cellules.get(code="emploi")
        commun = propre.__class__.objects.create(cpas=cpas_a, cellule=emploi)
        disponibilite(commun, jour=2, de="09:00", a="11:00", creneau=60, valide_du=depuis)
        collegue = make_user(Role.AGENT, cpas_a, cellule="alpha")
        p = [BeneficiaireFactory(cpas=cpas_a, referent=agent) for _ in range(6)]
        planifier(agent, p[0], moment(jour(7), "09:15"), 50)
        planifier(agent, p[5], moment(jour(5), "20:00"), 13 * 60 + 10)  # into Monday
        annule = planifier(agent, p[1], moment(jour(7), "11:00"), 30)
        rdv_services.changer_statut(annule, StatutRendezVous.ANNULE_CPAS, agent)
        planifier(agent, p[2], moment(jour(1), "10:00"), 30)
        for qui, debut, b in ((collegue, moment(jour(1), "09:30"), p[3]),
                              (agent, moment(jour(6), "09:40"), p[4])):  # fmt: skip
            rdv = RendezVous(
                cpas=cpas_a, agent=qui, agenda=commun, type=type_rdv("suivi"),
                debut=debut, fin=debut + datetime.timedelta(minutes=20 if qui == agent else 30),
            )  # fmt: skip
            rdv_services.planifier(rdv, [b], qui)
        for agenda, de, a in (
            (propre, moment(jour(2), "14:50"), moment(jour(2), "15:00")),
            (propre, moment(jour(9), "00:00"), moment(jour(10), "00:00")),
            (commun, moment(jour(8), "10:00"), moment(jour(8), "10:30")),
        ):
            Absence.objects.create(cpas=cpas_a, agenda=agenda, debut=de, fin=a)

        charge = indicateurs.charge([cpas_a.pk], D2, D2)
        pages = {
            cal.agenda.pk: sum(len(j.creneaux) for j in cal.jours)
            for cal in calendriers([propre, commun], D2, indicateurs.JOURS_CHARGE, agent)
        }
    assert pages == {propre.pk: 9, commun.pk: 2}
    ligne = next(a for a in charge.agents if a.agent_id == agent.pk)
    assert ligne.creneaux_libres == pages[propre.pk]
    cellules = {c.code: c.creneaux_libres for c in charge.cellules}
    assert cellules["emploi"] == pages[propre.pk] + pages[commun.pk]
    assert cellules["alpha"] == 0


# --- The dashboard, its links and exports, the PDF -----------------------------------------

PERIODE = {"du": "2025-01", "au": "2025-12"}


def _listes(page):
    """The people a drill-down lists: the name link of each table row (never a token or id that
    happens to contain the same letters)."""
    return set(re.findall(r'<td><a href="/beneficiaires/\d+/">(\w+) ', page))


def test_dashboard_section_numbers_link_to_their_people(cpas_a, coordinateur, histoire, client_for):
    client = client_for(coordinateur)
    html = client.get(reverse("rapports:tableau_de_bord"), PERIODE).content.decode()
    assert 'id="section-rendez-vous"' in html
    assert "indicateur=rdv_delai" in html and "delai=ris" in html
    assert "indicateur=rdv_issue" in html and "origine=invitation" in html
    url = reverse("rapports:personnes")
    page = client.get(url, {**PERIODE, "indicateur": "rdv_delai", "delai": "ris",
                            "quoi": "en_attente"}).content.decode()  # fmt: skip
    assert {"R3", "R4"} <= _listes(page) and "R1" not in _listes(page)
    page = client.get(url, {**PERIODE, "indicateur": "rdv_issue", "issue": "absent",
                            "origine": "invitation"}).content.decode()  # fmt: skip
    assert "P8" in _listes(page) and "R4" not in _listes(page)
    page = client.get(url, {**PERIODE, "indicateur": "rdv_delai", "delai": "phase_emploi",
                            "quoi": "total"}).content.decode()  # fmt: skip
    assert {"P7", "P8"} <= _listes(page) and "R1" not in _listes(page)
    agent_id = histoire["R1"].referent_id
    page = client.get(url, {**PERIODE, "indicateur": "rdv_agent", "quoi": "periode",
                            "charge_agent": agent_id}).content.decode()  # fmt: skip
    assert "R5" in _listes(page)
    # A link no number carries: 400, never 500.
    for bad in ({"delai": "xyz", "quoi": "total"}, {"delai": "ris", "quoi": "nimporte"}):
        r = client.get(url, {**PERIODE, "indicateur": "rdv_delai", **bad})
        assert r.status_code == 400


def test_pending_invitations_link(cpas_a, coordinateur, charge_a_venir, client_for):
    client = client_for(coordinateur)
    html = client.get(reverse("rapports:tableau_de_bord")).content.decode()
    assert "Moins de créneaux que d&#x27;invitations" in html or "Moins de créneaux" in html
    page = (
        client.get(
            reverse("rapports:personnes"), {"indicateur": "rdv_invitations", "cellule": "emploi"}
        )
        .content.decode()
        .lower()
    )
    assert "invite0" in page and "expiree" not in page and "reservee" not in page


def test_exports_of_the_section(cpas_a, coordinateur, histoire, client_for):
    client = client_for(coordinateur)
    r = client.get(reverse("rapports:export", args=["rdv_absences", "csv"]), PERIODE)
    texte = b"".join(r.streaming_content).decode("utf-8-sig")
    assert "Taux d'absence (%)" in texte and "30" in texte
    r = client.get(reverse("rapports:export", args=["rdv_delais", "xlsx"]), PERIODE)
    assert r.status_code == 200


def test_dashboard_section_query_count_does_not_grow(
    cpas_a, coordinateur, agent, histoire, client_for, requetes_de_la_page
):
    client = client_for(coordinateur)
    url = reverse("rapports:tableau_de_bord")
    requetes_de_la_page(client, url, PERIODE)  # warm up
    avant = len(requetes_de_la_page(client, url, PERIODE))
    for i in range(5):
        b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
        DroitFactory(beneficiaire=b, date_decision=D(2025, 4, 1 + i), debut=D(2025, 4, 1 + i))
        PassageFactory(beneficiaire=b, phase="alpha", debut=D(2025, 4, 2 + i))
        _rdv(agent, b, D(2025, 4, 10 + i), "10:00", "premier_entretien_isp", "vu", "invitation")
    propre = agenda_de(agent, cpas_a.pk)
    for _i in range(3):
        _invitation(propre, BeneficiaireFactory(cpas=cpas_a), agent)
    assert len(requetes_de_la_page(client, url, PERIODE)) == avant


def test_monthly_report_has_the_section(cpas_a, histoire):
    html = services.rendre_html(cpas_a, D(2025, 12, 1))
    assert "Délais jusqu'au premier rendez-vous" in html
    assert "Absences aux rendez-vous" in html
    assert "Créneaux libres dans les 14 jours" not in html  # the next 14 days: screen only


def _sans_comptes_mensuels(monkeypatch):
    """The indicators counted from the appointments themselves (as for a period that is not
    made of whole months)."""
    monkeypatch.setattr(indicateurs, "mois_entiers", lambda debut, fin: False)


@pytest.mark.parametrize(
    "filtres",
    [{}, {"agent": True}, {"cellule": "emploi"}, {"cellule": "alpha"}],
    ids=["all", "agent", "cellule", "other-cellule"],
)
def test_monthly_counts_give_the_figures_of_the_appointments(
    cpas_a, agent, histoire, monkeypatch, filtres
):
    """Over whole months the no-shows and the agents' load are added up from the monthly
    counts the database keeps; they equal the figures counted from the appointments, for
    every filter and every month of the year."""
    ids = [cpas_a.pk]
    # the follow-ups booked in the emploi cellule's agenda (the others in none)
    RendezVous.objects.filter(cpas=cpas_a, type__code="suivi").update(
        cellule=cpas_a.cellules.get(code="emploi")
    )
    agent_id = agent.pk if filtres.get("agent") else None
    cellule_id = cpas_a.cellules.get(code=filtres["cellule"]).pk if filtres.get("cellule") else None
    periodes = [(D(2025, m, 1), fin_du_mois(D(2025, m, 1))) for m in range(1, 13)]
    periodes.append((DEBUT, FIN))
    attendu, obtenu = [], []
    for debut, fin in periodes:
        assert indicateurs.mois_entiers(debut, fin)
        obtenu.append(
            (
                indicateurs.absences(ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id),
                indicateurs.charge(ids, debut, fin, agent_id=agent_id, a_venir=False),
            )
        )
    with monkeypatch.context() as m:
        _sans_comptes_mensuels(m)
        for debut, fin in periodes:
            attendu.append(
                (
                    indicateurs.absences(ids, debut, fin, agent_id=agent_id, cellule_id=cellule_id),
                    indicateurs.charge(ids, debut, fin, agent_id=agent_id, a_venir=False),
                )
            )
    assert repr(obtenu) == repr(attendu)
    # (the alpha cellule's agents have no appointment: the figures are all zero there)
    assert any(a.total.vus for a, _c in obtenu) == (filtres.get("cellule") != "alpha")


def test_monthly_counts_only_for_whole_months_in_the_sites_time_zone(settings):
    """A period cut inside a month, or a site in another time zone than the counts', is
    counted from the appointments."""
    assert indicateurs.mois_entiers(D(2025, 1, 1), D(2025, 12, 31))
    assert indicateurs.mois_entiers(D(2024, 2, 1), D(2024, 2, 29))
    assert not indicateurs.mois_entiers(D(2025, 1, 2), D(2025, 12, 31))
    assert not indicateurs.mois_entiers(D(2025, 1, 1), D(2025, 12, 30))
    settings.TIME_ZONE = "UTC"
    assert not indicateurs.mois_entiers(D(2025, 1, 1), D(2025, 12, 31))


def test_a_period_inside_months_counts_the_appointments(cpas_a, histoire):
    """1 June - 30 September, cut on the 10th: the appointments themselves (the session of
    10 September at 14:00 counts, its three outcomes)."""
    a = indicateurs.absences([cpas_a.pk], D(2025, 6, 1), D(2025, 9, 10))
    assert (a.total.vus, a.total.absents, a.total.excuses) == (3, 2, 2)
    a = indicateurs.absences([cpas_a.pk], D(2025, 6, 1), D(2025, 9, 9))
    assert (a.total.vus, a.total.absents, a.total.excuses) == (2, 1, 1)
