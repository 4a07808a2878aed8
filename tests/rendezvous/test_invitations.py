"""Invitations and convocations: invite → the person books on the booking page → outcome →
journal step; expiry and no-shows to the "to convene" queue; a slot taken meanwhile; the
cut-off; access; rate limits; the letters (pdftotext) in French and Dutch."""

import datetime
import re
import shutil
import subprocess

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rendezvous import services_invitations, tasks
from rendezvous.journalisation import masquer
from rendezvous.models import (
    Envoi,
    Invitation,
    OrigineRendezVous,
    Participant,
    RendezVous,
    StatutInvitation,
    StatutRendezVous,
)
from rendezvous.queries import agenda_de, creneaux_pour
from rendezvous.views.invitations import CLE_JETONS
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory
from trajets.models import Etape

from .factories import disponibilite, lieu, moment, planifier, type_rdv


@pytest.fixture(autouse=True)
def _compteurs_vides():
    """Rate-limit counters start empty (every test client comes from 127.0.0.1)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def agent(cpas_a, make_user):
    return make_user(Role.AGENT, cpas_a, cellule="emploi", first_name="Anne", last_name="Agent")


@pytest.fixture
def agenda(agent, cpas_a):
    """The agent's agenda, open every day 9:00–12:00 in 30-minute slots."""
    a = agenda_de(agent, cpas_a.pk)
    bureau = lieu(cpas_a, "Bureau ISP")
    bureau.adresse = "Rue de l'Église 12"
    bureau.indications = "Tram 81, arrêt Maison communale."
    bureau.save()
    for jour in range(7):
        r = disponibilite(a, jour=jour, de="09:00", a="12:00")
        r.lieu = bureau
        r.save()
    return a


@pytest.fixture
def b(cpas_a, agent):
    b = BeneficiaireFactory(
        cpas=cpas_a, referent=agent, nom="Vandermeulen", prenom="Yasmina", langue="fr"
    )
    PassageFactory(beneficiaire=b, phase="emploi", debut=datetime.date(2024, 1, 1))
    DroitFactory(beneficiaire=b, debut=timezone.localdate() - datetime.timedelta(days=20))
    return b


def _inviter(client, b, agenda, **champs):
    data = {
        "mode": "invitation",
        "agenda": agenda.pk,
        "type": type_rdv("premier_entretien_isp").pk,
        "canaux": ["lettre"],
        **champs,
    }
    return client.post(reverse("rendezvous:inviter", args=[b.pk]), data)


def _jeton_de(client):
    """The fresh link kept in the agent's session until the letter is printed."""
    (jeton,) = client.session[CLE_JETONS].values()
    return jeton


def _url(jeton, **params):
    url = reverse("rendezvous:reserver", kwargs={"jeton": jeton})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def _creneaux(html):
    return re.findall(r"creneau=([0-9T:-]+)", html)


def _au_passe(rdv, heures=1):
    """The day of the appointment came: move it to an hour ago."""
    debut = timezone.now() - datetime.timedelta(hours=heures)
    fin = debut + (rdv.fin - rdv.debut)
    RendezVous.objects.filter(pk=rdv.pk).update(debut=debut, fin=fin)
    Participant.objects.filter(rendez_vous=rdv).update(debut=debut, fin=fin)
    rdv.refresh_from_db()
    return rdv


# --- The journey ------------------------------------------------------------------------------


