"""The navbar is rendered once per key holding every value it reads
(cpas_isp/templatetags/menu.py, ``{% barre_navigation %}``): each user still gets their own
name, CPAS, role, list of CPAS, unread count, entries and language, a CSRF token of their own
request and their own path, exactly as the plain ``{% include %}`` gave them."""

import re

import pytest
from django.template import RequestContext, Template
from django.test import Client, RequestFactory, override_settings
from django.utils.html import escape

from cpas_isp.models import NatureNotification, Role
from cpas_isp.notifications import notifier
from cpas_isp.templatetags import menu
from cpas_isp.tenancy import activate
from tests.conftest import verifier_session
from tests.cpas_isp.factories import MembershipFactory

pytestmark = pytest.mark.django_db

JETON = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]+)')
URL = "/accessibilite/?q=<b>&x='1'"


@pytest.fixture(autouse=True)
def memo_vide(monkeypatch):
    monkeypatch.setattr(menu, "_barre_memorisable", True)
    menu._barres.clear()
    yield
    menu._barres.clear()


def _barre(html):
    return html[html.index('<nav class="navbar') : html.index("</nav>") + len("</nav>")]


def _sans_jetons(html):
    return JETON.sub(r"\1-", html)


def _page_sans_memo(client, url, monkeypatch):
    """The page as the plain include renders it (the memo switched off for one request)."""
    monkeypatch.setattr(menu, "_barre_memorisable", False)
    try:
        return client.get(url).content.decode()
    finally:
        monkeypatch.setattr(menu, "_barre_memorisable", True)


@pytest.fixture
def utilisateurs(make_user, cpas_a, cpas_b):
    """Users of every role, of two CPAS, in two languages, one working for both CPAS."""
    users = [
        make_user(Role.AGENT, cpas_a, username="agent.alpha", first_name="Anne"),
        make_user(Role.AGENT, cpas_a, username="agent.deux", first_name="Bert", langue="nl"),
        make_user(Role.COORDINATEUR, cpas_b, username="coord.beta", langue="nl"),
        make_user(Role.DIRECTEUR, cpas_a, username="dir.alpha", first_name="", last_name=""),
        make_user(Role.ADMIN, cpas_a, username="admin.alpha", is_staff=True),
        make_user(Role.PARTENAIRE, cpas_b, username="partenaire.beta"),
    ]
    multi = make_user(Role.COORDINATEUR, cpas_a, username="coord.multi")
    MembershipFactory(user=multi, cpas=cpas_b, role=Role.AGENT)
    return [*users, multi]


def test_each_user_gets_their_own_navbar_as_without_the_memo(utilisateurs, client_for, monkeypatch):
    clients = {u.username: client_for(u) for u in utilisateurs}
    for _tour in range(2):  # rendered, then reused
        for user in utilisateurs:
            client = clients[user.username]
            page = client.get(URL).content.decode()
            attendu = _page_sans_memo(client, URL, monkeypatch)
            assert _sans_jetons(page) == _sans_jetons(attendu)
            barre = _barre(page)
            assert f">{user.first_name or user.username}</button>" in barre
            for autre in utilisateurs:
                if autre.username != user.username:
                    assert autre.username not in barre
            if user.langue == "nl":
                assert "Afmelden" in barre and "Se déconnecter" not in barre
            else:
                assert "Se déconnecter" in barre and "Afmelden" not in barre
        # One rendering per user, reused on the second round.
        assert len(menu._barres) == len(utilisateurs)
    assert 'id="changer-cpas"' in _barre(clients["coord.multi"].get(URL).content.decode())
    assert 'id="changer-cpas"' not in _barre(clients["agent.alpha"].get(URL).content.decode())
    administration = 'href="/admin/"'
    assert administration in _barre(clients["admin.alpha"].get(URL).content.decode())
    assert administration not in _barre(clients["agent.alpha"].get(URL).content.decode())


def test_switching_cpas_changes_the_navbar(utilisateurs, client_for, cpas_b):
    multi = next(u for u in utilisateurs if u.username == "coord.multi")
    client = client_for(multi)
    avant = _barre(client.get(URL).content.decode())
    assert "CPAS d&#x27;Alphaville — Coordinateur</span>" in avant
    client.post("/cpas/changer/", {"cpas": cpas_b.pk})
    apres = _barre(client.get(URL).content.decode())
    assert "CPAS de Betaville — Agent d&#x27;insertion</span>" in apres
    assert f'<option value="{cpas_b.pk}" selected>' in apres


