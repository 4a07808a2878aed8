import datetime
import io
import json

import pytest
from dateutil.relativedelta import relativedelta
from django.urls import reverse
from django.utils import timezone

from beneficiaires import hooks
from beneficiaires.models import (
    Beneficiaire,
    BilanSocioProfessionnel,
    DroitAide,
    Frein,
    FreinBeneficiaire,
)
from cpas_isp.models import JournalAcces, Role
from tests.beneficiaires.factories import (
    BeneficiaireFactory,
    DroitFactory,
    FreinBeneficiaireFactory,
    nouveau_niss,
)

pytestmark = pytest.mark.django_db

LISTE = reverse("beneficiaires:liste")


def detail_url(b):
    return reverse("beneficiaires:detail", args=[b.pk])


@pytest.fixture
def coord(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def cellule_hook(monkeypatch):
    """A fake of the filter trajets registers: people whose commune is the cellule's code."""

    def filtre(queryset, cellule):
        return queryset.filter(commune=cellule.code)

    hooks.register_cellule_filter(filtre)
    return filtre


# --- Access by role and CPAS --------------------------------------------------------------------


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.AGENT, 200),
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 403),
        (Role.PARTENAIRE, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, 403),
    ],
)
def test_list_access_by_role(role, status, make_user, cpas_a, client_for):
    assert client_for(make_user(role, cpas_a)).get(LISTE).status_code == status


def test_anonymous_is_sent_to_login(client):
    response = client.get(LISTE)
    assert response.status_code == 302 and "/connexion/" in response.url


