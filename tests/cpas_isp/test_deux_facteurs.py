"""Two-factor authentication (TOTP, django-otp): who must, enrolment, verification, backup
codes, throttling."""

import datetime
import re

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from cpas_isp import deux_facteurs
from cpas_isp.models import DoubleAuthentification, Membership, Role

ACTIVER = "/double-authentification/activer/"
VERIFIER = "/double-authentification/"


def code_totp(device):
    return (
        f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    )


def connecter(user, password):
    """A client after the login form (password only)."""
    client = Client()
    response = client.post("/connexion/", {"username": user.username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.fixture
def horloge():
    with freeze_time(datetime.datetime(2026, 3, 1, 8, 0, tzinfo=datetime.UTC)) as frozen:
        yield frozen


def _pas(horloge, secondes=31):
    """Move to a later time step (a TOTP code is accepted once) and past the throttle delay."""
    horloge.tick(datetime.timedelta(seconds=secondes))


@pytest.mark.parametrize("url", ["/", "/audit/", "/admin/", "/beneficiaires/", "/cpas/changer/"])
def test_admin_without_authenticator_is_sent_to_enrolment_from_any_page(
    url, make_user, cpas_a, password
):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    client = connecter(admin, password)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(ACTIVER + "?next=")
    response = client.get(response["Location"])
    assert response.status_code == 200
    page = response.content.decode()
    assert "<svg" in page and 'id="cle-otp"' in page
    assert response["Cache-Control"] == "no-store"


def test_enrolment_refuses_a_wrong_code_and_confirms_with_the_right_one(
    horloge, make_user, cpas_a, password
):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    client = connecter(admin, password)
    page = client.get(ACTIVER + "?next=/audit/").content.decode()
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    cle = re.search(r'id="cle-otp">([A-Z2-7 ]+)<', page).group(1)
    assert cle.replace(" ", "") == deux_facteurs.cle_base32(device).replace(" ", "")

    faux = f"{(int(code_totp(device)) + 1) % 1_000_000:06d}"
    response = client.post(ACTIVER, {"code": faux, "next": "/audit/"})
    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302

    _pas(horloge, 2)
    response = client.post(ACTIVER, {"code": code_totp(device), "next": "/audit/"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "La double authentification est activée." in page
    codes = re.findall(r'<li class="col">([a-z2-7]{8})</li>', page)
    assert len(codes) == deux_facteurs.NOMBRE_CODES_SECOURS
    assert set(StaticToken.objects.filter(device__user=admin).values_list("token", flat=True)) == (
        set(codes)
    )
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/audit/").status_code == 200
    # The codes are not shown again: the page now gives the status only.
    page = client.get(ACTIVER).content.decode()
    assert codes[0] not in page
    assert "Il vous reste 10 codes de secours." in page


def test_next_login_asks_the_code_refuses_a_wrong_one_and_throttles(
    horloge, make_user, cpas_a, password
):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client = connecter(admin, password)
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == VERIFIER + "?next=%2Faudit%2F"
    assert client.get(ACTIVER).status_code == 302  # no second enrolment before the code

    faux = f"{(int(code_totp(device)) + 1) % 1_000_000:06d}"
    response = client.post(VERIFIER, {"code": faux, "next": "/audit/"})
    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    assert client.get("/audit/").status_code == 302
    for bizarre in ("12\x0034", "😀" * 6, "9" * 1000, ""):
        response = client.post(VERIFIER, {"code": bizarre, "next": "/audit/"})
        assert response.status_code == 200
    # Right after a wrong code, even the right one waits (django-otp throttling).
    response = client.post(VERIFIER, {"code": code_totp(device), "next": "/audit/"})
    assert "Trop de codes erronés" in response.content.decode()
    assert client.get("/audit/").status_code == 302

    _pas(horloge, 2)
    response = client.post(VERIFIER, {"code": code_totp(device), "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    assert client.get("/audit/").status_code == 200


def test_verification_refuses_a_foreign_next(horloge, make_user, cpas_a, password):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client = connecter(admin, password)
    response = client.post(VERIFIER, {"code": code_totp(device), "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/"


def test_agent_of_a_cpas_without_the_requirement_is_not_asked(make_user, cpas_a, password):
    assert cpas_a.double_authentification == DoubleAuthentification.ADMINS
    for role in (Role.AGENT, Role.COORDINATEUR, Role.DIRECTEUR, Role.PARTENAIRE):
        user = make_user(role, cpas_a)
        assert connecter(user, password).get("/").status_code == 200


def test_agent_of_a_cpas_requiring_it_is_asked(make_user, cpas_a, cpas_b, password):
    cpas_b.double_authentification = DoubleAuthentification.TOUS
    cpas_b.save()
    agent_b = make_user(Role.AGENT, cpas_b)
    response = connecter(agent_b, password).get("/")
    assert response.status_code == 302 and response["Location"].startswith(ACTIVER)
    # Working for several CPAS: required if any active membership requires it.
    multi = make_user(Role.COORDINATEUR, cpas_a)
    membership = Membership.objects.create(user=multi, cpas=cpas_b, role=Role.AGENT)
    assert connecter(multi, password).get("/").status_code == 302
    membership.actif = False
    membership.save()
    assert connecter(multi, password).get("/").status_code == 200


def test_staff_without_an_admin_role_is_asked_too(make_user, cpas_a, password):
    user = make_user(Role.COORDINATEUR, cpas_a, is_staff=True)
    response = connecter(user, password).get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(ACTIVER)


def test_backup_code_works_once(horloge, make_user, cpas_a, password):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    device = deux_facteurs.appareil_en_cours(admin)
    codes = deux_facteurs.confirmer_appareil(device)
    client = connecter(admin, password)
    response = client.post(VERIFIER, {"code": codes[0].upper(), "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    page = client.get("/audit/", follow=True).content.decode()
    assert "Code de secours utilisé : il vous en reste 9." in page

    client.post("/deconnexion/")
    client = connecter(admin, password)
    response = client.post(VERIFIER, {"code": codes[0], "next": "/"})
    assert response.status_code == 200
    assert "Code incorrect." in response.content.decode()
    assert client.get("/").status_code == 302
    _pas(horloge, 2)
    assert client.post(VERIFIER, {"code": codes[1], "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200


def test_new_backup_codes_replace_the_old_ones(client_for, make_user, cpas_a):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    anciens = deux_facteurs.nouveaux_codes_secours(admin)
    client = client_for(admin)
    page = client.post("/double-authentification/codes-de-secours/").content.decode()
    nouveaux = re.findall(r'<li class="col">([a-z2-7]{8})</li>', page)
    assert len(nouveaux) == 10 and not set(nouveaux) & set(anciens)
    assert not StaticToken.objects.filter(token__in=anciens).exists()


def test_unverified_user_may_log_out_and_switch_language(make_user, cpas_a, password):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    client = connecter(admin, password)
    response = client.post("/langue/", {"language": "nl", "next": ACTIVER})
    assert response.status_code == 302 and response["Location"] == ACTIVER
    page = client.get(ACTIVER).content.decode()
    assert "Tweestapsverificatie inschakelen" in page
    client.post("/deconnexion/")
    assert "_auth_user_id" not in client.session


def test_htmx_request_of_an_unverified_user_is_redirected_by_htmx(make_user, cpas_a, password):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    client = connecter(admin, password)
    response = client.get("/audit/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(ACTIVER)


def test_pages_are_in_dutch(make_user, cpas_b, password, horloge):
    admin = make_user(Role.ADMIN, cpas_b, is_staff=True, langue="nl")
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    client = connecter(admin, password)
    page = client.get(VERIFIER).content.decode()
    assert "Tweestapsverificatie" in page and "Verifiëren" in page
    faux = f"{(int(code_totp(device)) + 1) % 1_000_000:06d}"
    page = client.post(VERIFIER, {"code": faux}).content.decode()
    assert "Onjuiste code." in page


@pytest.mark.horloge_externe  # the code is computed by another process
def test_demo_admin_logs_in_with_the_published_secret(make_user, cpas_a, password):
    import subprocess

    from django.conf import settings

    admin = make_user(Role.ADMIN, cpas_a, is_staff=True)
    deux_facteurs.enroler_demo(admin)
    client = connecter(admin, password)
    assert client.get("/").status_code == 302
    # The command printed by `make run` (README too) gives the current code (real time).
    commande = subprocess.run(
        deux_facteurs.COMMANDE_CODE_DEMO,
        shell=True,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    code = commande.stdout.strip()
    assert re.fullmatch(r"\d{6}", code)
    response = client.post(VERIFIER, {"code": code, "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


@pytest.mark.browser
def test_admin_enrols_then_logs_in_with_a_code_in_the_browser(
    page, login, make_user, cpas_a, password
):
    from base64 import b32decode

    from django_otp.oath import totp

    admin = make_user(Role.ADMIN, cpas_a, is_staff=True, first_name="Thomas")
    login(admin, otp=False)
    assert "/double-authentification/activer/" in page.url
    assert page.locator("#qr-code svg").is_visible()
    cle = page.locator("#cle-otp").inner_text().replace(" ", "")
    page.fill("input[name=code]", f"{totp(b32decode(cle)):06d}")
    with page.expect_navigation():
        page.click("#form-otp button[type=submit]")
    assert page.locator("#codes-secours li").count() == deux_facteurs.NOMBRE_CODES_SECOURS
    with page.expect_navigation():
        page.click("text=Continuer")
    assert page.locator("h1").inner_text() == "Bonjour Thomas"


@pytest.mark.browser
def test_admin_with_an_authenticator_gives_the_code_in_the_browser(
    page, login, make_user, cpas_a, password
):
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True, first_name="Thomas")
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    login(admin, otp=False)
    assert "/double-authentification/?next=" in page.url
    page.fill("input[name=code]", f"{(int(code_totp(device)) + 1) % 1_000_000:06d}")
    with page.expect_navigation():
        page.click("#form-otp button[type=submit]")
    assert "Code incorrect." in page.locator("#form-otp").inner_text()
    page.wait_for_timeout(1100)  # django-otp's throttling after a wrong code
    page.fill("input[name=code]", code_totp(device))
    with page.expect_navigation():
        page.click("#form-otp button[type=submit]")
    assert page.locator("h1").inner_text() == "Bonjour Thomas"


def test_the_requirement_is_set_in_the_cpas_admin_form(client_for, make_user, cpas_a):
    national = make_user(Role.ADMIN, cpas_a, is_staff=True, is_superuser=True)
    page = client_for(national).get(f"/admin/cpas_isp/cpas/{cpas_a.pk}/change/").content.decode()
    assert 'name="double_authentification"' in page
    assert 'value="tous"' in page and "Tous les rôles" in page


@pytest.mark.browser
def test_login_fixture_passes_the_two_factor_step(page, login, make_user, cpas_a):
    """Browser tests of other pages log admins in through the form and the code page."""
    admin = make_user(Role.ADMIN, cpas_a, is_staff=True, first_name="Thomas")
    login(admin)
    assert page.locator("h1").inner_text() == "Bonjour Thomas"
    assert TOTPDevice.objects.filter(user=admin, confirmed=True).exists()
    page.context.clear_cookies()
    autre = make_user(Role.ADMIN, cpas_a, is_staff=True, first_name="Julie")
    TOTPDevice.objects.create(user=autre, name="app", confirmed=True)
    login(autre)  # with a confirmed authenticator: the code page
    assert page.locator("h1").inner_text() == "Bonjour Julie"