def test_switching_language_changes_the_navbar(make_user, client_for, cpas_a):
    client = client_for(make_user(Role.AGENT, cpas_a))
    assert "Se déconnecter" in _barre(client.get(URL).content.decode())
    client.post("/langue/", {"language": "nl", "next": "/"})
    barre = _barre(client.get(URL).content.decode())
    assert "Afmelden" in barre and "Se déconnecter" not in barre
    assert len(menu._barres) == 2


def test_the_unread_count_is_the_current_one(make_user, client_for, cpas_a):
    agent = make_user(Role.AGENT, cpas_a)
    coordinateur = make_user(Role.COORDINATEUR, cpas_a)
    client = client_for(agent)
    assert "badge rounded-pill" not in _barre(client.get("/").content.decode())
    for attendu in (1, 2):
        notifier([agent], NatureNotification.DOSSIER_ATTRIBUE, cpas=cpas_a, auteur=coordinateur)
        barre = _barre(client.get("/").content.decode())
        assert f'badge rounded-pill bg-warning text-dark ms-1">{attendu}<' in barre
    client.post("/notifications/tout-lu/")
    assert "badge rounded-pill" not in _barre(client.get("/").content.decode())


def test_the_csrf_token_and_the_path_are_each_requests_own(make_user, cpas_a):
    agent = make_user(Role.AGENT, cpas_a)
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    verifier_session(client, agent)
    vus = set()
    for chemin in ("/", "/accessibilite/", URL):
        page = client.get(chemin).content.decode()
        jetons = {m.group(2) for m in JETON.finditer(page)}
        # The body's token (htmx) and the navbar's forms' tokens: the request's one token.
        assert len(jetons) == 1 and len(JETON.findall(_barre(page))) == 2
        assert not jetons & vus  # masked anew on every request, never the memo's
        vus |= jetons
        suivant = escape(chemin.replace("<", "%3C").replace(">", "%3E"))
        assert f'name="next" value="{suivant}"' in _barre(page)
    assert len(menu._barres) == 1
    # The token works: the language switch (a navbar form) accepts it.
    reponse = client.post(
        "/langue/", {"language": "nl", "next": "/", "csrfmiddlewaretoken": jetons.pop()}
    )
    assert reponse.status_code == 302


def _rendre(user, cpas, **contexte):
    request = RequestFactory().get("/accessibilite/")
    request.user = user
    activate(user, cpas.pk)
    return Template("{% load menu %}{% barre_navigation %}").render(
        RequestContext(request, contexte)
    )


def test_a_page_setting_a_name_the_navbar_reads_is_rendered_without_the_memo(make_user, cpas_a):
    agent = make_user(Role.AGENT, cpas_a)
    assert 'hx-swap-oob="true"' in _rendre(agent, cpas_a, oob=True)
    assert len(menu._barres) == 0
    assert 'hx-swap-oob="true"' not in _rendre(agent, cpas_a)
    assert len(menu._barres) == 1


def test_a_navbar_reading_a_value_its_key_lacks_is_no_longer_memorised(
    utilisateurs, client_for, monkeypatch
):
    contexte = menu._contexte_barre

    def sans_membership(cle, context):
        ctx = contexte(cle, context)
        del ctx.dicts[-1]["membership"]
        return ctx

    monkeypatch.setattr(menu, "_contexte_barre", sans_membership)
    client = client_for(utilisateurs[0])
    page = client.get(URL).content.decode()
    assert menu._barre_memorisable is False and len(menu._barres) == 0
    assert _sans_jetons(page) == _sans_jetons(_page_sans_memo(client, URL, monkeypatch))
    assert "CPAS d&#x27;Alphaville — Agent d&#x27;insertion</span>" in page


def test_the_values_the_navbar_is_rendered_with_hold_nothing_else():
    valeurs = menu._Valeurs(nom="x")
    with pytest.raises(menu._HorsCle):
        valeurs.autre  # noqa: B018
    with pytest.raises(menu._HorsCle):
        str(valeurs)
    with pytest.raises(menu._HorsCle):
        menu._Reponses({"peut_voir_audit": False})["peut_importer"]
    with pytest.raises(menu._HorsCle):
        Template("{{ inconnue }}").render(menu._ContexteStrict({}))
    assert Template("{% if oob %}x{% endif %}").render(menu._ContexteStrict({})) == ""


def test_a_setting_change_empties_the_memo(make_user, cpas_a):
    _rendre(make_user(Role.AGENT, cpas_a), cpas_a)
    assert len(menu._barres) == 1
    with override_settings(LANGUAGES=[("fr", "Français")]):
        assert len(menu._barres) == 0
