"""The CPAS's appointment settings, by its functional administrator only: validity, cut-off,
default channels, channels per kind, places, own kinds (shared kinds read-only)."""

import pytest
from django.urls import reverse

from cpas_isp.models import Role
from rendezvous.models import CanauxDuType, Lieu, ParametresRendezVous, TypeRendezVous
from trajets.models import TypeEtape

from .factories import lieu, type_propre, type_rdv

PAGE = reverse("rendezvous:parametres")


@pytest.fixture
def admin_a(cpas_a, make_user):
    return make_user(Role.ADMIN, cpas_a)


def test_admin_sets_validity_cut_off_and_default_channels(admin_a, cpas_a, client_for):
    client = client_for(admin_a)
    page = client.get(PAGE).content.decode()
    assert "Paramètres des rendez-vous" in page and "Premier entretien ISP" in page
    reponse = client.post(
        PAGE, {"validite_invitation": "14", "delai_modification": "48", "canaux": ["email"]}
    )
    assert reponse.status_code == 302
    parametres = ParametresRendezVous.objects.get(cpas=cpas_a)
    assert (parametres.validite_invitation, parametres.delai_modification, parametres.canaux) == (
        14, 48, ["email"],
    )  # fmt: skip


@pytest.mark.parametrize(
    "donnees", [{"validite_invitation": "0"}, {"validite_invitation": "1000"},
                {"delai_modification": "-1"}, {"canaux": ["pigeon"]}],
)  # fmt: skip
def test_impossible_settings_are_refused_with_a_message(admin_a, cpas_a, client_for, donnees):
    valides = {"validite_invitation": "10", "delai_modification": "24", "canaux": ["sms"]}
    reponse = client_for(admin_a).post(PAGE, {**valides, **donnees})
    assert reponse.status_code == 200 and "invalid-feedback" in reponse.content.decode()
    assert ParametresRendezVous.objects.get(cpas=cpas_a).canaux == ["lettre", "email", "sms"]


def test_channels_of_a_kind_override_then_back_to_default(admin_a, cpas_a, client_for):
    client = client_for(admin_a)
    suivi = type_rdv("suivi")
    url = reverse("rendezvous:canaux_type", args=[suivi.pk])
    assert client.post(url, {"canaux": ["sms", "lettre"]}).status_code == 302
    assert CanauxDuType.objects.get(cpas=cpas_a, type=suivi).canaux == ["sms", "lettre"]
    assert "<td>SMS, Lettre</td>" in client.get(PAGE).content.decode()
    assert client.post(url, {"par_defaut": "on", "canaux": ["sms"]}).status_code == 302
    assert not CanauxDuType.objects.exists()


def test_admin_adds_and_edits_an_own_kind(admin_a, cpas_a, client_for):
    client = client_for(admin_a)
    etape = TypeEtape.objects.get(code="entretien_individuel")
    donnees = {
        "libelle_fr": "Atelier CV", "libelle_nl": "CV-workshop", "type_etape": etape.pk,
        "duree": "90", "ordre": "50", "actif": "on", "collectif": "on",
    }  # fmt: skip
    assert client.post(reverse("rendezvous:type_creer"), donnees).status_code == 302
    propre = TypeRendezVous.objects.get(libelle_fr="Atelier CV")
    assert propre.cpas == cpas_a and propre.code.startswith(f"c{cpas_a.pk}-atelier-cv")
    assert propre.collectif and propre.duree == 90
    # A second kind of the same label gets its own code.
    assert client.post(reverse("rendezvous:type_creer"), donnees).status_code == 302
    assert TypeRendezVous.objects.filter(libelle_fr="Atelier CV").count() == 2
    url = reverse("rendezvous:type_modifier", args=[propre.pk])
    assert client.post(url, {**donnees, "duree": "60"}).status_code == 302
    propre.refresh_from_db()
    assert propre.duree == 60
    assert f'href="{url}"' in client.get(PAGE).content.decode()


