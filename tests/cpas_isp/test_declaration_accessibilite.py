"""The accessibility statement (EU Web Accessibility Directive): public, in both languages,
linked from the footer of every page, with the contact and the Belgian enforcement procedure."""

from django.test import Client
from django.utils import translation

from cpas_isp.models import Role


def test_statement_is_public_and_has_the_required_sections():
    html = Client().get("/accessibilite/").content.decode()
    for section in (
        "État de conformité",
        "partiellement conforme",
        "Contenus non accessibles",
        "Retour d'information et contact",
        "Procédure de recours",
        "Médiateur de la Wallonie",
        "Vlaamse Ombudsdienst",
    ):
        assert section in html


def test_statement_in_dutch():
    client = Client(headers={"accept-language": "nl"})
    with translation.override("nl"):
        html = client.get("/accessibilite/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "Toegankelijkheidsverklaring" in html
    assert "Handhavingsprocedure" in html
    assert "Nalevingsstatus" in html


def test_the_contact_address_comes_from_the_environment(settings):
    settings.ACCESSIBILITE_CONTACT = "toegankelijkheid@ocmw.example"
    html = Client().get("/accessibilite/").content.decode()
    assert 'href="mailto:toegankelijkheid@ocmw.example"' in html


def test_signed_in_user_without_address_is_told_to_contact_their_cpas(
    client_for, make_user, cpas_a, settings
):
    settings.ACCESSIBILITE_CONTACT = ""
    html = client_for(make_user(Role.AGENT, cpas_a)).get("/accessibilite/").content.decode()
    assert cpas_a.nom.replace("'", "&#x27;") in html


def test_footer_of_every_page_links_to_the_statement(client_for, make_user, cpas_a):
    assert 'href="/accessibilite/"' in Client().get("/connexion/").content.decode()
    agent = make_user(Role.AGENT, cpas_a)
    assert 'href="/accessibilite/"' in client_for(agent).get("/").content.decode()