def test_invitation_booked_on_the_page_then_seen_writes_the_step(agent, agenda, b, client_for):
    client = client_for(agent)
    response = _inviter(client, b, agenda)
    assert response.status_code == 302
    invitation = Invitation.objects.get(beneficiaire=b)
    assert invitation.statut == StatutInvitation.EN_ATTENTE and invitation.mode == "invitation"
    jeton = _jeton_de(client)
    assert invitation.jeton != jeton and len(invitation.jeton) == 64  # only the hash is stored
    validite = invitation.expire_le - timezone.now()
    assert datetime.timedelta(days=9, hours=23) < validite <= datetime.timedelta(days=10)

    personne = Client()
    page = personne.get(_url(jeton))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Yasmina" in html and "Vandermeulen" not in html  # the first name only
    assert page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    creneaux = _creneaux(html)
    assert creneaux
    # Slots start after the cut-off (24 hours) and last the kind's 60 minutes.
    premier = datetime.datetime.fromisoformat(creneaux[0]).replace(tzinfo=datetime.UTC)
    assert premier > timezone.now() + datetime.timedelta(hours=24)
    confirmation = personne.get(_url(jeton, creneau=creneaux[0]))
    assert "Confirmez votre choix" in confirmation.content.decode()
    response = personne.post(_url(jeton), {"creneau": creneaux[0], "lang": "fr"})
    assert response.status_code == 302
    assert "Votre rendez-vous est réservé" in personne.get(response["Location"]).content.decode()

    invitation.refresh_from_db()
    rdv = invitation.rendez_vous
    assert invitation.statut == StatutInvitation.RESERVEE
    assert rdv.origine == OrigineRendezVous.INVITATION and rdv.debut == premier
    assert rdv.duree == 60 and rdv.agent == agent and rdv.lieu.nom == "Bureau ISP"
    assert list(rdv.participants.values_list("beneficiaire", flat=True)) == [b.pk]

    _au_passe(rdv)
    client.post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "vu"})
    etape = Etape.objects.get(beneficiaire=b)
    assert etape.type.code == "entretien_individuel" and etape.duree == 60
    # The first interview was held: the person leaves the queue of people to invite.
    file = client.get(reverse("rendezvous:file", args=["premier-entretien"]))
    assert "Vandermeulen" not in file.content.decode()


def test_convocation_fixes_a_free_slot_with_its_invitation_row(agent, agenda, b, client_for):
    client = client_for(agent)
    form = client.get(reverse("rendezvous:inviter", args=[b.pk]), {"mode": "convocation"})
    motif = r'<option value="(\d{4}-\d\d-\d\dT\d\d:\d\d)"'
    creneau = re.search(motif, form.content.decode()).group(1)
    response = _inviter(client, b, agenda, mode="convocation", creneau=creneau)
    assert response.status_code == 302
    invitation = Invitation.objects.get(beneficiaire=b)
    assert invitation.mode == "convocation" and invitation.statut == StatutInvitation.RESERVEE
    assert invitation.rendez_vous.origine == OrigineRendezVous.CONVOCATION
    assert invitation.rendez_vous.participants.get().beneficiaire == b


def test_convocation_without_a_slot_is_refused_and_nothing_is_saved(agent, agenda, b, client_for):
    response = _inviter(client_for(agent), b, agenda, mode="convocation", creneau="")
    assert response.status_code == 200
    assert "Choisissez le créneau de la convocation" in response.content.decode()
    assert not Invitation.objects.exists() and not RendezVous.objects.exists()


# --- The queues ---------------------------------------------------------------------------------


def test_expired_invitation_lands_in_the_queue_and_its_link_stops(agent, agenda, b, client_for):
    client = client_for(agent)
    _inviter(client, b, agenda)
    jeton = _jeton_de(client)
    Invitation.objects.update(expire_le=timezone.now() - datetime.timedelta(minutes=1))
    assert tasks.expirer_invitations() == 1
    assert Invitation.objects.get().statut == StatutInvitation.EXPIREE
    file = client.get(reverse("rendezvous:file", args=["a-convoquer"])).content.decode()
    assert "Vandermeulen" in file and "invitation expirée le" in file
    # The expired link and an unknown one answer the same page.
    expire, inconnu = Client().get(_url(jeton)), Client().get(_url("x" * 32))
    assert expire.status_code == inconnu.status_code == 404
    assert expire.content == inconnu.content
    # Invited again: out of the queue.
    _inviter(client, b, agenda)
    file = client.get(reverse("rendezvous:file", args=["a-convoquer"])).content.decode()
    assert "Vandermeulen" not in file


