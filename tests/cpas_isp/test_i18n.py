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
