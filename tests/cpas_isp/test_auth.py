import datetime

from django.conf import settings
from django.utils import timezone
from freezegun import freeze_time

from cpas_isp.models import Role
from tests.conftest import PLAFOND_REQUETES


def test_login_then_home_shows_cpas_and_role(client, make_user, cpas_a, password):
    user = make_user(Role.AGENT, cpas_a, first_name="Amina")
    response = client.post(
        "/connexion/", {"username": user.username, "password": password}, follow=True
    )
    page = response.content.decode()
    assert "Bonjour Amina" in page
    assert cpas_a.nom.replace("'", "&#x27;") in page


def test_pages_require_login(client, db):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/")


def test_wrong_password_shows_a_clear_message(client, make_user, cpas_a):
    user = make_user(Role.AGENT, cpas_a)
    response = client.post("/connexion/", {"username": user.username, "password": "nope"})
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


def test_account_is_locked_after_repeated_failures(client, make_user, cpas_a, password):
    user = make_user(Role.AGENT, cpas_a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/connexion/", {"username": user.username, "password": "wrong"})
    response = client.post("/connexion/", {"username": user.username, "password": password})
    assert response.status_code == 429
    assert "Compte temporairement bloqué" in response.content.decode()
    # Even the right password is refused while locked.
    assert "_auth_user_id" not in client.session


def test_session_expires_after_idle_timeout_and_is_renewed_on_activity(
    make_user, client_for, cpas_a
):
    assert settings.SESSION_IDLE_TIMEOUT == settings.SESSION_COOKIE_AGE == 30 * 60
    debut = timezone.now()
    with freeze_time(debut) as horloge:
        client = client_for(make_user(Role.AGENT, cpas_a))
        client.get("/")
        assert 0 < client.session.get_expiry_age() <= 30 * 60
        # Active every 20 minutes: still logged in an hour later.
        for _ in range(3):
            horloge.tick(datetime.timedelta(minutes=20))
            assert client.get("/").status_code == 200
        # Then 31 minutes without a request: back to the login form.
        horloge.tick(datetime.timedelta(minutes=31))
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")


def _ecritures_session(ctx):
    return sum(
        1
        for q in ctx.captured_queries
        if q["sql"].startswith("UPDATE") and '"django_session"' in q["sql"]
    )


def test_session_is_written_at_most_once_a_minute(
    make_user, client_for, cpas_a, django_assert_max_num_queries
):
    debut = timezone.now()
    with freeze_time(debut) as horloge:
        client = client_for(make_user(Role.AGENT, cpas_a))
        client.get("/")  # first page after login: stamps the session
        with django_assert_max_num_queries(2 * PLAFOND_REQUETES) as ctx:
            client.get("/")
            horloge.tick(datetime.timedelta(seconds=30))
            client.get("/beneficiaires/")
        assert _ecritures_session(ctx) == 0
        horloge.tick(datetime.timedelta(seconds=31))
        with django_assert_max_num_queries(2 * PLAFOND_REQUETES) as ctx:
            client.get("/")
            client.get("/")
        assert _ecritures_session(ctx) == 1  # the last-seen stamp, once


def test_idle_timeout_logs_out_even_if_the_stored_session_lives_longer(
    make_user, client_for, cpas_a, settings
):
    settings.SESSION_COOKIE_AGE = 8 * 3600  # upper bound only
    debut = timezone.now()
    with freeze_time(debut) as horloge:
        client = client_for(make_user(Role.AGENT, cpas_a))
        assert client.get("/").status_code == 200
        horloge.tick(datetime.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        horloge.tick(datetime.timedelta(minutes=31))
        response = client.get("/beneficiaires/")
        assert response.status_code == 302 and response["Location"].startswith("/connexion/")
        assert "_auth_user_id" not in client.session


def test_logout_ends_the_session(make_user, client_for, cpas_a):
    client = client_for(make_user(Role.AGENT, cpas_a))
    client.post("/deconnexion/")
    assert client.get("/").status_code == 302


def test_user_language_is_dutch_when_chosen(client, make_user, cpas_b, password):
    user = make_user(Role.AGENT, cpas_b, langue="nl")
    client.force_login(user)
    page = client.get("/").content.decode()
    assert 'lang="nl"' in page
    assert "Afmelden" in page


def test_language_switch_is_remembered_on_the_profile(make_user, client_for, cpas_a):
    user = make_user(Role.AGENT, cpas_a)
    client = client_for(user)
    response = client.post("/langue/", {"language": "nl", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    user.refresh_from_db()
    assert user.langue == "nl"
    assert 'lang="nl"' in client.get("/").content.decode()


def test_language_switch_refuses_foreign_redirects(client, db):
    response = client.post("/langue/", {"language": "nl", "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_belgian_date_format(settings):
    import datetime

    from django.utils import formats, translation

    with translation.override("fr"):
        assert formats.date_format(datetime.date(2026, 3, 1)) == "01/03/2026"
    with translation.override("nl"):
        assert formats.date_format(datetime.date(2026, 3, 1)) == "01/03/2026"


def test_health_check_answers_the_logged_in_user_and_cpas(make_user, client_for, cpas_a, client):
    assert client.get("/sante/").status_code == 302  # anonymous: to the login page
    user = make_user(Role.AGENT, cpas_a)
    response = client_for(user).get("/sante/")
    assert response.json() == {"statut": "ok", "utilisateur": user.username, "cpas": cpas_a.code}
