"""The interface speaks Dutch completely: every catalogue translates every message."""

import subprocess
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
APPS = ["cpas_isp", "beneficiaires", "partenaires", "trajets", "rapports"]
CATALOGUES = sorted(p for app in APPS for p in (BASE / app).glob("locale/nl/LC_MESSAGES/django.po"))


def test_core_catalogue_exists():
    assert BASE / "cpas_isp/locale/nl/LC_MESSAGES/django.po" in CATALOGUES


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.relative_to(BASE).parts[0])
def test_dutch_catalogue_is_complete(po):
    result = subprocess.run(
        ["msgfmt", "--check-format", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr


def test_message_close_button_speaks_the_users_language():
    """The dismiss button of a flash message is named for screen readers in the page's
    language (it said "Close" in English on French and Dutch pages)."""
    from django.contrib.messages import INFO
    from django.contrib.messages.storage.base import Message
    from django.template.loader import render_to_string
    from django.utils import translation

    for langue, attendu in (("fr", "Fermer le message"), ("nl", "Bericht sluiten")):
        with translation.override(langue):
            html = render_to_string("partials/messages.html", {"messages": [Message(INFO, "ok")]})
        assert f'aria-label="{attendu}"' in html
        assert "Close" not in html
