"""Shared fixtures: CPAS, users per role, logged-in clients, a real Chromium (Playwright)."""

import contextlib
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
    """A fresh browser page (own cookies) with base_url set to the live server. A test whose
    pages break the Content-Security-Policy (inline script or style, eval) fails."""
    context = browser.new_context(base_url=live_server.url, locale="fr-BE")
    context.set_default_timeout(15_000)
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    yield page
    context.close()
    assert violations == [], "Content-Security-Policy violations"


@pytest.fixture
def login(page, password):
    """login(user) through the real login form."""

    def _login(user, pwd=None):
        page.goto("/connexion/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", pwd or password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        return page

    return _login


def _test_database_url():
    """DATABASE_URL of the test database pytest-django created (for subprocesses)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextlib.contextmanager
def worker_celery(tmp_path, prefix="test", **extra_env):
    """Run a real Celery worker process on the configured broker (Redis with REDIS_URL, the
    filesystem transport otherwise) with the test database, consuming a queue of its own, which
    is also the default queue here and in the worker (tasks it queues come back to it).
    Yields (queue, log file)."""
    import subprocess
    import sys
    import time
    import uuid

    from cpas_isp.celery import app

    queue = f"{prefix}-{uuid.uuid4().hex[:10]}"
    env = dict(
        os.environ,
        DATABASE_URL=_test_database_url(),
        CPAS_ISP_TESTING="true",
        CELERY_QUEUE=queue,
        **extra_env,
    )
    log = tmp_path / f"{queue}.log"
    command = [
        sys.executable, "-m", "celery", "-A", "cpas_isp", "worker", "-Q", queue,
        "--pool", "solo", "--loglevel", "INFO", "--hostname", f"{queue}@%h",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
    ]  # fmt: skip
    with open(log, "w") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("Celery worker did not start:\n" + log.read_text())
        time.sleep(0.2)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    try:
        yield queue, log
    finally:
        app.conf.task_default_queue = previous
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker (see ``worker_celery``); yields its queue name."""
    with worker_celery(tmp_path) as (queue, _log):
        yield queue