def test_a_no_show_lands_in_the_queue_until_a_later_appointment(agent, b, client_for):
    hier = timezone.localdate() - datetime.timedelta(days=1)
    rdv = planifier(agent, b, moment(hier, "10:00"))
    client = client_for(agent)
    client.post(reverse("rendezvous:statut", args=[rdv.pk]), {"statut": "absent"})
    url = reverse("rendezvous:file", args=["a-convoquer"])
    assert "absent(e) le" in client.get(url).content.decode()
    planifier(agent, b, moment(timezone.localdate() + datetime.timedelta(days=3), "10:00"))
    assert "Vandermeulen" not in client.get(url).content.decode()


def test_a_no_show_at_a_collective_session_lands_in_the_queue(agent, b, cpas_a, client_for):
    """The session was held (someone came) but this person did not come: to convene; the
    one who came and the one excused are not."""
    from rendezvous import services

    venu = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Venu")
    excuse = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Excuse")
    hier = timezone.localdate() - datetime.timedelta(days=1)
    rdv = planifier(agent, [b, venu, excuse], moment(hier, "14:00"), 90, "information_collective")
    services.noter_issue_participant(rdv, venu.pk, "vu", agent)
    services.noter_issue_participant(rdv, b.pk, "absent", agent)
    services.noter_issue_participant(rdv, excuse.pk, "excuse", agent)
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.VU
    html = client_for(agent).get(reverse("rendezvous:file", args=["a-convoquer"]))
    html = html.content.decode()
    assert "Vandermeulen" in html and "absent(e) le" in html
    assert "Venu" not in html and "Excuse" not in html


def test_first_interview_queue_lists_running_ris_rights_without_one(agent, b, cpas_a, client_for):
    sans_droit = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Sansdroit")
    fini = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Droitfini")
    DroitFactory(beneficiaire=fini, debut=datetime.date(2020, 1, 1), fin=datetime.date(2021, 1, 1))
    html = client_for(agent).get(reverse("rendezvous:file", args=["premier-entretien"]))
    html = html.content.decode()
    assert "Vandermeulen" in html
    assert sans_droit.nom not in html and fini.nom not in html


def test_bulk_invitation_from_the_queue(agent, agenda, b, cpas_a, client_for):
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Deuxieme")
    DroitFactory(beneficiaire=autre)
    client = client_for(agent)
    response = client.post(
        reverse("rendezvous:inviter_groupe"),
        {
            "beneficiaires": [b.pk, autre.pk],
            "agenda": agenda.pk,
            "type": type_rdv("premier_entretien_isp").pk,
            "canaux": ["lettre"],
        },
    )
    assert response.status_code == 200
    assert "2 personnes invitées" in response.content.decode()
    assert Invitation.objects.filter(statut="en_attente").count() == 2
    assert len(client.session[CLE_JETONS]) == 2


def test_queue_query_count_does_not_grow(agent, b, cpas_a, client_for, requetes_de_la_page):
    client = client_for(agent)
    urls = [reverse("rendezvous:file", args=[q]) for q in ("premier-entretien", "a-convoquer")]

    def absent(p, jours):
        jour = timezone.localdate() - datetime.timedelta(days=jours)
        rdv = planifier(agent, p, moment(jour, "10:00"))
        RendezVous.objects.filter(pk=rdv.pk).update(statut=StatutRendezVous.ABSENT)

    absent(b, 1)  # one row in each queue
    client.get(urls[0])
    avant = [len(requetes_de_la_page(client, url)) for url in urls]
    for n in range(4):
        p = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom=f"Ajout{n}")
        DroitFactory(beneficiaire=p)
        absent(p, n + 2)
    apres = [requetes_de_la_page(client, url) for url in urls]
    for url in urls:
        assert "Ajout3" in client.get(url).content.decode(), url
    assert all(len(q) <= n for q, n in zip(apres, avant, strict=True))


# --- Booking page: slot taken, cut-off ---------------------------------------------------------


