import importlib

import pytest
from django.apps import apps


@pytest.fixture(autouse=True)
def listes_de_reference(db):
    """The reference lists seeded by data migrations (put back when a transactional test
    flushed them)."""
    from rendezvous.models import TypeRendezVous
    from trajets.models import TypeEtape

    if not TypeEtape.objects.exists():
        importlib.import_module("trajets.migrations.0003_listes_de_reference").charger(apps, None)
    if not TypeRendezVous.objects.exists():
        importlib.import_module("rendezvous.migrations.0002_types_de_rendez_vous").charger(
            apps, None
        )


@pytest.fixture(autouse=True)
def en_francais():
    from django.utils import translation

    with translation.override("fr"):
        yield
