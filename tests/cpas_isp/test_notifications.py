"""The bell and the notifications list: unread count, wording built at display time, need-to-know,
opening and marking read (htmx), another user's notification, the daily digest, anonymisation."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from freezegun import freeze_time

from beneficiaires.conservation import anonymiser_personnes
from cpas_isp.models import NatureNotification, Notification, Role
from cpas_isp.notifications import envoyer_resumes, marquer_lue, notifier
from cpas_isp.tasks import envoyer_resumes_notifications
from tests.beneficiaires.factories import BeneficiaireFactory
from tests.partenaires.factories import OrientationFactory, ServiceFactory

N = NatureNotification


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, email="agent@example.org")


@pytest.fixture
def personne(cpas_a, agent):
    return BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Vandenbroucke", prenom="Ysaline")


@pytest.fixture
def orientation(personne, agent):
    return OrientationFactory(
        beneficiaire=personne,
        agent=agent,
        service=ServiceFactory(nom="Formation cariste"),
        statut="acceptee",
    )


def _notifier(user, orientation, nature=N.ORIENTATION_REPONSE):
    notifier(
        [user],
        nature,
        cpas=orientation.cpas_id,
        objet=orientation,
        personne_id=orientation.beneficiaire_id,
        lien=f"/partenaires/orientations/{orientation.pk}/",
    )
    return Notification.objects.filter(destinataire=user).latest("id")


def test_the_bell_shows_the_unread_count(client_for, agent, orientation):
    client = client_for(agent)
    page = client.get("/").content.decode()
    assert 'id="bouton-cloche"' in page and "badge rounded-pill" not in page
    _notifier(agent, orientation)
    _notifier(agent, orientation, N.ORIENTATION_MESSAGE)
    page = client.get("/").content.decode()
    assert '>2<span class="visually-hidden"> non lues</span>' in page


def test_partner_users_have_no_bell(client_for, make_user, cpas_a):
    partenaire = make_user(Role.PARTENAIRE, cpas_a)
    assert (
        'id="bouton-cloche"'
        not in client_for(partenaire).get("/partenaires/portail/").content.decode()
    )
    assert client_for(partenaire).get("/notifications/").status_code == 404


def test_the_bell_adds_one_query_whatever_the_number_of_notifications(
    client_for, agent, orientation, requetes_de_la_page
):
    client = client_for(agent)
    client.get("/accessibilite/")
    avant = requetes_de_la_page(client, "/accessibilite/")
    assert sum("cpas_isp_notification" in q["sql"] for q in avant) == 1
    for _ in range(5):
        _notifier(agent, orientation)
    assert len(requetes_de_la_page(client, "/accessibilite/")) == len(avant)


@pytest.mark.parametrize(
    "role, url",
    [
        (Role.ADMIN, "/audit/"),
        (Role.COORDINATEUR, "/trajets/article60/"),
        (Role.COORDINATEUR, "/trajets/files/emploi/"),
    ],
)
def test_pages_reading_the_bell_with_their_figures_show_its_count(
    role, url, client_for, make_user, cpas_a, orientation, requetes_de_la_page
):
    """The audit page, the article 60 occupancy and the cellule queue read the bell's count in
    the round trip of their own statements: the navbar shows the user's unread count, and no
    statement of the page counts the notifications alone."""
    user = make_user(role, cpas_a)
    client = client_for(user)
    client.get(url)  # first page of the session
    for _ in range(3):
        _notifier(user, orientation)
    marquer_lue(Notification.objects.filter(destinataire=user).earliest("id"))
    requetes = requetes_de_la_page(client, url)
    assert not any(
        q["sql"].lstrip().startswith("SELECT COUNT(*) FROM cpas_isp_notification") for q in requetes
    )
    assert '>2<span class="visually-hidden"> non lues</span>' in client.get(url).content.decode()


def test_the_bell_counts_the_current_cpas_only(client_for, agent, orientation, cpas_b):
    from tests.cpas_isp.factories import MembershipFactory

    MembershipFactory(user=agent, cpas=cpas_b, role=Role.AGENT)
    _notifier(agent, OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_b)))
    _notifier(agent, orientation)
    _notifier(agent, orientation, N.ORIENTATION_MESSAGE)
    client = client_for(agent)
    assert '>2<span class="visually-hidden"> non lues</span>' in client.get("/").content.decode()
    client.post("/cpas/changer/", {"cpas": cpas_b.pk})
    page = client.get("/beneficiaires/").content.decode()
    assert '>1<span class="visually-hidden"> non lues</span>' in page


def test_the_page_after_opening_a_notification_counts_one_fewer(client_for, agent, orientation):
    n = _notifier(agent, orientation)
    _notifier(agent, orientation, N.ORIENTATION_MESSAGE)
    client = client_for(agent)
    r = client.post(f"/notifications/{n.pk}/ouvrir/", follow=True)
    assert '>1<span class="visually-hidden"> non lues</span>' in r.content.decode()


def test_panel_is_worded_at_display_time_without_stored_text(client_for, agent, orientation):
    n = _notifier(agent, orientation)
    assert "Ysaline" not in str(Notification.objects.filter(pk=n.pk).values().get())
    r = client_for(agent).get("/notifications/", headers={"HX-Request": "true"})
    html = r.content.decode()
    assert "<html" not in html  # a fragment for the bell's panel
    assert "Orientation : réponse du partenaire" in html
    assert "Ysaline Vandenbroucke" in html and "Formation cariste — Acceptée" in html
    assert 'hx-swap-oob="true"' in html


def test_panel_in_dutch(client_for, agent, orientation):
    _notifier(agent, orientation)
    client = client_for(agent)
    client.cookies["django_language"] = "nl"
    html = client.get("/notifications/", headers={"HX-Request": "true"}).content.decode()
    assert "Doorverwijzing: antwoord van de partner" in html
    assert "Alles als gelezen markeren" in html


def test_the_list_writes_the_access_log(client_for, agent, orientation):
    from cpas_isp.models import JournalAcces

    _notifier(agent, orientation)
    client_for(agent).get("/notifications/")
    assert JournalAcces.objects.filter(user=agent, personnes=[orientation.beneficiaire_id]).exists()


def test_opening_marks_read_and_follows_the_link(client_for, agent, orientation):
    n = _notifier(agent, orientation)
    r = client_for(agent).post(f"/notifications/{n.pk}/ouvrir/")
    assert r.status_code == 302 and r["Location"] == f"/partenaires/orientations/{orientation.pk}/"
    n.refresh_from_db()
    assert n.lue_le is not None
    assert "badge rounded-pill" not in client_for(agent).get("/").content.decode()


def test_mark_all_read_with_htmx_updates_the_panel_and_the_badge(client_for, agent, orientation):
    _notifier(agent, orientation)
    _notifier(agent, orientation, N.ORIENTATION_CLOTUREE)
    r = client_for(agent).post("/notifications/tout-lu/", headers={"HX-Request": "true"})
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert '<span id="badge-notifications" hx-swap-oob="true"></span>' in html
    assert not Notification.objects.filter(destinataire=agent, lue_le__isnull=True).exists()


def test_another_users_notification_is_404(client_for, agent, make_user, cpas_a, orientation):
    collegue = make_user(Role.AGENT, cpas_a)
    n = _notifier(collegue, orientation)
    assert client_for(agent).post(f"/notifications/{n.pk}/ouvrir/").status_code == 404
    n.refresh_from_db()
    assert n.lue_le is None
    assert client_for(agent).get(f"/notifications/{n.pk}/ouvrir/").status_code == 405


def test_another_cpas_notifications_are_not_shown_nor_counted(
    client_for, agent, orientation, cpas_b
):
    from tests.cpas_isp.factories import MembershipFactory

    MembershipFactory(user=agent, cpas=cpas_b, role=Role.AGENT)
    autre = OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_b))
    _notifier(agent, autre)
    html = client_for(agent).get("/notifications/").content.decode()
    assert "Aucune notification." in html


def test_person_out_of_sight_shows_no_name_and_no_link(
    client_for, agent, make_user, cpas_a, orientation
):
    n = _notifier(agent, orientation)
    personne = orientation.beneficiaire
    personne.referent = make_user(Role.AGENT, cpas_a)  # reassigned: no longer the agent's
    personne.save()
    client = client_for(agent)
    html = client.get("/notifications/").content.decode()
    assert "Vandenbroucke" not in html and "Formation cariste" not in html
    assert "Personne que vous ne suivez plus" in html
    r = client.post(f"/notifications/{n.pk}/ouvrir/")
    assert r["Location"] == "/notifications/"


def test_digest_opt_in_form(client_for, agent):
    client = client_for(agent)
    assert "Résumé quotidien par e-mail" in client.get("/").content.decode()
    r = client.post("/notifications/preferences/", {"resume_notifications": "on"})
    assert r.status_code == 302
    agent.refresh_from_db()
    assert agent.resume_notifications


def test_digest_links_only_once_a_day_in_the_users_language(agent, orientation, make_user, cpas_a):
    agent.resume_notifications = True
    agent.save()
    neerlandophone = make_user(Role.AGENT, cpas_a, email="nl@example.org", langue="nl")
    neerlandophone.resume_notifications = True
    neerlandophone.save()
    sans_opt_in = make_user(Role.AGENT, cpas_a, email="non@example.org")
    with freeze_time("2026-03-10 05:00"):
        for user in (agent, agent, agent, neerlandophone, sans_opt_in):
            _notifier(user, orientation)
    mail.outbox.clear()
    with freeze_time("2026-03-10 06:00"):
        assert envoyer_resumes() == 2
        assert envoyer_resumes() == 0  # same day: nothing more
    par_adresse = {m.to[0]: m for m in mail.outbox}
    assert set(par_adresse) == {"agent@example.org", "nl@example.org"}
    corps = par_adresse["agent@example.org"].body
    assert "3 nouvelles notifications" in corps and "/notifications/" in corps
    assert "1 nieuwe melding" in par_adresse["nl@example.org"].body
    personne = orientation.beneficiaire
    for m in mail.outbox:
        for donnee in (personne.nom, personne.prenom, personne.niss, "Formation cariste"):
            assert donnee not in m.body and donnee not in m.subject
    # The next day: only what came since.
    mail.outbox.clear()
    with freeze_time("2026-03-11 06:00"):
        assert envoyer_resumes() == 0
        _notifier(agent, orientation)
        assert envoyer_resumes_notifications() == 1
    assert "1 nouvelle notification :" in mail.outbox[0].body


def test_digest_is_scheduled(db):
    planifiee = PeriodicTask.objects.get(task="cpas_isp.envoyer_resumes_notifications")
    assert planifiee.enabled and planifiee.crontab.hour == "7"


def test_anonymising_a_person_deletes_their_notifications(agent, orientation, cpas_a):
    _notifier(agent, orientation)
    autre = OrientationFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a), agent=agent)
    _notifier(agent, autre)
    personne = orientation.beneficiaire
    personne.date_cloture = timezone.localdate() - datetime.timedelta(days=4000)
    personne.save()
    anonymiser_personnes([personne.pk], cpas_id=cpas_a.pk)
    assert list(Notification.objects.values_list("personne_id", flat=True)) == [
        autre.beneficiaire_id
    ]
