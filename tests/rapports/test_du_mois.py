"""Month names in sentences: French elides "de" before a vowel, Dutch says "van"."""

import datetime

import pytest
from django.utils import translation

from rapports.views import du_mois

D = datetime.date


@pytest.mark.parametrize(
    "langue, mois, attendu",
    [
        ("fr", D(2026, 10, 1), "d'octobre 2026"),
        ("fr", D(2026, 4, 1), "d'avril 2026"),
        ("fr", D(2026, 8, 1), "d'août 2026"),
        ("fr", D(2026, 3, 1), "de mars 2026"),
        ("nl", D(2026, 10, 1), "van oktober 2026"),
        ("nl", D(2026, 3, 1), "van maart 2026"),
    ],
)
def test_month_in_a_sentence(langue, mois, attendu):
    with translation.override(langue):
        assert du_mois(mois) == attendu


@pytest.mark.parametrize(
    "langue, attendu",
    [
        ("fr", "Le rapport d&#x27;octobre 2025 est en préparation"),
        ("nl", "Het rapport van oktober 2025"),
    ],
)
def test_the_report_request_message_names_the_month_correctly(
    cpas_a, make_user, client_for, monkeypatch, django_capture_on_commit_callbacks, langue, attendu
):
    from cpas_isp.models import Role
    from rapports import tasks

    monkeypatch.setattr(tasks.generer_rapport_mensuel, "apply_async", lambda *a, **k: None)
    directeur = make_user(Role.DIRECTEUR, cpas_a, langue=langue)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(directeur).post(
            "/rapports/mensuels/demander/", {"mois": "2025-10"}, follow=True
        )
    assert attendu in response.content.decode()
