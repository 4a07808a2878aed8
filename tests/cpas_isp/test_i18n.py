"""The interface speaks Dutch completely: every catalogue translates every message."""

import re
import subprocess
from pathlib import Path

import pytest

BASE = Path(__file__).resolve().parents[2]
APPS = [
    "cpas_isp",
    "beneficiaires",
    "partenaires",
    "trajets",
    "rapports",
    "rendezvous",
    "activites",
    "documents",
]
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


def _traductions(po):
    """The Dutch texts of a catalogue (each msgstr, its continuation lines joined)."""
    textes, courant = [], None
    for ligne in po.read_text().splitlines():
        if ligne.startswith("msgstr"):
            courant = [ligne.split(" ", 1)[1]]
            textes.append(courant)
        elif ligne.startswith('"') and courant is not None:
            courant.append(ligne)
        else:
            courant = None
    return ["".join(t[1:-1] for t in texte) for texte in textes]


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.relative_to(BASE).parts[0])
def test_dutch_is_written_with_dutch_punctuation(po):
    """No French guillemets (Dutch quotes with ‘…’) and no space before a colon."""
    fautes = [t for t in _traductions(po) if "«" in t or "»" in t or re.search(r"\s:(\s|$)", t)]
    assert fautes == []


def test_every_app_with_a_catalogue_is_checked():
    """An app's Dutch catalogue is checked above as soon as the app has one."""
    avec_catalogue = {p.parts[-5] for p in BASE.glob("*/locale/nl/LC_MESSAGES/django.po")}
    assert avec_catalogue == set(APPS)


# What a template's text may hold a colon in: translated messages (each language writes its
# own), comments, styles and scripts.
_TRADUIT_OU_HORS_TEXTE = re.compile(
    r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}"
    r"|{%\s*translate\s+(\"[^\"]*\"|'[^']*')[^%]*%}"
    r"|{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}|<style.*?</style>|<script.*?</script>",
    re.S,
)


def test_no_template_writes_the_french_colon_in_every_language():
    """French puts a space before a colon, Dutch does not ("Datum:", not "Datum :"): a colon
    after a label is translated (``{% translate " :" context "deux-points" %}``, or inside
    the translated message), never written as text that every language shows."""
    gabarits = [p for app in APPS for p in (BASE / app / "templates").rglob("*.html")]
    gabarits += list((BASE / "templates").rglob("*.html"))
    assert len(gabarits) > 100
    fautes = [
        f"{p.relative_to(BASE)}: {texte[max(0, m.start() - 40) : m.end()]!r}"
        for p in gabarits
        for texte in [_TRADUIT_OU_HORS_TEXTE.sub("", p.read_text())]
        for m in re.finditer(r"\s:(\s|<|$)", texte)
    ]
    assert fautes == []
