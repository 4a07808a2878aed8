import pytest

from beneficiaires import hooks


@pytest.fixture(autouse=True)
def registres_vides(monkeypatch):
    """These tests exercise this app alone: the hooks that later apps register (and that are
    tested in their own suites) are set aside; tests that need one register a fake."""
    for name in ("_timeline", "_sections", "_actions", "_caseload", "_cellule_filters"):
        monkeypatch.setattr(hooks, name, [])
    monkeypatch.setattr(hooks, "_donnees_personnelles", [])
