"""Shared fixtures: CPAS, users per role, logged-in clients, a real Chromium (Playwright);
templates that render an unknown variable fail; what a test run shares with the other pytest-xdist
workers (Celery queue, media folder) is made per worker."""

import contextlib
import importlib
import os
import sys

import pytest
from django.conf import settings
from django.template import engines
from django.test import Client
from django.utils import translation
from pytest_django.plugin import pytest_collection_modifyitems as trier_comme_django

from cpas_isp.middleware import SessionIdleMiddleware
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


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(items):
    """pytest-randomly shuffles the tests after pytest-django put them in Django's order: put
    them back in that order (the tests that empty the database, transactional or on the live
    server, last: they take away the rows data migrations seed), shuffled within each group."""
    result = yield
    trier_comme_django(items)
    return result


def pytest_addoption(parser):
    parser.addoption(
        "--aujourdhui",
        default=os.environ.get("CPAS_ISP_TEST_TODAY", ""),
        help=(
            "run the tests as if now were this UTC moment ('YYYY-MM-DD' or 'YYYY-MM-DD HH:MM'), "
            "time still running, to find tests that depend on today's date (e.g. 1 January, "
            "29 February, the last day of a month, late evening when Brussels is already "
            "tomorrow); browser and subprocess tests are skipped then"
        ),
    )


@pytest.fixture(autouse=True)
def _aujourdhui(request):
    moment = request.config.getoption("--aujourdhui")
    if not moment:
        yield
        return
    if any(request.node.get_closest_marker(m) for m in ("browser", "slow", "horloge_externe")):
        pytest.skip("--aujourdhui: the database and other processes keep the real clock")
    # Libraries that build tables keyed on the date classes at import time must be imported
    # before the clock is replaced, as they are in production.
    import openpyxl.cell.cell  # noqa: F401
    import weasyprint  # noqa: F401
    from freezegun import freeze_time

    if len(moment) == 10:
        moment += " 10:30"
    with freeze_time(moment, tick=True):
        yield


# The pytest-xdist worker running this process ("gw0", "gw1"…; "" without -n).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def par_worker(nom):
    """``nom`` suffixed with the pytest-xdist worker id: parallel workers do not share it."""
    return f"{nom}-{XDIST_WORKER}" if XDIST_WORKER else nom


class VariableInconnue(str):
    """The template engine's ``string_if_invalid`` in tests. Empty and falsy like Django's
    default, so that ``{% if %}``, ``{% for %}`` and ``|default`` behave as in production; but
    rendering it in one of this project's templates (not a library's) fails the test."""

    def __str__(self):
        frame = sys._getframe(1)
        while frame is not None:
            node = frame.f_locals.get("self")
            origin = getattr(node, "origin", None)
            if frame.f_code.co_name == "render" and origin is not None:
                nom = str(origin.name)
                if nom.startswith(str(settings.BASE_DIR)) and "site-packages" not in nom:
                    token = getattr(node, "token", None)
                    quoi = token.contents if token is not None else "?"
                    raise AssertionError(f"unknown template variable in {{{{ {quoi} }}}} ({nom})")
                break
            frame = frame.f_back
        return ""

    def __mod__(self, _args):
        return str(self)


@pytest.fixture(autouse=True, scope="session")
def _variables_de_gabarit_connues():
    """Templates fail on an unknown variable (one rendered missing, not one tested with
    ``{% if %}`` or given a ``|default``)."""
    engine = engines["django"].engine
    previous = engine.string_if_invalid
    engine.string_if_invalid = VariableInconnue()
    yield
    engine.string_if_invalid = previous


@pytest.fixture(autouse=True, scope="session")
def _isoler_les_workers(tmp_path_factory):
    """What parallel workers would otherwise share: the Celery queue tasks are sent to and the
    media folder."""
    from django.test.utils import override_settings

    from cpas_isp.celery import app

    queue = par_worker(app.conf.task_default_queue)
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    with override_settings(
        CELERY_TASK_DEFAULT_QUEUE=queue, MEDIA_ROOT=tmp_path_factory.mktemp("media")
    ):
        yield
    app.conf.task_default_queue = previous


