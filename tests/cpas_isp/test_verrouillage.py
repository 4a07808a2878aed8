"""Login lockout per user name and address (django-axes) and per user name across addresses."""

import datetime

from django.conf import settings
from freezegun import freeze_time

from cpas_isp.models import Role


def _essai(client, username, password, ip):
    return client.post("/connexion/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_limits_are_the_documented_defaults():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_USERNAME_FAILURE_LIMIT == 20


def test_failures_from_several_addresses_under_the_limits_do_not_lock(
    client, make_user, cpas_a, password
):
    user = make_user(Role.AGENT, cpas_a)
    for i in range(5):
        response = _essai(client, user.username, "wrong", f"10.0.0.{i + 1}")
        assert response.status_code == 200
    response = _essai(client, user.username, password, "10.0.0.99")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_user_name_is_locked_from_every_address_after_its_own_limit_then_unlocked(
    client, make_user, cpas_a, password
):
    user = make_user(Role.AGENT, cpas_a)
    limite = settings.AXES_USERNAME_FAILURE_LIMIT
    debut = datetime.datetime(2026, 2, 28, 22, 0, tzinfo=datetime.UTC)
    with freeze_time(debut) as horloge:
        # Below the per-address limit on every address (2 failures each), many addresses.
        for i in range(limite):
            response = _essai(client, user.username, "wrong", f"10.1.{i // 2}.1")
            assert response.status_code in (200, 429)
        assert response.status_code == 429  # the last one locked the user name
        # A new address, the right password: refused with the lockout page.
        response = _essai(client, user.username, password, "192.0.2.50")
        assert response.status_code == 429
        assert "Compte temporairement bloqué" in response.content.decode()
        assert "_auth_user_id" not in client.session
        # Another user name from the same addresses is not affected.
        other = make_user(Role.AGENT, cpas_a)
        assert _essai(client, other.username, password, "10.1.0.1").status_code == 302
        client.logout()

        horloge.tick(datetime.timedelta(hours=settings.AXES_COOLOFF_TIME, minutes=1))
        response = _essai(client, user.username, password, "192.0.2.50")
        assert response.status_code == 302
        assert client.session["_auth_user_id"] == str(user.pk)


def test_per_address_limit_still_applies(client, make_user, cpas_a, password):
    user = make_user(Role.AGENT, cpas_a)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _essai(client, user.username, "wrong", "10.2.0.1")
    assert _essai(client, user.username, password, "10.2.0.1").status_code == 429
    # Five failures in total: another address is not locked.
    assert _essai(client, user.username, password, "10.2.0.2").status_code == 302
