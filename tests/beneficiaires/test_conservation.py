"""Retention: the dry run, anonymisation (what is erased, what stays, legal hold, batches,
resuming), the history and access log, reports identical before and after, the pages."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from activites import fse
from beneficiaires import conservation, registre
from beneficiaires.models import (
    Anonymisation,
    Beneficiaire,
    GelDossier,
    RegleConservation,
    StatutAnonymisation,
)
from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.conservation_helpers import ans_avant, dossier_complet, tables_contenant


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, cellule="facilitateurs")


@pytest.fixture
def admin_a(make_user, cpas_a):
    return make_user(Role.ADMIN, cpas_a)


def _executer(cpas, user, taille_lot=None):
    run = conservation.demander(cpas, user)
    return conservation.executer(run.pk, run.tache_id, taille_lot=taille_lot)


def test_dry_run_counts_and_changes_nothing(cpas_a, agent, admin_a, django_assert_max_num_queries):
    vieux, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(12))
    plus_vieux, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(15))
    gele, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    GelDossier.objects.create(cpas=cpas_a, beneficiaire=gele, motif="Recours", par=agent)
    dossier_complet(cpas_a, agent, cloture=ans_avant(9))  # not yet
    dossier_complet(cpas_a, agent, cloture=None)  # open
    avant = tables_contenant(secret)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM beneficiaires_beneficiaireevent")
        evenements = cursor.fetchone()[0]

    apercu = conservation.apercu(cpas_a)

    assert apercu.annees == 10
    assert apercu.nb_dossiers == 2
    assert apercu.plus_ancienne_cloture == plus_vieux.date_cloture
    assert apercu.nb_geles == 1
    assert tables_contenant(secret) == avant
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM beneficiaires_beneficiaireevent")
        assert cursor.fetchone()[0] == evenements
    assert not Beneficiaire.objects.filter(anonymise_le__isnull=False).exists()


def test_rule_of_the_cpas_sets_the_limit(cpas_a, agent, admin_a):
    dossier_complet(cpas_a, agent, cloture=ans_avant(6))
    assert conservation.apercu(cpas_a).nb_dossiers == 0
    RegleConservation.objects.create(cpas=cpas_a, annees=5, modifie_par=admin_a)
    assert conservation.apercu(cpas_a).nb_dossiers == 1
    # The day the period ends exactly is included; the next day's file is not.
    dossier_complet(cpas_a, agent, cloture=ans_avant(5))
    dossier_complet(cpas_a, agent, cloture=ans_avant(5) + datetime.timedelta(days=1))
    assert conservation.apercu(cpas_a).nb_dossiers == 2


def test_anonymisation_erases_every_secret_and_keeps_statistics(cpas_a, agent, admin_a):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    niss, naissance, genre = b.niss, b.date_naissance, b.genre
    garde, secret_garde = dossier_complet(cpas_a, agent, cloture=None)
    assert tables_contenant(secret)  # everywhere before

    run = _executer(cpas_a, admin_a)

    assert run.statut == StatutAnonymisation.TERMINEE
    assert run.nb_prevus == run.nb_anonymises == 1
    assert tables_contenant(secret) == {}
    assert tables_contenant(niss) == {}
    b.refresh_from_db()
    assert b.anonymise_le is not None and b.niss is None and b.nom == b.prenom == ""
    assert b.email == b.telephone == b.adresse == ""
    assert str(b) == f"Dossier anonymisé n° {b.pk}"
    assert b.date_naissance == datetime.date(naissance.year, 1, 1) and b.genre == genre
    # What statistics count stays.
    assert b.passages.count() == 2 and b.droits.count() == 1
    assert b.piis.get().statut == "signe"
    assert b.participations_programmes.count() == 1
    assert b.orientations.get().statut == "proposee"
    # The other file is untouched.
    assert tables_contenant(secret_garde)
    garde.refresh_from_db()
    assert garde.anonymise_le is None


def test_anonymised_files_are_not_found_by_name_or_niss_and_accept_a_new_file(
    cpas_a, agent, admin_a
):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    niss = b.niss
    _executer(cpas_a, admin_a)
    assert not Beneficiaire.objects.filter(nom_recherche__contains=secret.lower()).exists()
    # The person may come back: a new file with the same NISS is accepted.
    from tests.beneficiaires.factories import BeneficiaireFactory

    nouveau = BeneficiaireFactory(cpas=cpas_a, niss=niss, date_naissance=None)
    assert nouveau.niss == niss


def test_history_keeps_the_anonymisation_without_erased_values(cpas_a, agent, admin_a):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    Beneficiaire.objects.filter(pk=b.pk).update(nom=f"Autre{secret}")  # an older version
    assert tables_contenant(secret, seulement_historique=True)

    run = _executer(cpas_a, admin_a)

    assert tables_contenant(secret, seulement_historique=True) == {}
    assert run.nb_evenements > 0
    # The audit trail still says the file was anonymised, by which run.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.metadata FROM beneficiaires_beneficiaireevent e "
            "JOIN pghistory_context c ON c.id = e.pgh_context_id WHERE e.pgh_obj_id = %s",
            [b.pk],
        )
        contextes = [
            r[0] if isinstance(r[0], dict) else json.loads(r[0]) for r in cursor.fetchall()
        ]
    assert any(m.get("anonymisation") == run.pk for m in contextes)


def test_access_log_text_no_longer_names_the_person(cpas_a, agent, admin_a, client_for, make_user):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    coord = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coord)
    assert client.get(reverse("beneficiaires:detail", args=[b.pk])).status_code == 200
    autre, _ = dossier_complet(cpas_a, agent, cloture=None)
    JournalAcces.objects.create(  # a search result naming two people
        user=coord,
        cpas=cpas_a,
        personnes=[b.pk, autre.pk],
        objet=f"recherche Nom{secret}",
        page=f"/beneficiaires/?q=Nom{secret}",
    )
    lignes = JournalAcces.objects.filter(personnes__contains=[b.pk])
    assert lignes.count() >= 2
    assert any(secret in (j.objet + j.page) for j in lignes)

    run = _executer(cpas_a, admin_a)

    assert run.nb_consultations >= 2
    assert lignes.count() >= 2  # who consulted, when: kept
    for j in lignes.all():
        assert secret not in j.objet and secret not in j.page
        assert "?" not in j.page
    assert tables_contenant(secret) == {}


def test_legal_hold_is_respected(cpas_a, agent, admin_a):
    gele, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    GelDossier.objects.create(cpas=cpas_a, beneficiaire=gele, motif="Recours", par=agent)
    autre, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(11))

    run = _executer(cpas_a, admin_a)

    assert run.nb_anonymises == 1
    gele.refresh_from_db()
    assert gele.anonymise_le is None and tables_contenant(secret)
    # Even a batch asked for explicitly skips the held file.
    bilan = conservation.anonymiser_personnes([gele.pk], cpas_id=cpas_a.pk)
    assert bilan.dossiers == 0 and tables_contenant(secret)


def test_another_cpas_is_not_touched(cpas_a, cpas_b, agent, admin_a, make_user):
    agent_b = make_user(Role.AGENT, cpas_b, cellule="facilitateurs")
    _b, secret_b = dossier_complet(cpas_b, agent_b, cloture=ans_avant(11))
    dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    run = _executer(cpas_a, admin_a)
    assert run.nb_anonymises == 1
    assert tables_contenant(secret_b)


def test_batches_and_resuming_after_a_killed_worker(cpas_a, agent, admin_a, monkeypatch):
    secrets = [dossier_complet(cpas_a, agent, cloture=ans_avant(11))[1] for _ in range(5)]
    run = conservation.demander(cpas_a, admin_a)
    # The first worker is killed in its third batch (batches of two): no cleanup code runs.
    original = conservation.anonymiser_personnes
    lots = []

    def tue_au_troisieme_lot(ids, **kwargs):
        lots.append(list(ids))
        if len(lots) == 3:
            raise KeyboardInterrupt("SIGKILL")
        return original(ids, **kwargs)

    monkeypatch.setattr(conservation, "anonymiser_personnes", tue_au_troisieme_lot)
    with pytest.raises(KeyboardInterrupt):
        conservation.executer(run.pk, run.tache_id, taille_lot=2)
    run.refresh_from_db()
    assert run.statut == StatutAnonymisation.EN_COURS
    assert run.nb_anonymises == 4 and run.nb_lots == 2
    assert Beneficiaire.objects.filter(anonymise_le__isnull=False).count() == 4
    # While its lease runs, nobody else takes the run; once expired, the recovery task
    # queues it again under the same job id.
    envoyes = []
    monkeypatch.setattr(conservation, "_envoyer", envoyes.append)
    monkeypatch.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
    assert conservation.relancer_interrompues() == []
    Anonymisation.objects.filter(pk=run.pk).update(
        bail_expire_le=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert conservation.relancer_interrompues() == [run.pk]
    assert [r.tache_id for r in envoyes] == [run.tache_id]
    # The next worker continues with the file not done yet.
    monkeypatch.setattr(conservation, "anonymiser_personnes", original)
    fini = conservation.executer(run.pk, run.tache_id, taille_lot=2)

    assert fini.statut == StatutAnonymisation.TERMINEE
    assert fini.nb_anonymises == 5 and fini.nb_lots == 3 and fini.relances == 1
    assert fini.duree is not None
    for secret in secrets:
        assert tables_contenant(secret) == {}


def test_a_batch_is_all_or_nothing(cpas_a, agent, admin_a, monkeypatch):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    partie = registre.partie("rendezvous.Envoi")

    def panne(qs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(partie, "anonymiser", panne)
    run = _executer(cpas_a, admin_a)
    assert run.statut == StatutAnonymisation.ECHEC and "worker killed" in run.erreur
    b.refresh_from_db()
    assert b.anonymise_le is None and b.nom == f"Nom{secret}"
    # Nothing of the file was erased (the texts of earlier parts are still there).
    assert "trajets_etape" in tables_contenant(secret)
    assert "beneficiaires_bilansocioprofessionnelevent" in tables_contenant(secret)


def test_a_group_session_note_stays_until_its_last_participant_is_anonymised(
    cpas_a, agent, admin_a
):
    from rendezvous.models import RendezVous
    from tests.rendezvous.factories import moment, planifier

    clos, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    encore, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(8))  # kept 2 more years
    jour = ans_avant(12)
    seance = planifier(
        agent, [clos, encore], moment(jour, "14:00"), code="information_collective",
        note="Atelier CV : bonne dynamique de groupe",
    )  # fmt: skip
    seul = planifier(agent, clos, moment(jour, "10:00"), note="Entretien individuel")

    _executer(cpas_a, admin_a)

    # The other participant's file still needs the session's note; the individual one goes.
    assert RendezVous.objects.get(pk=seance.pk).note == "Atelier CV : bonne dynamique de groupe"
    assert RendezVous.objects.get(pk=seul.pk).note == registre.EFFACE
    # Once the last participant is anonymised too, the note is erased.
    conservation.anonymiser_personnes([encore.pk], cpas_id=cpas_a.pk)
    assert RendezVous.objects.get(pk=seance.pk).note == registre.EFFACE
    assert tables_contenant("bonne dynamique") == {}


def test_one_run_at_a_time(cpas_a, agent, admin_a):
    dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    conservation.demander(cpas_a, admin_a)
    with pytest.raises(conservation.DejaEnCours):
        conservation.demander(cpas_a, admin_a)


@pytest.mark.horloge_externe  # history events are stamped by PostgreSQL's now()
def test_prune_removes_old_events_and_access_log(cpas_a, agent, settings):
    b, _ = dossier_complet(cpas_a, agent, cloture=None)
    JournalAcces.objects.create(user=agent, cpas=cpas_a, personnes=[b.pk], objet="x", page="/")
    settings.HISTORIQUE_CONSERVATION_JOURS = 30
    settings.JOURNAL_ACCES_CONSERVATION_JOURS = 30
    assert conservation.elaguer_historique() == {
        "evenements": 0,
        "consultations": 0,
        "contextes": 0,
    }
    plus_tard = timezone.now() + datetime.timedelta(days=31)
    resultat = conservation.elaguer_historique(plus_tard, paquet=3)
    assert resultat["evenements"] > 3 and resultat["consultations"] == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM beneficiaires_beneficiaireevent")
        assert cursor.fetchone()[0] == 0
    settings.HISTORIQUE_CONSERVATION_JOURS = 0  # 0: kept for ever
    Beneficiaire.objects.filter(pk=b.pk).update(commune="Namur")
    assert conservation.elaguer_historique(plus_tard)["evenements"] == 0


# --- Reports identical before and after ---------------------------------------------------------


def _rapports(cpas):
    from rapports import suivi
    from rapports.queries import flux_mensuels, tableau_participation

    aujourdhui = timezone.localdate()
    debut = ans_avant(16)
    fins = [ans_avant(a) for a in range(16, -1, -1)]
    participation = [ligne.valeurs() for ligne in tableau_participation([cpas.pk], fins)]
    flux = flux_mensuels([cpas.pk], debut.replace(day=1), aujourdhui.replace(day=1))
    piis = suivi.conformite_piis([cpas.pk], debut, aujourdhui, aujourdhui)
    article60 = suivi.article60([cpas.pk], debut, aujourdhui, aujourdhui)
    orientations = suivi.orientations_par_partenaire([cpas.pk], debut, aujourdhui)
    # The ESF+ Annex I table of every project, by gender (activites.fse)
    fse_table = [
        (r.indicateur.code, r.par_genre, r.total)
        for r in fse.tableau(fse.lignes(Beneficiaire.objects.filter(cpas=cpas)))
    ]
    return repr((participation, flux, piis, article60, orientations, fse_table))


def test_reports_identical_before_and_after_anonymisation(cpas_a, agent, admin_a):
    for annees in (15, 13, 12, 11, 11, 9, 3):
        dossier_complet(cpas_a, agent, cloture=ans_avant(annees, jours=annees * 7))
    dossier_complet(cpas_a, agent, cloture=None)
    avant = _rapports(cpas_a)
    assert "'X': 0}, 8)" in avant  # the ESF+ table (8 participants) is compared too

    run = _executer(cpas_a, admin_a, taille_lot=2)

    assert run.nb_anonymises == 5
    assert _rapports(cpas_a) == avant


# --- Pages ---------------------------------------------------------------------------------------


def test_only_the_functional_administrator_of_the_cpas_sees_the_page(
    cpas_a, cpas_b, make_user, client_for
):
    url = reverse("beneficiaires:conservation")
    for role in (Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.PARTENAIRE):
        assert client_for(make_user(role, cpas_a)).get(url).status_code in (403, 404)
        reponse = client_for(make_user(role, cpas_a)).post(url, {"action": "anonymiser"})
        assert reponse.status_code in (403, 404)
    assert not Anonymisation.objects.exists()
    admin = make_user(Role.ADMIN, cpas_a)
    assert client_for(admin).get(url).status_code == 200
    # An administrator of another CPAS sees (and runs) only their own CPAS's retention.
    agent_a = make_user(Role.AGENT, cpas_a, cellule="facilitateurs")
    _b, secret = dossier_complet(cpas_a, agent_a, cloture=ans_avant(11))
    admin_b = make_user(Role.ADMIN, cpas_b)
    client_b = client_for(admin_b)
    assert 'id="nb-a-anonymiser">0<' in client_b.get(url).content.decode()
    client_b.post(url, {"action": "regle", "annees": "1"})
    assert RegleConservation.objects.get().cpas == cpas_b
    assert conservation.apercu(cpas_a).annees == 10


def test_page_dry_run_then_confirm_queues_a_run(
    cpas_a, cpas_b, agent, admin_a, client_for, monkeypatch
):
    envoyes = []
    monkeypatch.setattr(conservation, "_envoyer", envoyes.append)
    _b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    client = client_for(admin_a)
    page = client.get(reverse("beneficiaires:conservation"))
    html = page.content.decode()
    assert 'id="nb-a-anonymiser">1<' in html and secret not in html
    assert tables_contenant(secret)  # looking changed nothing

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
        reponse = client.post(reverse("beneficiaires:conservation"), {"action": "anonymiser"})
    assert reponse.status_code == 302
    run = Anonymisation.objects.get(cpas=cpas_a)
    assert run.nb_prevus == 1 and [r.pk for r in envoyes] == [run.pk]
    conservation.executer(run.pk, run.tache_id)
    html = client.get(reverse("beneficiaires:conservation")).content.decode()
    assert "Terminée" in html and 'id="nb-a-anonymiser">0<' in html


def test_rule_form_rejects_bad_values(admin_a, client_for, cpas_a):
    client = client_for(admin_a)
    url = reverse("beneficiaires:conservation")
    for valeur in ("0", "-3", "abc", "101", ""):
        reponse = client.post(url, {"action": "regle", "annees": valeur})
        assert reponse.status_code == 200
    assert not RegleConservation.objects.exists()
    assert client.post(url, {"action": "regle", "annees": "7"}).status_code == 302
    assert RegleConservation.objects.get(cpas=cpas_a).annees == 7


def test_coordinator_sets_and_lifts_a_legal_hold(cpas_a, cpas_b, agent, make_user, client_for):
    b, _ = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    coord = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coord)
    url = reverse("beneficiaires:gel", args=[b.pk])
    assert client.post(url, {"motif": "  "}).status_code == 200
    assert not GelDossier.objects.exists()
    assert client.post(url, {"motif": "Recours au tribunal du travail"}).status_code == 302
    g = GelDossier.objects.get(beneficiaire=b)
    assert g.par == coord and g.le is not None
    assert conservation.apercu(cpas_a).nb_geles == 1
    assert client.post(reverse("beneficiaires:gel_lever", args=[b.pk])).status_code == 302
    assert not GelDossier.objects.exists()
    # An agent (even the referent) may not; another CPAS's coordinator gets a 404.
    assert client_for(agent).get(url).status_code == 403
    assert client_for(make_user(Role.COORDINATEUR, cpas_b)).get(url).status_code == 404


def test_conservation_page_query_count_does_not_grow(
    cpas_a, agent, admin_a, client_for, requetes_de_la_page
):
    client = client_for(admin_a)
    url = reverse("beneficiaires:conservation")
    client.get(url)

    def ajouter():
        b, _s = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
        GelDossier.objects.create(cpas=cpas_a, beneficiaire=b, motif="x", par=agent)
        Anonymisation.objects.create(
            cpas=cpas_a, annees=10, cloture_avant=ans_avant(10), demande_par=admin_a,
            statut=StatutAnonymisation.TERMINEE,
        )  # fmt: skip

    ajouter()
    avant = requetes_de_la_page(client, url)
    for _ in range(3):
        ajouter()
    assert len(requetes_de_la_page(client, url)) == len(avant)


def test_an_anonymised_file_is_read_only(cpas_a, agent, admin_a, make_user, client_for):
    b, secret = dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    _executer(cpas_a, admin_a)
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    fiche = client.get(reverse("beneficiaires:detail", args=[b.pk]))
    assert fiche.status_code == 200 and secret not in fiche.content.decode()
    assert client.get(reverse("beneficiaires:modifier", args=[b.pk])).status_code == 404
    assert client.get(reverse("beneficiaires:gel", args=[b.pk])).status_code == 404


def test_runs_table_refreshes_in_place_while_a_run_is_going(cpas_a, agent, admin_a, client_for):
    dossier_complet(cpas_a, agent, cloture=ans_avant(11))
    run = conservation.demander(cpas_a, admin_a)  # queued on commit: never, in this test
    client = client_for(admin_a)
    html = client.get(reverse("beneficiaires:conservation")).content.decode()
    assert 'hx-trigger="every 2s"' in html and 'id="form-anonymiser"' not in html
    partiel = client.get(
        reverse("beneficiaires:conservation"), {"partiel": "runs"}, HTTP_HX_REQUEST="true"
    )
    contenu = partiel.content.decode()
    assert "<html" not in contenu and "En attente" in contenu and "0 / 1" in contenu
    conservation.executer(run.pk, run.tache_id)
    contenu = client.get(
        reverse("beneficiaires:conservation"), {"partiel": "runs"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Terminée" in contenu and "1 / 1" in contenu and "every 2s" not in contenu