# The data migrations that seed rows (reference lists, schedules): (module, function).
DONNEES_DES_MIGRATIONS = [
    ("beneficiaires.migrations.0003_recherche_freins", "charger_freins"),
    ("beneficiaires.migrations.0011_planification_relance_imports", "planifier"),
    ("cpas_isp.migrations.0003_planning_purge_sessions", "creer"),
    ("partenaires.migrations.0002_references_et_planification", "charger"),
    ("rapports.migrations.0002_planification_rapports_mensuels", "planifier"),
    ("rapports.migrations.0004_planification_relance_rapports", "planifier"),
    ("trajets.migrations.0003_listes_de_reference", "charger"),
    ("rendezvous.migrations.0002_types_de_rendez_vous", "charger"),  # after the step types
    ("rendezvous.migrations.0004_rappels", "planifier"),
    ("documents.migrations.0002_categories", "charger"),
    ("documents.migrations.0003_planification_analyse", "planifier"),
    ("activites.migrations.0002_types_activite", "charger"),
    ("rendezvous.migrations.0005_lettres_et_expiration", "remplir"),
    ("cpas_isp.migrations.0011_resume_notifications", "planifier"),
    ("trajets.migrations.0008_planification_notifications", "planifier"),
]


@pytest.fixture(autouse=True)
def _donnees_des_migrations(request):
    """A test that empties the database (transactional, live server) takes away the rows the
    data migrations seed: put them back before a test that uses the database finds them
    missing, whatever test came before (random order)."""
    if not {"db", "transactional_db", "live_server"} & set(request.fixturenames):
        return
    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    from activites.models import TypeActivite
    from beneficiaires.models import Frein
    from documents.models import CategorieDocument
    from partenaires.models import TypePartenaire
    from rendezvous.models import TypeRendezVous
    from trajets.models import MotifSortie

    request.getfixturevalue("django_db_setup")  # the test database, not the one in DATABASE_URL
    with request.getfixturevalue("django_db_blocker").unblock():
        if all(
            m.objects.exists()
            for m in (
                Frein,
                TypePartenaire,
                MotifSortie,
                TypeRendezVous,
                PeriodicTask,
                CategorieDocument,
                TypeActivite,
            )
        ):
            return
        for module, fonction in DONNEES_DES_MIGRATIONS:
            getattr(importlib.import_module(module), fonction)(apps, None)


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


def verifier_session(client, user):
    """Give ``user`` a confirmed authenticator and mark the client's session as verified by
    it, as after entering a valid one-time code (two-factor authentication)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="tests", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


@pytest.fixture
def client_for():
    """client_for(user) -> a Django test client logged in as user, past the two-factor step
    (``verifie=False``: password only, as right after the login form)."""

    def _client(user, verifie=True):
        client = Client()
        client.force_login(user)
        if verifie:
            verifier_session(client, user)
        return client

    return _client


# At most this many SQL queries for one page (a list or a person's file), rows or not.
PLAFOND_REQUETES = 60


@pytest.fixture(autouse=True)
def _langue_par_defaut():
    """Every test starts in the default language (French) and leaves it so: in random order, a
    test that activates Dutch must not change the messages the next one reads."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def requetes_de_la_page(django_assert_max_num_queries, monkeypatch):
    """requetes_de_la_page(client, url, data=None) -> the SQL queries (dicts with "sql") of one
    GET of ``url``, which must answer 200 in at most ``plafond`` queries. The query-count test
    of a page calls it, adds rows, calls it again and compares the two ``len()``: the count
    must not grow with the rows. (The first request of a session stamps it: warm up first.)
    The session's last-seen stamp, refreshed once a minute, is not refreshed during the counted
    requests: building rows may take more than a minute on a loaded machine."""
    monkeypatch.setattr(SessionIdleMiddleware, "REFRESH_SECONDS", 24 * 3600)

    def _requetes(client, url, data=None, plafond=PLAFOND_REQUETES):
        with django_assert_max_num_queries(plafond) as ctx:
            assert client.get(url, data or {}).status_code == 200
        return ctx.captured_queries

    return _requetes


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