def test_a_slot_taken_meanwhile_gives_a_message_and_saves_nothing(agent, agenda, b, cpas_a):
    invitation, jeton = services_invitations.inviter(
        b, agenda, type_rdv("premier_entretien_isp"), ["email"], agent
    )
    personne = Client()
    creneau = _creneaux(personne.get(_url(jeton)).content.decode())[0]
    debut = datetime.datetime.fromisoformat(creneau).replace(tzinfo=datetime.UTC)
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    planifier(agent, autre, debut, 30)  # someone else got the slot
    response = personne.post(_url(jeton), {"creneau": creneau})
    html = response.content.decode()
    assert response.status_code == 200 and "n&#x27;est plus libre" in html
    assert creneau not in _creneaux(html)  # fresh slots
    invitation.refresh_from_db()
    assert invitation.statut == StatutInvitation.EN_ATTENTE
    assert not RendezVous.objects.filter(participants__beneficiaire=b).exists()


def test_a_race_on_the_slot_is_refused_by_the_database(agent, agenda, b, cpas_a, monkeypatch):
    invitation, jeton = services_invitations.inviter(
        b, agenda, type_rdv("premier_entretien_isp"), ["email"], agent
    )
    creneaux = services_invitations.creneaux_de_l_invitation(invitation)
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    planifier(agent, autre, creneaux[0].debut, 30)
    # The slots were computed before the other booking was written.
    monkeypatch.setattr(services_invitations, "creneaux_de_l_invitation", lambda i: creneaux)
    response = Client().post(_url(jeton), {"creneau": creneaux[0].valeur})
    assert "vient d&#x27;être pris" in response.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).statut == StatutInvitation.EN_ATTENTE
    assert RendezVous.objects.count() == 1


def _reserve(b, agenda, agent):
    invitation, jeton = services_invitations.inviter(b, agenda, type_rdv("suivi"), ["email"], agent)
    creneau = services_invitations.creneaux_de_l_invitation(invitation)[0]
    return services_invitations.reserver(jeton, creneau.valeur), jeton


def test_the_person_cancels_and_rebooks_before_the_cut_off(agent, agenda, b):
    invitation, jeton = _reserve(b, agenda, agent)
    ancien = invitation.rendez_vous
    personne = Client()
    page = personne.get(_url(jeton, changer=1)).content.decode()
    autre = [c for c in _creneaux(page) if c != ancien.debut.strftime("%Y-%m-%dT%H:%M")][1]
    personne.post(_url(jeton), {"creneau": autre})
    ancien.refresh_from_db()
    invitation.refresh_from_db()
    assert ancien.statut == StatutRendezVous.ANNULE_PERSONNE
    assert invitation.rendez_vous != ancien and invitation.statut == StatutInvitation.RESERVEE
    response = personne.post(reverse("rendezvous:reserver_annuler", args=[jeton]))
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.statut == StatutInvitation.EN_ATTENTE  # may book again while valid
    assert invitation.rendez_vous.statut == StatutRendezVous.ANNULE_PERSONNE


def test_no_change_after_the_cut_off(agent, agenda, b):
    invitation, jeton = _reserve(b, agenda, agent)
    rdv = invitation.rendez_vous
    debut = timezone.now() + datetime.timedelta(hours=5)  # within the 24 hours
    RendezVous.objects.filter(pk=rdv.pk).update(debut=debut, fin=debut + (rdv.fin - rdv.debut))
    personne = Client()
    page = personne.get(_url(jeton)).content.decode()
    assert "Annuler ce rendez-vous" not in page and "appelez le CPAS" in page
    response = personne.post(reverse("rendezvous:reserver_annuler", args=[jeton]))
    assert "fait=ferme" in response["Location"]
    rdv.refresh_from_db()
    assert rdv.statut == StatutRendezVous.PLANIFIE


# --- Access ---------------------------------------------------------------------------------------


def test_another_cpas_invitation_is_404(agent, agenda, b, cpas_b, make_user, client_for):
    invitation, _jeton = services_invitations.inviter(
        b, agenda, type_rdv("suivi"), ["lettre"], agent
    )
    ailleurs = make_user(Role.COORDINATEUR, cpas_b)
    client = client_for(ailleurs)
    assert client.post(reverse("rendezvous:retirer", args=[invitation.pk])).status_code == 404
    response = client.post(reverse("rendezvous:imprimer"), {"invitation": invitation.pk})
    assert response.status_code == 302 and not Envoi.objects.exists()
    assert client.get(reverse("rendezvous:inviter", args=[b.pk])).status_code == 404


