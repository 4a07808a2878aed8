"""The appointments on the person page (its tabs "Rendez-vous et activités" and "Parcours") and
on the home page's card: read in the pages' one round trip (compiled statements,
``cpas_isp.lots``), the person's past ones bounded to the ones the page shows. Same lists as the
ORM's plain queries; query counts that do not grow with the appointments, invitations, messages
and rights."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from beneficiaires.hooks import ONGLET_PARCOURS, url_onglet
from beneficiaires.models import Beneficiaire
from cpas_isp.models import JournalAcces, Role
from rendezvous import envois, queries
from rendezvous.hooks import ONGLET
from rendezvous.models import (
    Canal,
    Invitation,
    NatureEnvoi,
    Participant,
    RendezVous,
    StatutInvitation,
)
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory

from .factories import moment, planifier, type_rdv

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _canaux(settings):
    settings.SMS_BACKEND = "rendezvous.sms.MemoireBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    cache.clear()


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne", last_name="Agent")


def _deplacer(rdv, debut):
    """The appointment moved to ``debut`` (its participants' copy too), past or not."""
    fin = debut + (rdv.fin - rdv.debut)
    RendezVous.objects.filter(pk=rdv.pk).update(debut=debut, fin=fin)
    Participant.objects.filter(rendez_vous=rdv).update(debut=debut, fin=fin)
    rdv.refresh_from_db()
    return rdv


def _tous_par_l_orm(b):
    """The person's appointments as the page read them before: every one, in one query."""
    return list(
        RendezVous.objects.filter(cpas_id=b.cpas_id, participants__beneficiaire=b)
        .select_related("type", "lieu", "agent", "cellule")
        .order_by("-debut", "-id")
    )


def _historique(agent, b, nb_passes):
    """``nb_passes`` past appointments (one a day), a running one (started two hours ago, ends
    in two hours: ordered after the latest past ones, not ended), upcoming ones, a cancelled
    upcoming one."""
    maintenant = timezone.now()
    demain = timezone.localdate() + datetime.timedelta(days=1)
    for i in range(nb_passes):
        rdv = planifier(agent, b, moment(demain + datetime.timedelta(days=200 + i), "10:00"))
        _deplacer(rdv, maintenant - datetime.timedelta(days=1 + i, hours=3))
    en_cours = planifier(agent, b, moment(demain + datetime.timedelta(days=500), "09:00"), 240)
    _deplacer(en_cours, maintenant - datetime.timedelta(hours=2))
    # Ended an hour ago, started after the running one: before it in the page's order (a
    # cancelled one: the only kind the constraints let overlap another).
    court = planifier(agent, b, moment(demain + datetime.timedelta(days=501), "09:00"), 30)
    RendezVous.objects.filter(pk=court.pk).update(statut="annule_personne")
    Participant.objects.filter(rendez_vous=court).update(annule=True)
    _deplacer(court, maintenant - datetime.timedelta(minutes=90))
    for i in range(3):
        planifier(agent, b, moment(demain + datetime.timedelta(days=i), "10:00"))
    annule = planifier(agent, b, moment(demain + datetime.timedelta(days=5), "10:00"))
    RendezVous.objects.filter(pk=annule.pk).update(statut="annule_cpas")


@pytest.mark.parametrize("nb_passes", [0, 3, 70])
def test_person_appointments_are_the_ones_the_whole_list_gives(agent, cpas_a, nb_passes):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    _historique(agent, b, nb_passes)
    tous = _tous_par_l_orm(b)
    lus = queries.rendez_vous_de_la_personne(Beneficiaire.objects.get(pk=b.pk))
    # Every appointment not ended, and the last NB_PASSES_FICHE ended ones, in the same order.
    maintenant = timezone.now()
    attendus = [r for r in tous if r.fin >= maintenant]
    attendus += [r for r in tous if r.fin < maintenant][: queries.NB_PASSES_FICHE]
    attendus.sort(key=lambda r: (r.debut, r.id), reverse=True)
    assert [r.pk for r in lus] == [r.pk for r in attendus]
    assert [r.pk for r in lus[:50]] == [r.pk for r in tous[:50]]  # the timeline's
    # The section's lists as the whole list gives them.
    frais = Beneficiaire.objects.get(pk=b.pk)
    a_venir, passes = queries.de_la_personne(frais, agent)
    entier = Beneficiaire.objects.get(pk=b.pk)
    entier.__dict__["_rendez_vous"] = tous
    a_venir_orm, passes_orm = queries.de_la_personne(entier, agent)
    assert [r.pk for r in a_venir] == [r.pk for r in a_venir_orm]
    assert [r.pk for r in passes] == [r.pk for r in passes_orm]
    assert len(a_venir) == 4  # the running one and three upcoming
    assert lus[0].type.libelle and lus[0].agent == agent  # related rows read


def test_person_page_shows_the_section_and_timeline_of_the_whole_list(agent, cpas_a, client_for):
    """The page's section (tab "Rendez-vous et activités") and timeline (tab "Parcours"): the
    same appointments as from the whole list."""
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    _historique(agent, b, 70)
    client = client_for(agent)
    page = client.get(url_onglet(b.pk, ONGLET)).content.decode()
    tous = _tous_par_l_orm(b)
    maintenant = timezone.now()
    a_venir = [r for r in tous if r.fin >= maintenant and r.statut in ("planifie", "confirme")]
    passes = [r for r in tous if r not in a_venir][:20]
    for r in a_venir + passes:
        assert f'id="rdv-{r.pk}"' in page
    assert page.count('class="rdv card') == len(a_venir) + len(passes)
    for r in tous:
        if r not in a_venir + passes:
            assert reverse("rendezvous:detail", args=[r.pk]) + '"' not in page
    parcours = client.get(url_onglet(b.pk, ONGLET_PARCOURS)).content.decode()
    for r in tous[:50]:  # the timeline's links
        assert reverse("rendezvous:detail", args=[r.pk]) in parcours
    for r in tous[50:]:
        assert reverse("rendezvous:detail", args=[r.pk]) + '"' not in parcours


def test_invitations_and_messages_read_once_as_the_orm_does(agent, cpas_a):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, email="josiane@example.org")
    demain = timezone.localdate() + datetime.timedelta(days=1)
    rdv = planifier(agent, b, moment(demain, "10:00"))
    envois.notifier(
        beneficiaire=b, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.EMAIL], rendez_vous=rdv,
        par=agent,
    )  # fmt: skip
    agenda = queries.agenda_de(agent, cpas_a.pk)
    commun = {"cpas": cpas_a, "beneficiaire": b, "agenda": agenda, "cree_par": agent}
    commun["type"] = type_rdv("premier_entretien_isp")
    expire = timezone.now() + datetime.timedelta(days=10)
    attente = Invitation.objects.create(**commun, jeton="a", expire_le=expire)
    reservee = Invitation.objects.create(
        **commun, jeton="b", expire_le=expire, statut=StatutInvitation.RESERVEE, rendez_vous=rdv
    )
    passe = _deplacer(planifier(agent, b, moment(demain, "14:00")), timezone.now())
    _deplacer(passe, timezone.now() - datetime.timedelta(days=2))
    Invitation.objects.create(
        **commun, jeton="c", expire_le=expire, statut=StatutInvitation.RESERVEE, rendez_vous=passe
    )
    Invitation.objects.create(**commun, jeton="d", expire_le=expire, statut="expiree")
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    Invitation.objects.create(**{**commun, "beneficiaire": autre}, jeton="e", expire_le=expire)
    assert [i.pk for i in queries.invitations_en_cours(b)] == [reservee.pk, attente.pk]
    assert queries.invitations_en_cours(autre) != []
    envoyes = queries.envois_de_la_personne(b)
    assert len(envoyes) == 1 and envoyes[0].par == agent
    # Kept on the person object: read once.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        queries.invitations_en_cours(b)
        queries.envois_de_la_personne(b)
    assert len(ctx.captured_queries) == 0


