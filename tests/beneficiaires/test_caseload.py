"""The caseload list: search, filters, target groups, sorting, extensions, exports, query count."""

import datetime
import io

import pytest
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from beneficiaires import hooks
from tests.beneficiaires.factories import BeneficiaireFactory, DroitFactory
from tests.beneficiaires.helpers import LISTE, detail_url

pytestmark = pytest.mark.django_db


# --- Search, filters, sorting -------------------------------------------------------------------


def test_search_forgives_typos_and_accents(coord, cpas_a, cpas_b, client_for):
    dupont = BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Jean")
    lefevre = BeneficiaireFactory(cpas=cpas_a, nom="Lefèvre", prenom="Zoé")
    BeneficiaireFactory(cpas=cpas_b, nom="Dupont", prenom="Jean")
    client = client_for(coord)
    body = client.get(LISTE, {"q": "dupond"}).content.decode()
    assert dupont.niss_affiche in body and lefevre.niss_affiche not in body
    assert "1 dossier" in body
    assert lefevre.niss_affiche in client.get(LISTE, {"q": "lefevre zoe"}).content.decode()
    assert lefevre.niss_affiche in client.get(LISTE, {"q": "Lefebvre"}).content.decode()


def test_search_by_partial_niss_in_any_format(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    autre = BeneficiaireFactory(cpas=cpas_a, date_naissance=datetime.date(1960, 2, 2))
    client = client_for(coord)
    for terme in (b.niss, b.niss_affiche, b.niss_affiche[:8], b.niss[-5:]):
        body = client.get(LISTE, {"q": terme}).content.decode()
        assert b.niss_affiche in body and autre.niss_affiche not in body, terme


def test_htmx_request_gets_only_the_results(coord, cpas_a, client_for):
    BeneficiaireFactory(cpas=cpas_a, nom="Dupont")
    response = client_for(coord).get(LISTE, {"q": "dupont"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="resultats"') and "<html" not in body


def test_filter_right_active_at_a_date(coord, cpas_a, client_for):
    avec = DroitFactory(
        beneficiaire__cpas=cpas_a, debut=datetime.date(2024, 1, 1), fin=datetime.date(2024, 6, 30)
    ).beneficiaire
    sans = BeneficiaireFactory(cpas=cpas_a)
    body = client_for(coord).get(LISTE, {"droit_le": "2024-03-01"}).content.decode()
    assert avec.niss_affiche in body and sans.niss_affiche not in body
    body = client_for(coord).get(LISTE, {"droit_le": "2024-07-01"}).content.decode()
    assert avec.niss_affiche not in body


def test_a_filter_that_is_not_valid_is_a_field_error_and_is_left_out(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    response = client_for(coord).get(LISTE, {"droit_le": "31/02/2024", "referent": "x"})
    body = response.content.decode()
    assert response.status_code == 200 and b.niss_affiche in body
    assert "Droit actif le : " in body and "Référent : Choisissez un référent" in body


def test_target_groups_are_computed(coord, cpas_a, client_for):
    today = timezone.localdate()
    jeune = BeneficiaireFactory(
        cpas=cpas_a, date_naissance=today - relativedelta(years=20), niveau_etudes="ce1d"
    )
    jeune_diplome = BeneficiaireFactory(
        cpas=cpas_a, date_naissance=today - relativedelta(years=20), niveau_etudes="cess"
    )
    senior = BeneficiaireFactory(
        cpas=cpas_a,
        date_naissance=today - relativedelta(years=50),
        niveau_etudes="ceb",
        diplome_etranger="non_reconnu",
    )
    nouveau = DroitFactory(
        beneficiaire__cpas=cpas_a, debut=today - datetime.timedelta(days=30)
    ).beneficiaire
    ancien = DroitFactory(
        beneficiaire__cpas=cpas_a, debut=today - datetime.timedelta(days=30)
    ).beneficiaire
    DroitFactory(
        beneficiaire=ancien,
        debut=today - datetime.timedelta(days=400),
        fin=today - datetime.timedelta(days=60),
    )
    client = client_for(coord)

    def groupe(code):
        return client.get(LISTE, {"groupe": code}).content.decode()

    body = groupe("jeune_peu_qualifie")
    assert jeune.niss_affiche in body and jeune_diplome.niss_affiche not in body
    body = groupe("age_45_55_sans_qualification")
    assert senior.niss_affiche in body and jeune.niss_affiche not in body
    body = groupe("nouveau_ris")
    assert nouveau.niss_affiche in body and ancien.niss_affiche not in body
    assert "Nouveau bénéficiaire RIS" in client.get(detail_url(nouveau)).content.decode()


def test_sorting_by_birth_date(coord, cpas_a, client_for):
    vieux = BeneficiaireFactory(cpas=cpas_a, date_naissance=datetime.date(1961, 1, 1))
    jeune = BeneficiaireFactory(cpas=cpas_a, date_naissance=datetime.date(2001, 1, 1))
    body = client_for(coord).get(LISTE, {"tri": "-naissance"}).content.decode()
    assert body.index(jeune.niss_affiche) < body.index(vieux.niss_affiche)
    body = client_for(coord).get(LISTE, {"tri": "naissance"}).content.decode()
    assert body.index(vieux.niss_affiche) < body.index(jeune.niss_affiche)


def test_caseload_extension_adds_column_and_filter(coord, cpas_a, client_for, tmp_path, settings):
    from django.db.models import Value

    from beneficiaires.hooks import CaseloadExtension

    a = BeneficiaireFactory(cpas=cpas_a, commune="Ciney")
    b = BeneficiaireFactory(cpas=cpas_a, commune="Namur")
    (tmp_path / "col.html").write_text("<span class='ext'>{{ b.marque }}</span>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]
    hooks.register_caseload_extension(
        CaseloadExtension(
            key="test",
            label="Marque",
            annotate=lambda qs: qs.annotate(marque=Value("M-ok")),
            filter_name="commune_test",
            filter=lambda qs, v: qs.filter(commune=v),
            choices=lambda: [("Ciney", "Ciney"), ("Namur", "Namur")],
            column="col.html",
            sort={"commune_test": "commune"},
        )
    )
    body = client_for(coord).get(LISTE, {"commune_test": "Ciney"}).content.decode()
    assert "M-ok" in body and a.niss_affiche in body and b.niss_affiche not in body


def test_the_compiled_name_search_is_the_query_the_orm_writes(coord, cpas_a, cpas_b):
    """The name search's condition and relevance are compiled once (``rechercher``): for
    varied terms (accents, hyphens, apostrophes, LIKE wildcards, short terms, typos, no match,
    NISS) the caseload's query is the one the ORM builds from the search's expressions, with
    the same rows in the same order and the same relevance."""
    from beneficiaires import forms as beneficiaires_forms
    from beneficiaires import queries
    from beneficiaires.forms import CaseloadFiltreForm

    noms = [
        ("Dupont", "Jean"),
        ("Dupond", "Jeanne"),
        ("Lefèvre", "Zoé"),
        ("Lefebvre", "Zoe"),
        ("Van den Berghe-Dubois", "Anne-Marie"),
        ("D'Hondt", "Noël"),
        ("Nom12", "Test"),
        ("Nom123", "Test"),
        ("Nom1234", "Test"),
        ("Nom21", "Test"),
        ("N_m%", "Ab"),
        ("Øst", "Åsa"),
    ]
    personnes = [BeneficiaireFactory(cpas=cpas_a, nom=n, prenom=p) for n, p in noms]
    BeneficiaireFactory(cpas=cpas_b, nom="Dupont", prenom="Jean")  # another CPAS: never shown
    today = timezone.localdate()

    def orm(qs, terme):  # what rechercher built before its SQL was compiled once
        terme = terme.strip()
        if queries.recherche_niss(terme):
            return queries.rechercher(qs, terme)
        expressions = queries._recherche_nom(len(terme) >= 3)(terme)
        return qs.filter(expressions["condition"]).annotate(pertinence=expressions["pertinence"])

    termes = [
        "dupond",
        "Dupont",
        "lefevre zoe",
        "Lefebvre",
        "LEFÈVRE",
        "van den berghe",
        "berghe-dubois",
        "d'hondt",
        "noel",
        "Nom12",
        "nom1",
        "No",
        "du",
        "%",
        "_",
        "n_m%",
        "\\",
        "ost",
        "zzzzqqq",
        personnes[0].niss[:6],
        personnes[1].niss_affiche,
    ]
    for terme in termes:
        compilee = queries.caseload(
            coord, CaseloadFiltreForm({"q": terme}, user=coord, aujourd_hui=today), today
        )
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(beneficiaires_forms, "rechercher", orm)
            attendue = queries.caseload(
                coord, CaseloadFiltreForm({"q": terme}, user=coord, aujourd_hui=today), today
            )
        assert compilee.query.sql_with_params() == attendue.query.sql_with_params(), terme
        lignes = list(compilee.values_list("pk", "pertinence"))
        assert lignes == list(attendue.values_list("pk", "pertinence")), terme
    # The searches did find people (the comparison is not between empty lists).
    trouves = {
        t: list(
            queries.caseload(
                coord, CaseloadFiltreForm({"q": t}, user=coord, aujourd_hui=today), today
            ).values_list("nom", flat=True)
        )
        for t in ("dupond", "lefevre zoe", "n_m%", "zzzzqqq")
    }
    assert trouves["dupond"][:2] == ["Dupond", "Dupont"] and "Lefèvre" in trouves["lefevre zoe"]
    assert trouves["n_m%"] == ["N_m%"] and trouves["zzzzqqq"] == []


# --- Query counts -------------------------------------------------------------------------------


def test_list_runs_a_fixed_number_of_queries_whatever_the_page_size(
    coord, cpas_a, client_for, requetes_de_la_page
):
    client = client_for(coord)
    for _ in range(3):
        DroitFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=coord))
    requetes_de_la_page(client, LISTE)  # warm-up: first request of the session
    small = len(requetes_de_la_page(client, LISTE, {"taille": 25}))
    for _ in range(40):
        DroitFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=coord))
    assert len(requetes_de_la_page(client, LISTE, {"taille": 100})) == small
    assert len(requetes_de_la_page(client, LISTE, {"taille": 25, "q": "a"})) == small


def test_agent_s_list_and_search_run_a_fixed_number_of_queries_whatever_their_caseload(
    agent, coord, cpas_a, client_for, requetes_de_la_page, cellule_hook
):
    """The "Mes dossiers" page of an agent (the people they refer and those of their
    cellule) and its name search: as many queries with four people as with eighty-four, and
    the same number for the list and the search."""

    def ajouter(n):
        for i in range(n):
            DroitFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a, referent=agent))
            BeneficiaireFactory(cpas=cpas_a, referent=coord, commune="emploi", nom=f"Qorvax{i}")

    ajouter(2)
    client = client_for(agent)
    requetes_de_la_page(client, LISTE)  # warm-up: first request of the session
    liste = len(requetes_de_la_page(client, LISTE))
    recherche = requetes_de_la_page(client, LISTE, {"q": "qorvax"})
    assert len(recherche) == liste
    ajouter(40)
    assert len(requetes_de_la_page(client, LISTE)) == liste
    assert len(requetes_de_la_page(client, LISTE, {"taille": 100})) == liste
    response = client.get(LISTE, {"q": "qorvax", "taille": 50})
    assert len(requetes_de_la_page(client, LISTE, {"q": "qorvax", "taille": 50})) == liste
    # Both kinds of people are on the pages counted: referred, and followed by the cellule
    # (a name no generated one comes near).
    assert response.context["page"].paginator.count == 42
    assert "84 dossiers" in client.get(LISTE).content.decode()