@pytest.mark.parametrize(
    "role,status",
    [
        (Role.COORDINATEUR, 200),
        (Role.DIRECTEUR, 403),
        (Role.PARTENAIRE, 404),  # partner users: 404 outside their portal
        (Role.ADMIN, 403),
    ],
)
def test_detail_access_by_role(role, status, make_user, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    assert client_for(make_user(role, cpas_a)).get(detail_url(b)).status_code == status


def test_person_of_another_cpas_answers_404(make_user, cpas_a, cpas_b, client_for):
    b = BeneficiaireFactory(cpas=cpas_b)
    client = client_for(make_user(Role.COORDINATEUR, cpas_a))
    for name in ("detail", "modifier", "droit_ajouter", "frein_ajouter", "bilan_modifier"):
        assert client.get(reverse(f"beneficiaires:{name}", args=[b.pk])).status_code == 404
    assert client.get(reverse("beneficiaires:donnees_personnelles", args=[b.pk])).status_code == 404


def test_agent_opens_only_the_people_they_refer(agent, cpas_a, client_for):
    mien = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    autre = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(agent)
    assert client.get(detail_url(mien)).status_code == 200
    assert client.get(detail_url(autre)).status_code == 404
    body = client.get(LISTE).content.decode()
    assert mien.nom.upper() in body and autre.niss_affiche not in body


def test_agent_also_sees_the_people_of_their_cellule(agent, cpas_a, client_for, cellule_hook):
    dans_cellule = BeneficiaireFactory(cpas=cpas_a, commune="emploi")
    ailleurs = BeneficiaireFactory(cpas=cpas_a, commune="alpha")
    client = client_for(agent)
    assert client.get(detail_url(dans_cellule)).status_code == 200
    assert client.get(detail_url(ailleurs)).status_code == 404
    body = client.get(LISTE).content.decode()
    assert dans_cellule.niss_affiche in body and ailleurs.niss_affiche not in body


def test_coordinator_sees_all_files_of_the_cpas_only(coord, cpas_a, cpas_b, client_for):
    a = BeneficiaireFactory(cpas=cpas_a)
    b = BeneficiaireFactory(cpas=cpas_b)
    body = client_for(coord).get(LISTE).content.decode()
    assert a.niss_affiche in body and b.niss_affiche not in body


def test_viewing_a_file_is_logged(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    client_for(coord).get(detail_url(b))
    log = JournalAcces.objects.get()
    assert (log.user, log.object_id, log.cpas) == (coord, b.pk, cpas_a)


# --- Sensitive obstacles ------------------------------------------------------------------------


def _sensible(b, user):
    return FreinBeneficiaireFactory(
        beneficiaire=b, frein=Frein.objects.get(code="sante_mentale"), note_par=user
    )


def test_sensitive_obstacle_visible_to_coordinator_and_referent(coord, agent, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    _sensible(b, coord)
    FreinBeneficiaireFactory(beneficiaire=b, note_par=coord)
    for user in (coord, agent):
        body = client_for(user).get(detail_url(b)).content.decode()
        assert "Santé mentale" in body and "Mobilité" in body


def test_sensitive_obstacle_visible_to_the_persons_cellule(
    make_user, cpas_a, client_for, cellule_hook, coord
):
    b = BeneficiaireFactory(cpas=cpas_a, commune="emploi", referent=coord)
    _sensible(b, coord)
    collegue = make_user(Role.AGENT, cpas_a, cellule="emploi")
    assert "Santé mentale" in client_for(collegue).get(detail_url(b)).content.decode()


def test_sensitive_obstacle_hidden_without_need_to_know(make_user, cpas_a, coord):
    from beneficiaires.permissions import peut_voir_freins_sensibles

    b = BeneficiaireFactory(cpas=cpas_a)
    for role in (Role.DIRECTEUR, Role.PARTENAIRE, Role.ADMIN):
        assert not peut_voir_freins_sensibles(make_user(role, cpas_a), b)
    autre_agent = make_user(Role.AGENT, cpas_a, cellule="alpha")
    assert not peut_voir_freins_sensibles(autre_agent, b)
    assert peut_voir_freins_sensibles(coord, b)


def test_agent_cannot_filter_people_by_a_sensitive_obstacle(agent, cpas_a, client_for, coord):
    avec = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    sans = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    _sensible(avec, coord)
    frein = Frein.objects.get(code="sante_mentale")
    body = client_for(agent).get(LISTE, {"frein": frein.pk}).content.decode()
    assert avec.niss_affiche not in body and sans.niss_affiche not in body
    body = client_for(coord).get(LISTE, {"frein": frein.pk}).content.decode()
    assert avec.niss_affiche in body and sans.niss_affiche not in body


def test_sensitive_obstacle_takes_no_comment(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    frein = Frein.objects.get(code="casier_judiciaire")
    url = reverse("beneficiaires:frein_ajouter", args=[b.pk])
    response = client_for(coord).post(
        url, {"frein": frein.pk, "debut": "2025-03-01", "commentaire": "condamné en 2019"}
    )
    assert response.status_code == 200
    assert not FreinBeneficiaire.objects.exists()
    client_for(coord).post(url, {"frein": frein.pk, "debut": "2025-03-01"})
    noted = FreinBeneficiaire.objects.get()
    assert noted.note_par == coord and noted.commentaire == ""


def test_same_obstacle_twice_open_is_refused(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    frein = Frein.objects.get(code="mobilite")
    url = reverse("beneficiaires:frein_ajouter", args=[b.pk])
    client_for(coord).post(url, {"frein": frein.pk, "debut": "2025-03-01"})
    response = client_for(coord).post(url, {"frein": frein.pk, "debut": "2025-04-01"})
    assert "déjà noté" in response.content.decode()
    assert FreinBeneficiaire.objects.count() == 1


def test_lifting_an_obstacle(coord, cpas_a, client_for):
    fb = FreinBeneficiaireFactory(beneficiaire=BeneficiaireFactory(cpas=cpas_a), note_par=coord)
    client_for(coord).post(reverse("beneficiaires:frein_lever", args=[fb.beneficiaire_id, fb.pk]))
    fb.refresh_from_db()
    assert fb.fin is not None


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


def test_detail_runs_a_fixed_number_of_queries(coord, cpas_a, client_for, requetes_de_la_page):
    b = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(coord)
    DroitFactory(beneficiaire=b, debut=datetime.date(2020, 1, 1), fin=datetime.date(2020, 2, 1))
    FreinBeneficiaireFactory(beneficiaire=b, note_par=coord)
    requetes_de_la_page(client, detail_url(b))  # warm-up: first request of the session
    before = len(requetes_de_la_page(client, detail_url(b)))
    for year in range(2021, 2025):
        DroitFactory(beneficiaire=b, debut=datetime.date(year, 1, 1), fin=datetime.date(year, 2, 1))
    for code in ("garde_enfants", "numerique", "sante_mentale"):
        FreinBeneficiaireFactory(beneficiaire=b, frein=Frein.objects.get(code=code), note_par=coord)
    for v in (1, 2, 3):
        BilanSocioProfessionnel.objects.create(
            cpas=cpas_a, beneficiaire=b, version=v, projet=f"v{v}", auteur=coord
        )
    # BSP block appears (current + count)
    assert len(requetes_de_la_page(client, detail_url(b))) <= before + 2


# --- Creating and editing -----------------------------------------------------------------------


def _donnees(niss, **extra):
    return {"niss": niss, "nom": "Dupont", "prenom": "Jean", "langue": "fr", **extra}


def test_create_stores_the_niss_compact_and_derives_birth_date(coord, cpas_a, client_for):
    response = client_for(coord).post(reverse("beneficiaires:creer"), _donnees("85.07.30-033.28"))
    b = Beneficiaire.objects.get()
    assert response.url == detail_url(b)
    assert (b.niss, b.date_naissance, b.genre, b.cpas) == (
        "85073003328",
        datetime.date(1985, 7, 30),
        "M",
        cpas_a,
    )


def test_create_with_mismatching_birth_date_is_refused(coord, client_for):
    response = client_for(coord).post(
        reverse("beneficiaires:creer"), _donnees("85073003328", date_naissance="1985-07-31")
    )
    assert "ne correspond pas au NISS" in response.content.decode()
    assert not Beneficiaire.objects.exists()


def test_create_with_invalid_niss_is_refused(coord, client_for):
    response = client_for(coord).post(reverse("beneficiaires:creer"), _donnees("85073003329"))
    assert "chiffres de contrôle" in response.content.decode()
    assert not Beneficiaire.objects.exists()


def test_known_niss_opens_the_existing_file(coord, cpas_a, client_for):
    existant = BeneficiaireFactory(cpas=cpas_a, niss="85073003328")
    response = client_for(coord).post(reverse("beneficiaires:creer"), _donnees("85.07.30-033.28"))
    assert response.status_code == 302 and response.url == detail_url(existant)
    assert Beneficiaire.objects.count() == 1


def test_same_niss_in_another_cpas_is_a_new_file(coord, cpas_b, client_for):
    BeneficiaireFactory(cpas=cpas_b, niss="85073003328")
    client_for(coord).post(reverse("beneficiaires:creer"), _donnees("85073003328"))
    assert Beneficiaire.objects.count() == 2


def test_same_name_and_birth_date_warns_of_a_duplicate(coord, cpas_a, client_for):
    BeneficiaireFactory(
        cpas=cpas_a,
        nom="Dupont",
        prenom="Jean",
        date_naissance=datetime.date(1985, 7, 30),
        genre="M",
        niss=nouveau_niss(datetime.date(1985, 7, 30), "M"),
    )
    url = reverse("beneficiaires:creer")
    response = client_for(coord).post(url, _donnees("85073003328"))
    assert "Doublon possible" in response.content.decode()
    assert Beneficiaire.objects.count() == 1
    client_for(coord).post(url, _donnees("85073003328", confirmer_doublon="on"))
    assert Beneficiaire.objects.count() == 2


def test_editing_identity(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328", date_naissance=None, genre="")
    data = _donnees(b.niss_affiche, nom="Dupond", telephone="0470 12 34 56")
    response = client_for(coord).post(reverse("beneficiaires:modifier", args=[b.pk]), data)
    assert response.status_code == 302
    b.refresh_from_db()
    assert (b.nom, b.telephone, b.date_naissance) == (
        "Dupond",
        "0470 12 34 56",
        datetime.date(1985, 7, 30),
    )


# --- Rights -------------------------------------------------------------------------------------


def test_overlapping_rights_refused_by_the_database(cpas_a):
    from django.db import IntegrityError, transaction

    b = BeneficiaireFactory(cpas=cpas_a)
    DroitFactory(beneficiaire=b, debut=datetime.date(2024, 1, 1), fin=datetime.date(2024, 6, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        DroitFactory(beneficiaire=b, type="ERIS", debut=datetime.date(2024, 6, 30))
    DroitFactory(beneficiaire=b, debut=datetime.date(2024, 7, 1))  # the next day is fine


def test_overlapping_right_gets_a_clear_message(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    DroitFactory(beneficiaire=b, debut=datetime.date(2024, 1, 1))
    response = client_for(coord).post(
        reverse("beneficiaires:droit_ajouter", args=[b.pk]),
        {"type": "RIS", "categorie": "isole", "debut": "2025-01-01"},
    )
    assert "chevauche" in response.content.decode()
    assert DroitAide.objects.count() == 1


def test_adding_and_closing_a_right(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(coord)
    client.post(
        reverse("beneficiaires:droit_ajouter", args=[b.pk]),
        {"type": "ERIS", "categorie": "famille_a_charge", "debut": "2025-01-01"},
    )
    droit = DroitAide.objects.get()
    assert (droit.cpas, droit.type, droit.fin) == (cpas_a, "ERIS", None)
    client.post(
        reverse("beneficiaires:droit_modifier", args=[b.pk, droit.pk]),
        {
            "type": "ERIS",
            "categorie": "famille_a_charge",
            "debut": "2025-01-01",
            "fin": "2025-12-31",
        },
    )
    droit.refresh_from_db()
    assert droit.fin == datetime.date(2025, 12, 31)


# --- BSP ----------------------------------------------------------------------------------------


def test_each_bsp_save_creates_a_version_and_history_shows_changes(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(coord)
    url = reverse("beneficiaires:bilan_modifier", args=[b.pk])
    client.post(url, {"projet": "Aide-soignante en maison de repos", "atouts": "Ponctuelle"})
    client.post(url, {"projet": "Aide-soignante en hôpital", "atouts": "Ponctuelle"})
    client.post(url, {"projet": "Aide-soignante en hôpital", "atouts": "Ponctuelle"})  # no change
    versions = list(BilanSocioProfessionnel.objects.order_by("version"))
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].projet == "Aide-soignante en maison de repos"
    page = client.get(detail_url(b)).content.decode()
    assert "Aide-soignante en hôpital" in page and "Version 2" in page
    historique = client.get(reverse("beneficiaires:bilan_historique", args=[b.pk])).content.decode()
    assert '<del class="diff-old bg-danger-subtle">maison de repos</del>' in historique
    assert '<ins class="diff-new bg-success-subtle">hôpital</ins>' in historique


def test_bsp_text_is_escaped(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a)
    client = client_for(coord)
    client.post(
        reverse("beneficiaires:bilan_modifier", args=[b.pk]), {"projet": "<script>x</script>"}
    )
    assert "<script>x</script>" not in client.get(detail_url(b)).content.decode()


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


def test_personal_data_export_json_and_pdf(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, nom="Dupont")
    DroitFactory(beneficiaire=b)
    _sensible(b, coord)
    url = reverse("beneficiaires:donnees_personnelles", args=[b.pk])
    client = client_for(coord)
    response = client.get(url, {"format": "json"})
    # The file name names no NISS (it lands in download histories and folders).
    assert b.niss not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["identite"]["nom"] == "Dupont"
    assert data["identite"]["niss"] == b.niss_affiche
    assert len(data["droits"]) == 1 and data["freins"][0]["sensible"] is True
    pdf = client.get(url, {"format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert b.niss not in pdf["Content-Disposition"]


def test_agent_cannot_export_personal_data(agent, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, referent=agent)
    url = reverse("beneficiaires:donnees_personnelles", args=[b.pk])
    assert client_for(agent).get(url).status_code == 403


# --- Staged import ------------------------------------------------------------------------------


def _upload(client, content, type_="beneficiaires"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("beneficiaires:import_liste"),
        {"type": type_, "fichier": SimpleUploadedFile("data.csv", content, "text/csv")},
    )


@pytest.mark.parametrize(
    "role,status", [(Role.ADMIN, 200), (Role.COORDINATEUR, 403), (Role.AGENT, 403)]
)
def test_import_page_is_for_the_cpas_admin(role, status, make_user, cpas_a, client_for):
    url = reverse("beneficiaires:import_liste")
    assert client_for(make_user(role, cpas_a)).get(url).status_code == status


def test_staged_import_shows_errors_before_saving(
    make_user, cpas_a, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    from beneficiaires import tasks
    from beneficiaires.imports import lots
    from beneficiaires.models import LotImport

    def worker(lot):  # the analysis and the import run in a worker, here at once
        tache = (
            tasks.analyser_lot_import if lot.statut == "en_analyse" else tasks.importer_lot_import
        )
        tache.apply(args=(lot.pk,), task_id=lot.tache_id)

    monkeypatch.setattr(lots, "_envoyer", worker)
    client = client_for(make_user(Role.ADMIN, cpas_a))
    content = "niss;nom;prenom\n85073003328;Dupont;Jean\n85073003329;Faux;Numéro\n".encode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client, content)
    detail = client.get(response.url).content.decode()
    assert "ligne 3, niss : NISS invalide" in detail
    assert not Beneficiaire.objects.exists()
    client.post(response.url, {"action": "importer"})  # refused: there are errors
    assert not Beneficiaire.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response.url, {"action": "importer_valides"})
    assert list(Beneficiaire.objects.values_list("niss", flat=True)) == ["85073003328"]
    lot = LotImport.objects.get()
    assert (lot.statut, lot.nb_crees, lot.nb_rejetees, bytes(lot.contenu)) == (
        "importe",
        1,
        1,
        b"",
    )


def test_staged_import_can_be_cancelled(make_user, cpas_a, client_for):
    client = client_for(make_user(Role.ADMIN, cpas_a))
    response = _upload(client, b"niss;nom;prenom\n85073003328;Dupont;Jean\n")
    client.post(response.url, {"action": "annuler"})  # while it is being analysed
    assert not Beneficiaire.objects.exists()
    from beneficiaires.models import LotImport

    assert LotImport.objects.get().statut == "annule"


def test_import_of_another_cpas_answers_404(make_user, cpas_a, cpas_b, client_for):
    response = _upload(client_for(make_user(Role.ADMIN, cpas_b)), b"niss;nom;prenom\n")
    assert client_for(make_user(Role.ADMIN, cpas_a)).get(response.url).status_code == 404


def test_deleting_a_right_entered_by_mistake(coord, cpas_a, client_for):
    droit = DroitFactory(beneficiaire__cpas=cpas_a)
    client = client_for(coord)
    url = reverse("beneficiaires:droit_modifier", args=[droit.beneficiaire_id, droit.pk])
    assert 'id="form-supprimer"' in client.get(url).content.decode()
    client.post(reverse("beneficiaires:droit_supprimer", args=[droit.beneficiaire_id, droit.pk]))
    assert not DroitAide.objects.exists()


def test_right_of_another_person_cannot_be_edited_through_this_one(coord, cpas_a, client_for):
    droit = DroitFactory(beneficiaire__cpas=cpas_a)
    autre = BeneficiaireFactory(cpas=cpas_a)
    url = reverse("beneficiaires:droit_modifier", args=[autre.pk, droit.pk])
    assert client_for(coord).get(url).status_code == 404
