"""A person's file: sensitive obstacles, rights, BSP, personal data export, query count."""

import datetime
import json

import pytest
from django.urls import reverse
from freezegun import freeze_time

from beneficiaires.models import BilanSocioProfessionnel, DroitAide, Frein, FreinBeneficiaire
from cpas_isp.models import Role
from tests.beneficiaires.factories import (
    BeneficiaireFactory,
    DroitFactory,
    FreinBeneficiaireFactory,
)
from tests.beneficiaires.helpers import LISTE, _sensible, detail_url

pytestmark = pytest.mark.django_db


# --- Sensitive obstacles ------------------------------------------------------------------------


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


# --- Query count --------------------------------------------------------------------------------


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


def test_detail_target_groups_follow_the_day_and_the_setting(coord, cpas_a, client_for, settings):
    """The person page's query of the person is built once a day: the target groups are
    those of the day the page is shown (a person turning 25, a right no longer new), and of
    the current setting."""
    b = BeneficiaireFactory(
        cpas=cpas_a, date_naissance=datetime.date(2001, 3, 10), niveau_etudes="ce1d"
    )
    DroitFactory(beneficiaire=b, debut=datetime.date(2025, 9, 1))

    def groupes(jour):
        with freeze_time(jour):  # a session of that day (an idle one a day old is closed)
            page = client_for(coord).get(detail_url(b)).content.decode()
        return {"jeune": "Moins de 25 ans" in page, "ris": "Nouveau bénéficiaire RIS" in page}

    assert groupes("2026-03-09") == {"jeune": True, "ris": True}
    assert groupes("2026-03-10") == {"jeune": False, "ris": True}
    settings.BENEFICIAIRES_NOUVEAU_RIS_MOIS = 6
    assert groupes("2026-03-10") == {"jeune": False, "ris": False}


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


# --- Personal data export -----------------------------------------------------------------------


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