@pytest.mark.parametrize("role", [Role.PARTENAIRE, Role.DIRECTEUR])
def test_partners_and_directors_have_no_invitation_pages(role, b, cpas_a, make_user, client_for):
    client = client_for(make_user(role, cpas_a))
    for url in (
        reverse("rendezvous:inviter", args=[b.pk]),
        reverse("rendezvous:file", args=["a-convoquer"]),
        reverse("rendezvous:file", args=["premier-entretien"]),
    ):
        assert client.get(url).status_code in (403, 404)


def test_a_token_only_opens_its_own_invitation(agent, agenda, b, cpas_a):
    autre = BeneficiaireFactory(cpas=cpas_a, referent=agent, prenom="Autreprenom")
    _inv, jeton = _reserve(b, agenda, agent)
    inv_autre, jeton_autre = _reserve(autre, agenda, agent)
    personne = Client()
    assert "Autreprenom" not in personne.get(_url(jeton)).content.decode()
    assert personne.get(_url(jeton + "x")).status_code == 404
    personne.post(reverse("rendezvous:reserver_annuler", args=[jeton]))
    inv_autre.refresh_from_db()
    assert inv_autre.rendez_vous.statut == StatutRendezVous.PLANIFIE


def test_rate_limit_per_token_and_unknown_links_per_address(agent, agenda, b, settings):
    settings.LIMITES_PUBLIQUES = {"cle": (3, 600), "inconnu": (2, 3600)}
    _inv, jeton = services_invitations.inviter(b, agenda, type_rdv("suivi"), ["sms"], agent)
    personne = Client()
    assert [personne.get(_url(jeton)).status_code for _ in range(4)] == [200, 200, 200, 429]
    cache.clear()
    codes = [Client().get(_url(f"inconnu{n}")).status_code for n in range(3)]
    assert codes == [404, 404, 429]
    assert Client().get(_url(jeton)).status_code == 429  # the address is blocked