def test_home_card_is_the_orm_s(agent, cpas_a, make_user):
    """The day's appointments, their participants (a colleague's person hidden) and their
    order, as ``rendez_vous_avec_personnes`` reads them from the ORM."""
    jour = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a)  # no cellule: the agent sees only their own
    mien = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Zeta")
    sien = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Alpha")
    seul = planifier(agent, mien, moment(jour, "09:00"))
    groupe = planifier(agent, [mien, sien], moment(jour, "11:00"), code="information_collective")
    planifier(collegue, sien, moment(jour, "14:00"))
    planifier(agent, BeneficiaireFactory(cpas=cpas_a, referent=agent), moment(jour, "23:30"), 60)
    lus = queries.du_jour(agent, jour)
    debut = moment(jour, "00:00")
    ids = list(
        RendezVous.objects.filter(cpas=cpas_a)
        .non_annules()
        .filter(agent=agent)
        .entre(debut, debut + datetime.timedelta(days=1))
        .values_list("pk", flat=True)
    )
    orm = queries.rendez_vous_avec_personnes(
        RendezVous.objects.filter(pk__in=ids).order_by("debut", "id"), agent
    )

    def forme(rdvs):
        return [
            (
                r.pk,
                r.type.libelle,
                str(r.agent),
                r.visible,
                [(b.pk, v) for b, v in r.personnes],
                [(p.pk, v) for p, v in r.presences],
                [p.pk for p in r.participants.all()],
            )
            for r in rdvs
        ]

    assert forme(lus) == forme(orm)
    assert [r.pk for r in lus][:2] == [seul.pk, groupe.pk]
    assert [(b.nom, v) for b, v in lus[1].personnes] == [("Alpha", False), ("Zeta", True)]
    assert lus[1].participants.all()[0].rendez_vous is lus[1]
    assert queries.du_jour(agent, jour - datetime.timedelta(days=3)) == []


