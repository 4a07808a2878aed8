"""Shared fixtures: CPAS, users per role, logged-in clients, a real Chromium (Playwright)."""

import os

import pytest
from django.test import Client

from cpas_isp.models import Role
from tests.cpas_isp.factories import PASSWORD, CpasFactory, MembershipFactory, UserFactory

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture
def cpas_a(db):
    return CpasFactory(code="alpha", nom="CPAS d'Alphaville", habitants=50_000)


@pytest.fixture
def cpas_b(db):
    return CpasFactory(code="beta", nom="CPAS de Betaville", habitants=10_000, langue="nl")


@pytest.fixture
def make_user(db):
    """make_user(role, cpas, cellule=None, username=None) -> User with an active membership."""

    def _make(role=Role.AGENT, cpas=None, cellule=None, username=None, **user_fields):
        cpas = cpas or CpasFactory()
        if isinstance(cellule, str):
            cellule = cpas.cellules.get(code=cellule)
        kwargs = {"username": username} if username else {}
        user = UserFactory(**kwargs, **user_fields)
        MembershipFactory(user=user, cpas=cpas, role=role, cellule=cellule)
        return user

    return _make


@pytest.fixture
def client_for():
    """client_for(user) -> a Django test client logged in as user."""

    def _client(user):
        client = Client()
        client.force_login(user)
        return client

    return _client


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture(scope="session")
def _playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(_playwright):
    browser = _playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page (own cookies) with base_url set to the live server."""
    context = browser.new_context(base_url=live_server.url, locale="fr-BE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page, password):
    """login(user) through the real login form."""

    def _login(user, pwd=None):
        page.goto("/connexion/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", pwd or password)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    return _login