AXE_JS = settings.BASE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# axe-core's best-practice rules checked with the WCAG ones (``violations_axe``), whatever
# their impact.
PRATIQUES_AXE = ("landmark-unique", "empty-table-header")


def violations_axe(page, impacts=("critical", "serious")) -> list[str]:
    """axe-core (npm, locked in package-lock.json) run on the page as it is now, with the WCAG
    2.0/2.1 A and AA rules and PRATIQUES_AXE: the violations of the given impacts and any of
    PRATIQUES_AXE, one line each (rule, impact, how many nodes, the first node's selector),
    ready for an assertion message. Injected through the DevTools protocol, so the page's
    Content-Security-Policy is untouched."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())
    resultats = page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag',
            values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"""
    )
    # Two best practices that screen reader users meet on every list: landmarks they cannot
    # tell apart (several forms of the same name) and column headers announced as nothing.
    pratiques = page.evaluate(
        "(regles) => axe.run(document, {runOnly: {type: 'rule', values: regles}})",
        list(PRATIQUES_AXE),
    )
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}×): {v['nodes'][0]['target']}"
        for v in resultats["violations"] + pratiques["violations"]
        if v["impact"] in impacts or v["id"] in PRATIQUES_AXE
    ]


def passer_double_authentification(page, user):
    """On the enrolment or code page the login led to, enter a valid one-time code as the
    user's authenticator app would give it, and continue to the page asked for."""
    from base64 import b32decode

    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if "/double-authentification/activer/" in page.url:
        cle = b32decode(page.locator("#cle-otp").inner_text().replace(" ", ""))
        page.fill("input[name=code]", f"{TOTP(cle).token():06d}")
        with page.expect_navigation():
            page.click("#form-otp button[type=submit]")
        with page.expect_navigation():
            page.click("main a.btn-primary")  # past the backup codes
        return
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while totp.t() <= device.last_t:  # that code was used already: wait for the next one
        page.wait_for_timeout(1000)
    page.fill("input[name=code]", f"{totp.token():06d}")
    with page.expect_navigation():
        page.click("#form-otp button[type=submit]")


@pytest.fixture
def login(page, password):
    """login(user) through the real login form, then the two-factor step when the user must
    give a one-time code (``otp=False``: stop on that page)."""

    def _login(user, pwd=None, otp=True):
        page.goto("/connexion/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", pwd or password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        if otp and "/double-authentification/" in page.url:
            passer_double_authentification(page, user)
        return page

    return _login


def _test_database_url():
    """DATABASE_URL of the test database pytest-django created (for subprocesses)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


@contextlib.contextmanager
def worker_celery(tmp_path, prefix="test", processus=None, **extra_env):
    """Run a real Celery worker process on the configured broker (Redis with REDIS_URL, the
    filesystem transport otherwise) with the test database, consuming a queue of its own, which
    is also the default queue here and in the worker (tasks it queues come back to it).
    Yields (queue, log file); the process is appended to the list ``processus`` if given
    (to kill it)."""
    import subprocess
    import sys
    import time
    import uuid

    from cpas_isp.celery import app

    queue = f"{app.conf.task_default_queue}-{prefix}-{uuid.uuid4().hex[:10]}"  # per worker
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
    if processus is not None:
        processus.append(proc)
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


@pytest.fixture(autouse=True)
def _rien_de_prepare(django_db_blocker):
    """Every test leaves the worker's connection with nothing prepared (``cpas_isp.preparation``,
    ``cpas_isp.lots``): the shapes earlier tests prepared would otherwise fill the
    connection's ``PREPARES_MAX`` in some random orders, and a later test's statement would
    then run unprepared (a test of its preparation failing by the order alone)."""
    yield
    from django.db import connection

    brute = connection.connection
    if brute is None or brute.closed or not brute.__dict__.get("_isp_prepares"):
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    brute.__dict__["_isp_prepares"].clear()


@pytest.fixture(autouse=True)
def _cache_vide():
    """Every test starts with an empty Django cache (kept dashboard figures, rate-limit
    counters): what a test computed must not answer for the next one, whose rows may carry
    the same ids."""
    from django.core.cache import cache

    from cpas_isp import limites

    cache.clear()
    limites._SECOURS.clear()
