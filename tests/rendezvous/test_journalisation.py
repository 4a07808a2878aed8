"""gunicorn's access log (the production web server) never holds the token of a booking link or
of a calendar feed."""

import datetime
import importlib.util

from django.conf import settings


def _logger():
    spec = importlib.util.spec_from_file_location(
        "gunicorn_conf", settings.BASE_DIR / "gunicorn.conf.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from gunicorn.config import Config

    return module.JournalSansJetons(Config())


class _Reponse:
    status = "200 OK"
    sent = 120
    headers = ()


def _ligne(chemin):
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": chemin,
        "PATH_INFO": chemin,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "192.0.2.1",
        "HTTP_REFERER": f"https://cpas.example{chemin}",
    }
    atoms = _logger().atoms(_Reponse(), [("Referer", environ["HTTP_REFERER"])], environ,
                            datetime.timedelta(milliseconds=5))  # fmt: skip
    return " ".join(str(atoms[k]) for k in ("r", "U", "f", "{referer}i"))


def test_booking_token_is_masked_in_the_access_log():
    ligne = _ligne("/rendezvous/rdv/Secret_Jeton-123/")
    assert "Secret_Jeton-123" not in ligne
    assert "/rendezvous/rdv/***/" in ligne


def test_calendar_feed_token_is_masked_in_the_access_log():
    ligne = _ligne("/rendezvous/ics/AutreSecret987.ics")
    assert "AutreSecret987" not in ligne


def test_other_paths_are_logged_as_they_are():
    assert "/beneficiaires/12/" in _ligne("/beneficiaires/12/")