# --- Exports ------------------------------------------------------------------------------------


def test_csv_export_of_the_filtered_list(coord, cpas_a, client_for):
    BeneficiaireFactory(cpas=cpas_a, nom="Dupont")
    BeneficiaireFactory(cpas=cpas_a, nom="Martin")
    response = client_for(coord).get(LISTE, {"q": "dupont", "format": "csv"})
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = content.strip().splitlines()
    assert lines[0].startswith("NISS;Nom;Prénom")
    assert len(lines) == 2 and "Dupont" in lines[1]


def test_xlsx_export(coord, cpas_a, client_for):
    from openpyxl import load_workbook

    for _ in range(3):
        BeneficiaireFactory(cpas=cpas_a)
    response = client_for(coord).get(LISTE, {"format": "xlsx"})
    wb = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][0] == "NISS" and len(rows) == 4


def test_agent_cannot_export_the_list(agent, client_for):
    assert client_for(agent).get(LISTE, {"format": "csv"}).status_code == 403


def test_the_rows_columns_follow_the_day_and_the_registered_extensions(cpas_a, monkeypatch):
    """``colonnes_caseload`` builds its annotated queryset once a day and per set of registered
    extensions: a day later, or with another extension, the columns are computed again."""
    from django.db.models import Value

    from beneficiaires.hooks import CaseloadExtension
    from beneficiaires.queries import colonnes_caseload

    today = timezone.localdate()
    b = BeneficiaireFactory(
        cpas=cpas_a,
        date_naissance=today - relativedelta(years=25) + datetime.timedelta(days=1),
        niveau_etudes="ce1d",
    )
    assert colonnes_caseload([b.pk], today).get().groupe_jeune_peu_qualifie
    demain = today + datetime.timedelta(days=1)
    assert not colonnes_caseload([b.pk], demain).get().groupe_jeune_peu_qualifie
    assert colonnes_caseload([b.pk], today).get().groupe_jeune_peu_qualifie
    ext = CaseloadExtension(key="x", label="X", annotate=lambda qs: qs.annotate(x=Value("ok")))
    monkeypatch.setattr(hooks, "_caseload", [*hooks._caseload, ext])
    assert colonnes_caseload([b.pk], today).get().x == "ok"


def test_a_page_size_or_number_too_long_to_read_gives_the_default_page(coord, cpas_a, client_for):
    """``?taille=`` or ``?page=`` of 5,000 digits (more than Python reads as a number): the
    list in its default size, its last page for the number, no error page."""
    BeneficiaireFactory(cpas=cpas_a, nom="Seule")
    client = client_for(coord)
    for params in (
        {"taille": "9" * 5000},
        {"page": "9" * 5000},
        {"taille": "9" * 5000, "page": "2"},
    ):
        response = client.get(LISTE, params)
        assert response.status_code == 200, params
        assert response.context["page"].number == 1
        assert "SEULE" in response.content.decode()
