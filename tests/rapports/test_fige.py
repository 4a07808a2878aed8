"""``{% fige %}`` (markup rendered once per language) changes nothing in the pages: the
dashboard, in French and in Dutch, is the same HTML as with the same templates whose ``fige``
tags are removed (rendered on every view)."""

import re

import pytest
from django.conf import settings
from django.template.loaders import app_directories, filesystem
from django.test import override_settings

from cpas_isp.models import Role

# The fixtures of the appointments' tests: a year of rights, stays, appointments and referrals.
from tests.rapports.test_rendez_vous import agent, histoire  # noqa: F401

FIGE = re.compile(r"\{% (?:end)?fige %\}")
CSRF = re.compile(r'"X-CSRFToken": "[^"]*"|name="csrfmiddlewaretoken" value="[^"]*"')


def _sans_fige(origin, contenu):
    return FIGE.sub("", contenu)


class FichiersSansFige(filesystem.Loader):
    def get_contents(self, origin):
        return _sans_fige(origin, super().get_contents(origin))


class AppsSansFige(app_directories.Loader):
    def get_contents(self, origin):
        return _sans_fige(origin, super().get_contents(origin))


def _templates_sans_fige():
    (moteur,) = settings.TEMPLATES
    options = {
        **moteur["OPTIONS"],
        "loaders": [f"{__name__}.FichiersSansFige", f"{__name__}.AppsSansFige"],
    }
    return [{**moteur, "APP_DIRS": False, "OPTIONS": options}]


def _page(client):
    reponse = client.get("/rapports/", {"du": "2025-01", "au": "2025-12"})
    assert reponse.status_code == 200
    return CSRF.sub("", reponse.content.decode())


@pytest.mark.usefixtures("histoire")
@pytest.mark.parametrize("langue", ["fr", "nl"])
@pytest.mark.parametrize("role", [Role.COORDINATEUR, Role.DIRECTEUR])
def test_dashboard_is_the_same_html_without_its_frozen_markup(
    cpas_a, make_user, client_for, langue, role
):
    client = client_for(make_user(role, cpas_a, langue=langue))
    avec = _page(client)
    avec_encore = _page(client)  # the frozen markup reused
    with override_settings(TEMPLATES=_templates_sans_fige()):
        sans = _page(client)
    assert avec == avec_encore == sans
    assert f'<html lang="{langue}"' in avec
    assert "Délais" in avec if langue == "fr" else "Délais" not in avec
    assert 'id="section-article60"' in avec and 'id="table-rdv-delais"' in avec
