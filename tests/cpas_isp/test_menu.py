"""The navbar's entries are rendered once per combination of permission answers and language
(cpas_isp/templatetags/menu.py): every role still gets exactly the entries the templates give
it, in its language, and a template that depends on anything else is rendered every time."""

import pytest
from django.template import Context, Engine
from django.template.loader import get_template
from django.utils import translation

from cpas_isp.models import Role
from cpas_isp.permissions import UserPermissions
from cpas_isp.templatetags import menu

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def menu_vide():
    menu._rendus.clear()
    yield
    menu._rendus.clear()


def _entrees_sans_cache(user, langue):
    with translation.override(langue):
        return get_template(menu.MODELE).render({"perms_isp": UserPermissions(user)})


def _espaces(html):
    return " ".join(html.split())


@pytest.mark.parametrize("langue", ["fr", "nl"])
def test_each_role_gets_the_entries_its_templates_give_it(make_user, client_for, cpas_a, langue):
    assert {"peut_suivre_beneficiaires", "peut_voir_rapports"} <= set(
        menu._predicats_du_menu(Engine.get_default())
    )
    for role in Role:
        user = make_user(role, cpas_a, langue=langue)
        client = client_for(user)
        for _ in range(2):  # rendered, then reused
            html = client.get("/accessibilite/").content
            attendu = _entrees_sans_cache(user, langue).strip()
            assert attendu or role == Role.ADMIN
            barre = '<ul class="navbar-nav me-auto"> ' + _espaces(attendu)
            assert barre in _espaces(html.decode())
    # One rendering per combination of answers: five roles, at most five entries.
    assert 1 < len(menu._rendus) <= len(Role)


def test_users_with_the_same_answers_share_one_rendering(make_user, client_for, cpas_a):
    for i in range(3):
        client_for(make_user(Role.AGENT, cpas_a, username=f"agent{i}")).get("/accessibilite/")
    assert len(menu._rendus) == 1
    client_for(make_user(Role.COORDINATEUR, cpas_a)).get("/accessibilite/")
    assert len(menu._rendus) == 2


@pytest.mark.parametrize(
    "source",
    [
        '{% if perms_isp.a %}<a href="{{ request.path }}">x</a>{% endif %}',
        "{% if perms_isp.a and user.is_staff %}x{% endif %}",
        "{% if perms_isp.a %}{% translate nom %}{% endif %}",
        '{% include "autre.html" with x=1 %}',
        '{% include "autre.html" %}',  # which reads something else
        "{% now 'Y' %}",
    ],
)
def test_a_template_reading_anything_else_is_not_reused(source):
    moteur = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {menu.MODELE: "{% load i18n %}" + source, "autre.html": "{{ user }}"},
            )
        ],
        libraries={"i18n": "django.templatetags.i18n"},
    )
    assert menu._lire(moteur, menu.MODELE, set(), set()) is False


def test_a_template_reading_only_predicates_is_reused():
    moteur = Engine(
        loaders=[
            (
                "django.template.loaders.locmem.Loader",
                {
                    menu.MODELE: "{% load i18n %}{% if not perms_isp.a or perms_isp.b %}"
                    '{% translate "Dossiers" %}{% endif %}{% include "autre.html" %}',
                    "autre.html": "{% if perms_isp.c %}<li>{% url 'accueil' %}</li>{% endif %}",
                },
            )
        ],
        libraries={"i18n": "django.templatetags.i18n"},
    )
    noms = set()
    assert menu._lire(moteur, menu.MODELE, set(), noms) is True
    assert noms == {"a", "b", "c"}
    rendu = moteur.get_template(menu.MODELE).render(Context({"perms_isp": {"a": False}}))
    assert "Dossiers" in rendu
