"""Security headers: Content-Security-Policy without inline code, Permissions-Policy, and no
browser or proxy cache for pages that show personal data; NUL characters in query strings."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cpas_isp.models import Role
from tests.beneficiaires.factories import BeneficiaireFactory

pytestmark = pytest.mark.django_db


def _directives(header):
    return {parts[0]: parts[1:] for parts in (d.split() for d in header.split(";") if d.strip())}


def test_person_page_has_csp_permissions_policy_and_no_store(cpas_a, make_user, client_for):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    b = BeneficiaireFactory(cpas=cpas_a)
    response = client_for(coord).get(reverse("beneficiaires:detail", args=[b.pk]))
    assert response.status_code == 200
    csp = _directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert csp["style-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "camera=()" in response["Permissions-Policy"]
    assert "geolocation=()" in response["Permissions-Policy"]
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_exports_are_not_stored_either(cpas_a, make_user, client_for):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    response = client_for(coord).get(reverse("beneficiaires:liste"), {"format": "csv"})
    assert "no-store" in response["Cache-Control"]


def test_login_page_has_the_policies(client):
    response = client.get(reverse("login"))
    assert "Content-Security-Policy" in response
    assert "Permissions-Policy" in response


# Inline code the policy would block: <script> without src, on...= handlers, hx-on (eval),
# style attributes and <style> elements. PDF templates are rendered by WeasyPrint, not a browser.
INTERDIT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>|\son[a-z]+=|\shx-on[:-]"
    r"|\sstyle=|<style\b",
    re.IGNORECASE,
)


def _templates():
    racine = Path(settings.BASE_DIR)
    for dossier in [racine / "templates", *racine.glob("*/templates")]:
        for path in dossier.rglob("*.html"):
            if "pdf" not in path.as_posix().split("templates/", 1)[1]:
                yield path


def test_no_template_has_inline_script_or_style():
    fautes = [
        f"{path.relative_to(settings.BASE_DIR)}: {m.group(0)}"
        for path in _templates()
        for m in INTERDIT.finditer(path.read_text(encoding="utf-8"))
    ]
    assert list(_templates())
    assert fautes == []


def test_nul_character_in_the_search_box_gets_a_message(cpas_a, make_user, client_for):
    coord = make_user(Role.COORDINATEUR, cpas_a)
    # First names given: a random one may be "Martin" (as Dupont's did once).
    BeneficiaireFactory(cpas=cpas_a, nom="Dupont", prenom="Alice")
    BeneficiaireFactory(cpas=cpas_a, nom="Martin", prenom="Bruno")
    response = client_for(coord).get(reverse("beneficiaires:liste"), {"q": "Dup\x00ont"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Un caractère invalide (caractère nul) a été retiré de la demande." in html
    assert "Dupont" in html and "Martin" not in html
