"""Creating and editing a person: NISS checks, known NISS, duplicates, identity."""

import datetime

import pytest
from django.urls import reverse

from beneficiaires.models import Beneficiaire
from tests.beneficiaires.factories import BeneficiaireFactory, nouveau_niss
from tests.beneficiaires.helpers import detail_url

pytestmark = pytest.mark.django_db


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


def test_invalid_phone_number_is_refused_with_a_clear_message(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328", telephone="")
    data = _donnees(b.niss_affiche, telephone="0470 12 34")
    response = client_for(coord).post(reverse("beneficiaires:modifier", args=[b.pk]), data)
    assert "Numéro de téléphone non valable" in response.content.decode()
    b.refresh_from_db()
    assert b.telephone == ""


def test_invalid_phone_number_message_in_dutch(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328", telephone="")
    client = client_for(coord)
    client.post(reverse("changer_langue"), {"language": "nl", "next": "/"})
    data = _donnees(b.niss_affiche, telephone="12")
    response = client.post(reverse("beneficiaires:modifier", args=[b.pk]), data)
    assert "Ongeldig telefoonnummer" in response.content.decode()


def test_person_can_refuse_reminders(coord, cpas_a, client_for):
    b = BeneficiaireFactory(cpas=cpas_a, niss="85073003328")
    data = _donnees(b.niss_affiche, refuse_rappels="on", telephone="+33 6 12 34 56 78")
    response = client_for(coord).post(reverse("beneficiaires:modifier", args=[b.pk]), data)
    assert response.status_code == 302
    b.refresh_from_db()
    assert b.refuse_rappels and b.telephone == "+33 6 12 34 56 78"