def test_a_cache_server_out_of_order_keeps_the_booking_page_and_its_limits(
    agent, agenda, b, settings, monkeypatch, caplog
):
    """Redis down: the page still answers, and the limits are counted in the process meanwhile
    (the same answers as above), each failure logged."""

    def en_panne(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for operation in ("add", "incr", "get", "set"):
        monkeypatch.setattr(cache, operation, en_panne)
    settings.LIMITES_PUBLIQUES = {"cle": (3, 600), "inconnu": (2, 3600)}
    _inv, jeton = services_invitations.inviter(b, agenda, type_rdv("suivi"), ["sms"], agent)
    personne = Client()
    assert [personne.get(_url(jeton)).status_code for _ in range(4)] == [200, 200, 200, 429]
    codes = [Client().get(_url(f"inconnu{n}")).status_code for n in range(2)]
    assert codes == [404, 404]
    assert Client().get(_url(jeton)).status_code == 429  # the address is blocked
    assert "Rate limits: the cache failed, counted in this process" in caplog.text


def test_the_token_is_masked_in_the_logs():
    assert masquer('"GET /rendezvous/rdv/AbC_123-xyz/ HTTP/1.1" 200') == (
        '"GET /rendezvous/rdv/***/ HTTP/1.1" 200'
    )


def test_booking_page_in_dutch_by_default_for_a_dutch_speaker(agent, agenda, cpas_a):
    nl = BeneficiaireFactory(cpas=cpas_a, referent=agent, prenom="Jan", langue="nl")
    _inv, jeton = services_invitations.inviter(nl, agenda, type_rdv("suivi"), ["sms"], agent)
    html = Client().get(_url(jeton)).content.decode()
    assert 'lang="nl"' in html and "Kies" in html
    assert "Choisissez" in Client().get(_url(jeton, lang="fr")).content.decode()


# --- Letters ------------------------------------------------------------------------------------


def _texte_pdf(contenu, tmp_path):
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    chemin = tmp_path / "lettres.pdf"
    chemin.write_bytes(contenu)
    resultat = subprocess.run(["pdftotext", str(chemin), "-"], capture_output=True, check=True)
    return " ".join(resultat.stdout.decode().split())


def test_letters_in_french_and_dutch_in_one_pdf(agent, agenda, b, cpas_a, client_for, tmp_path):
    cpas_a.adresse, cpas_a.telephone = "Rue Haute 1", "02 555 12 12"
    cpas_a.save()
    nl = BeneficiaireFactory(cpas=cpas_a, referent=agent, nom="Peeters", prenom="Jan", langue="nl")
    client = client_for(agent)
    _inviter(client, b, agenda)
    (fr_pk,) = Invitation.objects.values_list("pk", flat=True)
    jeton = _jeton_de(client)
    convoc = services_invitations.convoquer(
        nl,
        agenda,
        type_rdv("suivi"),
        creneaux_pour(agenda, 30)[0].valeur,
        ["lettre"],
        agent,
    )
    response = client.post(reverse("rendezvous:imprimer"), {"invitation": [fr_pk, convoc.pk]})
    assert response["Content-Type"] == "application/pdf"
    texte = _texte_pdf(response.content, tmp_path)
    # French: the invitation with its link (the one just created) and its validity.
    assert "Invitation : Premier entretien ISP" in texte
    assert jeton in texte.replace(" ", "")
    assert "Ce lien est valable jusqu'au" in texte and "Rue Haute 1" in texte
    assert "Votre carte d'identité" in texte
    # Dutch: the convocation with date, time and place.
    assert "Oproeping: Opvolgingsgesprek" in texte
    assert "Bureau ISP" in texte and "Tram 81" in texte and "Uw identiteitskaart" in texte
    # Each label's colon as Dutch writes it (no space before it).
    for label in ("Datum", "Plaats", "Met", "Mee te brengen"):
        assert f"{label}: " in texte and f"{label} :" not in texte, label
    envois = Envoi.objects.order_by("nature")
    assert [(e.canal, e.statut, e.nature) for e in envois] == [
        ("lettre", "imprime", "convocation"),
        ("lettre", "imprime", "invitation"),
    ]
    # The link of the letter works (it was the fresh one, not replaced).
    assert Client().get(_url(jeton)).status_code == 200


# --- Messages -----------------------------------------------------------------------------------


def test_invitation_and_booking_are_sent_by_e_mail_with_the_link_and_the_ics(
    agent, agenda, b, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    b.email = "yasmina@example.org"
    b.save()
    client = client_for(agent)
    with django_capture_on_commit_callbacks(execute=True):
        _inviter(client, b, agenda, canaux=["email", "lettre"])
    jeton = _jeton_de(client)
    (invitation_mail,) = mailoutbox
    assert invitation_mail.to == ["yasmina@example.org"]
    assert _url(jeton) in invitation_mail.body
    personne = Client()
    creneau = _creneaux(personne.get(_url(jeton)).content.decode())[0]
    with django_capture_on_commit_callbacks(execute=True):
        personne.post(_url(jeton), {"creneau": creneau})
    confirmation = mailoutbox[1]
    (piece,) = confirmation.attachments
    assert "BEGIN:VCALENDAR" in piece.get_payload(decode=True).decode()
    natures = set(Envoi.objects.values_list("nature", "canal", "statut"))
    assert natures == {("invitation", "email", "envoye"), ("confirmation", "email", "envoye")}


def test_the_queue_and_the_invitation_form_write_the_access_log(agent, b, client_for):
    from cpas_isp.models import JournalAcces

    client = client_for(agent)
    client.get(reverse("rendezvous:file", args=["premier-entretien"]))
    assert JournalAcces.objects.filter(user=agent, personnes__contains=[b.pk]).count() == 1
    client.get(reverse("rendezvous:inviter", args=[b.pk]))
    assert JournalAcces.objects.filter(user=agent, personnes__contains=[b.pk]).count() == 2
