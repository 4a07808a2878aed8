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


def test_logged_in_floor_is_the_session_and_the_user_query(
    make_user, client_for, cpas_a, requetes_de_la_page
):
    """Every page of a logged-in user starts with two queries: the session and the user, whose
    query also brings their active memberships (current CPAS, switch menu) and the two-factor
    rule (cpas_isp.backends)."""
    user = make_user(Role.AGENT, cpas_a)
    client = client_for(user, verifie=False)  # no authenticator, none required
    client.get("/sante/")
    requetes = requetes_de_la_page(client, "/sante/")
    assert len(requetes) == 2, [q["sql"][:80] for q in requetes]
    assert '"django_session"' in requetes[0]["sql"] and '"cpas_isp_user"' in requetes[1]["sql"]


def test_memberships_and_two_factor_rule_loaded_with_the_user_apply_at_the_next_request(
    make_user, client_for, cpas_a, cpas_b
):
    from cpas_isp.models import DoubleAuthentification, Membership

    user = make_user(Role.AGENT, cpas_a)
    Membership.objects.create(user=user, cpas=cpas_b, role=Role.COORDINATEUR)
    client = client_for(user, verifie=False)
    page = client.get("/").content.decode()
    assert cpas_b.nom in page  # the CPAS switch menu lists both
    assert client.get("/sante/").json()["cpas"] in {cpas_a.code, cpas_b.code}
    # Membership in A deactivated: the next request works in B only.
    Membership.objects.filter(user=user, cpas=cpas_a).update(actif=False)
    assert client.get("/sante/").json()["cpas"] == cpas_b.code
    # B now requires a one-time code for every role: the next page asks for enrolment.
    cpas_b.double_authentification = DoubleAuthentification.TOUS
    cpas_b.save()
    response = client.get("/beneficiaires/")
    assert response.status_code == 302
    assert response["Location"].startswith("/double-authentification/activer/")
