import pytest

from beneficiaires import hooks
from cpas_isp.models import Role


@pytest.fixture(autouse=True)
def registres_vides(monkeypatch):
    """These tests exercise this app alone: the hooks that later apps register (and that are
    tested in their own suites) are set aside; tests that need one register a fake."""
    for name in (
        "_timeline",
        "_sections",
        "_actions",
        "_caseload",
        "_cellule_filters",
        "_reattributions",
        "_clotures",
        "_suivi_cellule",
    ):
        monkeypatch.setattr(hooks, name, [])
    monkeypatch.setattr(hooks, "_donnees_personnelles", [])


@pytest.fixture
def coord(make_user, cpas_a):
    return make_user(Role.COORDINATEUR, cpas_a)


@pytest.fixture
def agent(make_user, cpas_a):
    return make_user(Role.AGENT, cpas_a, cellule="emploi")


@pytest.fixture
def cellule_hook(monkeypatch):
    """A fake of the filter trajets registers: people whose commune is the cellule's code."""

    def filtre(queryset, cellule):
        return queryset.filter(commune=cellule.code)

    hooks.register_cellule_filter(filtre)
    return filtre