def test_home_card_names_the_people_of_the_agent_s_cellule_and_hides_the_others(
    agent, cpas_a, make_user, client_for
):
    """At a colleague's collective session, the home card names the person the agent follows
    through their cellule (in its phase today) and hides the one they may not see."""
    jour = timezone.localdate()
    collegue = make_user(Role.AGENT, cpas_a)
    cellule = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Cellule")
    PassageFactory(beneficiaire=cellule, phase="emploi", debut=jour - datetime.timedelta(days=9))
    ailleurs = BeneficiaireFactory(cpas=cpas_a, referent=collegue, nom="Ailleurs")
    PassageFactory(beneficiaire=ailleurs, phase="facilitateur", debut=jour)
    groupe = planifier(
        agent, [cellule, ailleurs], moment(jour, "11:00"), code="information_collective"
    )
    (lu,) = queries.du_jour(agent, jour)
    assert [(b.nom, v) for b, v in lu.personnes] == [("Ailleurs", False), ("Cellule", True)]
    page = client_for(agent).get(reverse("accueil")).content.decode()
    assert f'href="/beneficiaires/{cellule.pk}/"' in page and f"rdv-{groupe.pk}" in page
    assert "Ailleurs" not in page


def test_home_card_without_the_compiled_statements(agent, cpas_a, monkeypatch):
    jour = timezone.localdate()
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    rdv = planifier(agent, b, moment(jour, "10:00"))
    monkeypatch.setattr(queries._RENDEZ_VOUS_DU_JOUR, "_compilee", False)
    lus = queries.du_jour(agent, jour)
    assert [r.pk for r in lus] == [rdv.pk] and lus[0].personnes == [(b, True)]