def test_shared_kinds_are_read_only(admin_a, client_for):
    client = client_for(admin_a)
    partage = type_rdv("suivi")
    assert client.get(reverse("rendezvous:type_modifier", args=[partage.pk])).status_code == 404
    reponse = client.post(
        reverse("rendezvous:type_modifier", args=[partage.pk]),
        {"libelle_fr": "Piraté", "libelle_nl": "x", "type_etape": partage.type_etape_id,
         "duree": "30", "ordre": "1"},
    )  # fmt: skip
    assert reponse.status_code == 404
    partage.refresh_from_db()
    assert partage.libelle_fr == "Entretien de suivi"


def test_admin_adds_a_place_and_a_duplicate_name_is_refused(admin_a, cpas_a, client_for):
    client = client_for(admin_a)
    url = reverse("rendezvous:lieu_creer")
    donnees = {"nom": "Antenne Nord", "type": "antenne", "adresse": "Rue Haute 12", "actif": "on"}
    assert client.post(url, donnees).status_code == 302
    assert Lieu.objects.get().cpas == cpas_a
    reponse = client.post(url, donnees)
    assert "Ce CPAS a déjà un lieu de ce nom." in reponse.content.decode()
    assert Lieu.objects.count() == 1
    existant = Lieu.objects.get()
    modifier = reverse("rendezvous:lieu_modifier", args=[existant.pk])
    assert client.post(modifier, {**donnees, "actif": ""}).status_code == 302
    existant.refresh_from_db()
    assert not existant.actif


@pytest.mark.parametrize("role", [Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.PARTENAIRE])
def test_other_roles_have_no_access(cpas_a, make_user, client_for, role):
    client = client_for(make_user(role, cpas_a))
    propre, place = type_propre(cpas_a), lieu(cpas_a)
    urls = [
        PAGE,
        reverse("rendezvous:type_creer"),
        reverse("rendezvous:type_modifier", args=[propre.pk]),
        reverse("rendezvous:canaux_type", args=[propre.pk]),
        reverse("rendezvous:lieu_creer"),
        reverse("rendezvous:lieu_modifier", args=[place.pk]),
    ]
    refus = {403, 404} if role == Role.PARTENAIRE else {403}  # partners: their portal only
    for url in urls:
        assert client.get(url).status_code in refus
        assert client.post(url, {"nom": "x", "canaux": ["sms"]}).status_code in refus
    assert not ParametresRendezVous.objects.exists() and not CanauxDuType.objects.exists()


def test_another_cpas_entries_are_404(admin_a, cpas_b, client_for):
    client = client_for(admin_a)
    propre_b, lieu_b = type_propre(cpas_b), lieu(cpas_b, nom="Bureau B")
    for url in (
        reverse("rendezvous:type_modifier", args=[propre_b.pk]),
        reverse("rendezvous:canaux_type", args=[propre_b.pk]),
        reverse("rendezvous:lieu_modifier", args=[lieu_b.pk]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"nom": "x", "canaux": ["sms"]}).status_code == 404
    lieu_b.refresh_from_db()
    assert lieu_b.nom == "Bureau B" and not CanauxDuType.objects.exists()
    assert "Atelier CV" not in client.get(PAGE).content.decode()


def test_settings_page_in_dutch(admin_a, client_for):
    client = client_for(admin_a)
    client.post(reverse("changer_langue"), {"language": "nl", "next": "/"})
    page = client.get(PAGE).content.decode()
    assert "Instellingen van de afspraken" in page and "Eerste SPI-gesprek" in page


def test_settings_page_query_count_does_not_grow(admin_a, cpas_a, client_for, requetes_de_la_page):
    client = client_for(admin_a)
    requetes_de_la_page(client, PAGE)  # warm-up: first request of the session
    avant = len(requetes_de_la_page(client, PAGE))
    for i in range(5):
        lieu(cpas_a, nom=f"Lieu {i}")
        CanauxDuType.objects.create(
            cpas=cpas_a, type=type_propre(cpas_a, f"Type {i}"), canaux=["sms"]
        )
    assert len(requetes_de_la_page(client, PAGE)) == avant