def test_person_page_and_home_query_counts_do_not_grow(
    agent, cpas_a, client_for, requetes_de_la_page
):
    """Appointments (past, upcoming, today's), invitations, messages and rights add no query
    to the person page's tabs that show them ("Dossier": the rights; "Rendez-vous et
    activités": appointments, invitations, messages; "Parcours": the timeline) nor to the home
    page; the access log is still written."""
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, email="josiane@example.org")
    maintenant = timezone.localtime()
    # Today's appointments, clear of the running one _historique adds (now - 2 h to now + 2 h)
    # whatever the hour: from midnight in the afternoon, 3 hours ahead in the morning.
    if maintenant.hour >= 12:
        aujourdhui = maintenant.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        aujourdhui = (maintenant + datetime.timedelta(hours=3)).replace(second=0, microsecond=0)
    # One appointment today already: the home page's card writes its access log line.
    planifier(agent, BeneficiaireFactory(cpas=cpas_a, referent=agent), aujourdhui, 5)
    client = client_for(agent)
    dossier = url_onglet(b.pk)
    fiche = url_onglet(b.pk, ONGLET)
    parcours = url_onglet(b.pk, ONGLET_PARCOURS)
    accueil = reverse("accueil")
    pages = (dossier, fiche, parcours, accueil)
    for url in pages:
        requetes_de_la_page(client, url)  # warm-up: first request of the session
    avant = [len(requetes_de_la_page(client, url)) for url in pages]
    acces = JournalAcces.objects.filter(personnes__contains=[b.pk]).count()
    _historique(agent, b, 4)
    jour = timezone.localdate()
    for h in range(2):
        debut = aujourdhui + datetime.timedelta(minutes=10 + 20 * h)
        planifier(agent, BeneficiaireFactory(cpas=cpas_a, referent=agent), debut, 10)
    rdv = planifier(agent, b, moment(jour + datetime.timedelta(days=30), "10:00"))
    envois.notifier(
        beneficiaire=b, nature=NatureEnvoi.CONVOCATION, canaux=[Canal.EMAIL], rendez_vous=rdv,
        par=agent,
    )  # fmt: skip
    Invitation.objects.create(
        cpas=cpas_a, beneficiaire=b, agenda=queries.agenda_de(agent, cpas_a.pk), cree_par=agent,
        type=type_rdv("premier_entretien_isp"), jeton="x",
        expire_le=timezone.now() + datetime.timedelta(days=10),
    )  # fmt: skip
    DroitFactory(beneficiaire=b, debut=jour - datetime.timedelta(days=20))
    apres = [len(requetes_de_la_page(client, url)) for url in pages]
    assert apres == avant
    assert JournalAcces.objects.filter(personnes__contains=[b.pk]).count() > acces
    page = client.get(fiche).content.decode()
    assert "Invitations et convocations" in page and "Messages envoyés" in page
    assert "carte-aujourdhui" in client.get(accueil).content.decode()


def test_home_reads_the_bell_the_referrals_and_today_in_one_round_trip(
    cpas_a, make_user, client_for, requetes_de_la_page
):
    """The home page of an agent sends the bell's count, the referrals card's counts and the
    "today" card's appointments in one message (``cpas_isp.accueil``), then the appointments'
    participants: two queries more than the floor page, and the access log's row (one query
    more than the floor page on a day without appointments); the figures are the ones each
    card reads alone."""
    from cpas_isp import lots
    from cpas_isp.models import NatureNotification
    from cpas_isp.notifications import compter_non_lues, notifier
    from partenaires.templatetags.partenaires_tags import lecture_resume_orientations
    from tests.partenaires.factories import OrientationFactory, ServiceFactory

    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Zeta")
    rdv = planifier(agent, b, moment(timezone.localdate(), "23:00"))
    service = ServiceFactory()
    for statut in ("envoyee", "envoyee", "en_cours"):
        orientation = OrientationFactory(
            beneficiaire=b, service=service, agent=agent, statut=statut
        )
    notifier(
        [agent], NatureNotification.ORIENTATION_REPONSE, cpas=cpas_a.pk, objet=orientation,
        personne_id=b.pk, lien=f"/partenaires/orientations/{orientation.pk}/",
    )  # fmt: skip
    client = client_for(agent)
    for url in ("/sante/", "/"):
        requetes_de_la_page(client, url)  # warm-up: first request of the session
    plancher = len(requetes_de_la_page(client, "/sante/"))
    acces = JournalAcces.objects.filter(personnes__contains=[b.pk]).count()
    # The message, today's participants, the log's row.
    assert len(requetes_de_la_page(client, "/")) == plancher + 3
    assert JournalAcces.objects.filter(personnes__contains=[b.pk]).count() == acces + 1
    page = client.get("/").content.decode()
    assert '>1<span class="visually-hidden"> non lues</span>' in page
    assert "2 en attente de réponse" in page and "1 suivie par un partenaire" in page
    assert f"rdv-{rdv.pk}" in page and f'href="/beneficiaires/{b.pk}/"' in page
    # The same figures as each card's own reading.
    assert compter_non_lues(agent) == 1
    resume = lots.executer(lecture_resume_orientations(agent))
    assert resume == {"en_attente": 2, "a_revoir": 0, "en_cours": 1}
    RendezVous.objects.filter(pk=rdv.pk).update(statut="annule_cpas")
    assert len(requetes_de_la_page(client, "/")) == plancher + 1
